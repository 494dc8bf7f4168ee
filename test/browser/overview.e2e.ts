/**
 * The overview (the console's home) in a real browser: figures, the licenses chart with the latest
 * bulk run's deficit, the 90 % and 110 % alerts (also queued as e-mails to the system admins), recent
 * bulk operations and users still to connect a device; in all five languages at 1280×800 with
 * nothing cut off. Screenshots go to test-results/overview-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { LOCALES } from '../../shared/contracts.ts';
import { closeBrowser, openBrowser, RESULTS, screenshot as save, signIn, waitForText } from '../support/browser.ts';
import { runBulk } from '../support/bulk.ts';
import { createProductWithProfiles } from '../support/catalog.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'overview', name);

describe('overview (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    const admin = await instance.signIn();
    await createProductWithProfiles(admin, 'Acrobat', 10, ['Acrobat Pro']);
    await createProductWithProfiles(admin, 'Photoshop', 2, ['Photoshop Std']);
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: Array.from({ length: 9 }, (_, n) => ({ email: `reader${n + 1}@example.org`, profiles: ['Acrobat Pro'] })),
    });
    assert.equal(added.status, 201, added.text);
    const sent = await admin.post('/api/v1/users/send-instructions', {
      userIds: added.body.items.slice(0, 3).map((user) => user.id),
    });
    assert.equal(sent.status, 200, sent.text);
    const csv = ['Email,Product Configurations', ...[1, 2, 3, 4].map((n) => `ps${n}@example.org,Photoshop Std`)];
    const { operation } = await runBulk(admin, { type: 'add-users' }, `${csv.join('\n')}\n`);
    assert.equal(operation.status, 'completed_with_errors');
    await admin.post('/api/v1/groups', { name: 'Designers' });
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  it('opens after sign-in with the figures, the chart, the alerts, recent bulk runs and users without a device', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/');
    await signIn(page, instance);
    await waitForText(page.getByTestId('page-title'), 'Overview');
    // 9 + 2 added + the admin; the 2 rows short of seats were not added.
    await waitForText(page.getByTestId('overview-users-value'), '12');
    await waitForText(page.getByTestId('overview-removed-value'), '0');
    await waitForText(page.getByTestId('overview-groups-value'), '1');
    await waitForText(
      page.getByTestId('overview-alert-Acrobat').getByRole('heading'),
      'Acrobat: 90 % of the licenses are in use',
    );
    await waitForText(
      page.getByTestId('overview-alert-Photoshop').getByRole('heading'),
      'Photoshop: more licenses are needed than the organization has',
    );
    const photoshop = page.getByTestId('overview-product-Photoshop');
    await waitForText(photoshop.getByTestId('overview-product-caption'), '2 of 2 in use (100 %)');
    await waitForText(photoshop.getByTestId('overview-product-deficit'), 'Last bulk operation: 2 more needed');
    assert.equal(
      await photoshop.getByRole('img').getAttribute('aria-label'),
      'Photoshop: 2 of 2 in use (100 %); Last bulk operation: 2 more needed',
    );
    await page.getByTestId('overview-bulk-table').getByRole('row').filter({ hasText: 'upload.csv' }).waitFor();
    await waitForText(page.getByTestId('overview-awaiting-count'), 'Users still to connect a device: 3');
    await screenshot(page, 'a1-en');
    // The alert e-mails wait in the outbox, one per system admin and crossing.
    const alerts = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['data'])
      .where('kind', '=', 'license_alert')
      .execute();
    assert.deepEqual(
      alerts.map((row) => (row.data as { product: string; level: number }).level).sort(),
      [100, 110, 90],
    );
    // A recent bulk run opens its page.
    await page.getByTestId('overview-bulk-table').getByRole('row').filter({ hasText: 'upload.csv' }).click();
    await page.waitForURL(/\/bulk\/[0-9a-f-]{36}$/);
    // Its page lists the run's license deficit per product.
    const deficit = page.getByTestId('bulk-deficits-table').getByRole('row').filter({ hasText: 'Photoshop' });
    await waitForText(deficit.locator('[data-column="needed"]'), '2');
    await page.getByTestId('nav-overview').click();
    await waitForText(page.getByTestId('page-title'), 'Overview');
  });

  it('shows nothing cut off at 1280×800 in any of the five languages', async () => {
    for (const locale of LOCALES) {
      // The admin's language, as the language picker saves it.
      const saved = await page.evaluate(`(async () => {
        const session = await fetch('/api/v1/auth/session').then((response) => response.json());
        const response = await fetch('/api/v1/me', {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify({ locale: '${locale}' }),
        });
        return response.status;
      })()`);
      assert.equal(saved, 200, locale);
      await page.goto('/overview');
      await page.getByTestId('overview-licenses').waitFor();
      await page.waitForFunction(`document.documentElement.lang === '${locale}'`);
      // Elements whose text is wider than their box (cut off or scrolled): none.
      const clipped = await page.evaluate(`[...document.querySelectorAll('main *')]
        .filter((element) => element.children.length === 0 && element.clientWidth > 0
          && element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX !== 'visible')
        .map((element) => element.tagName + ': ' + element.textContent)`);
      assert.deepEqual(clipped, [], `${locale}: cut off`);
      const pageWidth = Number(await page.evaluate('document.documentElement.scrollWidth'));
      assert.ok(pageWidth <= 1280, `${locale}: the page scrolls sideways (${pageWidth} px)`);
      await screenshot(page, `b-${locale}`);
    }
    assert.deepEqual(problems, []);
  });
});
