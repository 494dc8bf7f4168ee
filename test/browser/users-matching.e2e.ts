/**
 * Totals and "select all N matching" on the users list in a real browser: the list says how many
 * users match, the header checkbox offers every matching user beyond the loaded page, and Remove
 * then takes the search (not the 50 ids loaded). Screenshots go to test-results/users-matching-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  closeBrowser,
  openBrowser,
  openConsole,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'users-matching', name);

describe('users list totals and select all matching (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    const admin = await instance.signIn();
    const added = await admin.post('/api/v1/users', {
      users: [
        ...Array.from({ length: 60 }, (_, n) => ({ email: `temp${String(n).padStart(2, '0')}@contractors.example` })),
        { email: 'staff@company.example' },
      ],
    });
    assert.equal(added.status, 201, added.text);
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  it('shows the total, selects all 60 matching users past the loaded page and removes them', async () => {
    await openConsole(page, instance, '/users');
    await waitForText(page.getByTestId('users-shown'), 'Users shown: 50 of 62');
    await page.getByTestId('users-search').fill('contractors.example');
    await waitForText(page.getByTestId('users-shown'), 'Users shown: 50 of 60');
    await page.getByTestId('users-table').getByRole('checkbox', { name: 'Select All' }).click();
    await page.getByTestId('users-select-matching-bar').waitFor();
    await screenshot(page, 'a1-page-selected');
    await page.getByTestId('users-select-matching').click();
    await page.getByTestId('users-matching-selected').waitFor();
    await waitForText(page.getByTestId('users-remove'), 'Remove (60)');
    await screenshot(page, 'a2-all-matching');
    await page.getByTestId('users-remove').click();
    const dialog = page.getByTestId('remove-users-dialog');
    await waitForText(dialog.getByRole('heading').first(), 'Remove all matching users (60)?');
    const request = page.waitForRequest((sent) => sent.url().endsWith('/api/v1/users/remove'));
    await page.getByTestId('remove-users-submit').click();
    assert.deepEqual((await request).postDataJSON(), {
      matching: { search: 'contractors.example' },
      contentAction: 'transfer-later',
    });
    await page.getByTestId('users-notice').waitFor();
    const removed = await instance.app.ctx.db
      .selectFrom('users')
      .select('email')
      .where('organization_id', '=', instance.organizationId)
      .where('status', '=', 'removed')
      .execute();
    assert.equal(removed.length, 60);
    assert.ok(removed.every((row) => row.email.endsWith('@contractors.example')));
    await screenshot(page, 'a3-removed');
    assert.deepEqual(problems, []);
  });
});
