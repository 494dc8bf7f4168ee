/**
 * Accessibility of every console page and of its main dialogs, checked by axe-core in a real
 * browser (issue 15, item 15): no serious or critical violation of WCAG 2.1 A/AA. Each page is
 * checked as an admin first sees it, with some data in it. Screenshots go to test-results/a11y-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { launch, newPage, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import { createProductWithProfiles } from '../support/catalog.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'a11y', name);

/** The focused element as `TAG:test-id` (the tests' types have no DOM: it is described by what is used). */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as {
      document: { activeElement: { tagName: string; getAttribute(name: string): string | null } | null };
    };
    const element = document.activeElement;
    return element ? `${element.tagName}:${element.getAttribute('data-testid') ?? ''}` : '';
  });
}

describe('accessibility of every page (browser, axe-core)', () => {
  let instance: TestInstance;
  let admin: Client;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, string> = {};
  const found = new Map<string, string[]>();

  /** Checks the page as it is now, under a name. */
  async function check(name: string): Promise<void> {
    // Let spinners settle: the page's own content is what is checked.
    await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
    await page.waitForTimeout(300);
    await screenshot(page, name);
    found.set(name, await violations(page));
  }

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    admin = await instance.signIn();
    await createProductWithProfiles(admin, 'A11y Pro', 5, ['A11y Standard']);
    const group = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Designers' });
    assert.equal(group.status, 201, group.text);
    ids.group = group.body.id;
    const users = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [
        { email: 'alice@example.org', firstName: 'Alice', lastName: 'Adams', profiles: ['A11y Standard'] },
        { email: 'bob@example.org', firstName: 'Bob', lastName: 'Brown', groups: ['Designers'] },
      ],
      sendInstructions: true,
    });
    assert.equal(users.status, 201, users.text);
    ids.user = users.body.items[0]!.id;
    const outbox = await admin.get<{ items: { id: string }[] }>('/api/v1/outbox?limit=1');
    assert.equal(outbox.status, 200, outbox.text);
    ids.message = outbox.body.items[0]?.id ?? '';
    browser = await launch();
    ({ page } = await newPage(browser, instance.baseUrl));
  });

  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  it('checks the sign-in page', async () => {
    await page.goto('/');
    await page.getByTestId('login-email').waitFor();
    await check('a1-sign-in');
  });

  it('checks every page of the console and its main dialogs', async () => {
    const pages: [string, string, string][] = [
      ['b1-users', '/users', 'users-table'],
      ['b2-user', `/users/${ids.user}`, 'page-title'],
      ['b3-groups', '/groups', 'groups-table'],
      ['b4-group', `/groups/${ids.group}`, 'page-title'],
      ['b5-products', '/products', 'page-title'],
      ['b6-bulk', '/bulk', 'page-title'],
      ['b7-audit', '/audit', 'audit-table'],
      ['b8-outbox', '/outbox', 'outbox-table'],
      ['b10-settings', '/settings', 'page-title'],
      ['b11-profile', '/profile', 'page-title'],
    ];
    if (ids.message) {
      pages.push(['b9-outbox-message', `/outbox/${ids.message}`, 'page-title']);
    }
    for (const [name, path, ready] of pages) {
      await openConsole(page, instance, path);
      await page.getByTestId(ready).first().waitFor();
      await check(name);
    }

    await openConsole(page, instance, '/users');
    await page.getByTestId('users-add').click();
    await page.getByRole('dialog').waitFor();
    await check('c1-add-users-dialog');
    await page.keyboard.press('Escape');

    await openConsole(page, instance, '/groups');
    await page.getByTestId('groups-create').click();
    await page.getByRole('dialog').waitFor();
    await check('c2-create-group-dialog');
    await page.keyboard.press('Escape');

    await openConsole(page, instance, '/audit');
    await page.getByTestId('audit-table').locator('[data-column="action"]').first().click();
    await page.getByTestId('audit-event-dialog').waitFor();
    await check('c3-audit-event-dialog');
    await page.keyboard.press('Escape');
  });

  it('offers "Skip to content" as the first stop of the keyboard', async () => {
    await openConsole(page, instance, '/groups');
    await page.getByTestId('groups-table').waitFor();
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'A:skip-to-content');
    await page.keyboard.press('Enter');
    assert.equal(await focused(page), 'MAIN:');
  });

  it('found no serious or critical violation', () => {
    const failing = Object.fromEntries([...found].filter(([, list]) => list.length > 0));
    assert.deepEqual(failing, {});
  });
});
