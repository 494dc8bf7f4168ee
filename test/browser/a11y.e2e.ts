/**
 * Accessibility of every console page, of every public page (sign-in, setup, passwords, connecting
 * a device) and of the console's dialogs, checked by axe-core in a real browser (issue 15): no
 * serious or critical violation of WCAG 2.1 A/AA or of axe's best practices, and none of heading
 * order, a missing `<main>`, an accessible name that does not match its label or an unnamed bar at
 * any impact (test/support/axe.ts). Each page is checked as an admin first sees it, with some data
 * in it. Screenshots go to test-results/a11y-*.png.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { launch, newPage, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import { runBulk } from '../support/bulk.ts';
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
  async function check(name: string, on: Page = page): Promise<void> {
    // Let spinners settle: the page's own content is what is checked.
    await on.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
    await on.waitForTimeout(300);
    await screenshot(on, name);
    found.set(name, await violations(on));
  }

  /** The open dialog (a form dialog or a confirmation). */
  const openDialog = () => page.locator('[role="dialog"], [role="alertdialog"]').first();

  /** Opens a dialog on a page of the console, checks it, and closes it with Escape. */
  async function checkDialog(name: string, path: string, open: () => Promise<void>): Promise<void> {
    await openConsole(page, instance, path);
    await page.getByTestId('page-title').waitFor();
    await open();
    await openDialog().waitFor();
    await check(name);
    await page.keyboard.press('Escape');
    await openDialog().waitFor({ state: 'detached' });
  }

  /** Ticks the row of a list that shows the text. */
  async function tick(table: string, text: string): Promise<void> {
    await page.getByTestId(table).getByRole('row').filter({ hasText: text }).getByRole('checkbox').click();
  }

  /** The token of the instructions e-mail queued for a user (the end of its connect link). */
  async function connectToken(userId: string): Promise<string> {
    const message = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('kind', '=', 'instructions')
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return (message.data as { token: string }).token;
  }

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance({ USHER_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    admin = await instance.signIn();
    await createProductWithProfiles(admin, 'A11y Pro', 5, ['A11y Standard']);
    const group = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Designers' });
    assert.equal(group.status, 201, group.text);
    ids.group = group.body.id;
    const users = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [
        { email: 'alice@example.org', firstName: 'Alice', lastName: 'Adams', profiles: ['A11y Standard'] },
        { email: 'bob@example.org', firstName: 'Bob', lastName: 'Brown', groups: ['Designers'] },
        { email: 'carol@example.org', firstName: 'Carol', lastName: 'Clark' },
      ],
      sendInstructions: true,
    });
    assert.equal(users.status, 201, users.text);
    ids.user = users.body.items[0]!.id;
    ids.bob = users.body.items[1]!.id;
    ids.carol = users.body.items[2]!.id;
    const removed = await admin.post('/api/v1/users/remove', { userIds: [ids.carol] });
    assert.equal(removed.status, 200, removed.text);
    const connected = await instance.anonymous().post('/api/v1/public/devices', {
      token: await connectToken(ids.bob),
      platform: 'windows',
      name: 'Bob laptop',
      deviceId: 'b1',
    });
    assert.equal(connected.status, 201, connected.text);
    ids.token = await connectToken(ids.user);
    const outbox = await admin.get<{ items: { id: string }[] }>('/api/v1/outbox?limit=1');
    assert.equal(outbox.status, 200, outbox.text);
    ids.message = outbox.body.items[0]?.id ?? '';
    const { operation } = await runBulk(
      admin,
      { type: 'add-users' },
      'Email,First Name,Product Configurations\ndan@example.org,Dan,A11y Standard\n',
    );
    ids.bulk = operation.id;
    const directory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'Corp',
      identityType: 'enterprise',
    });
    assert.equal(directory.status, 201, directory.text);
    ids.directory = directory.body.id;
    browser = await launch();
    ({ page } = await newPage(browser, instance.baseUrl));
  });

  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  it('checks the public pages: sign-in, forgot password, setup, a password link and a device link', async () => {
    const visitor = (await newPage(browser, instance.baseUrl)).page;
    const pages: [string, string, string][] = [
      ['a1-sign-in', '/', 'login-email'],
      ['a2-forgot-password', '/forgot-password', 'page-title'],
      ['a3-setup-invalid', '/setup?token=nothing', 'page-title'],
      ['a4-set-password-invalid', '/set-password/nothing', 'page-title'],
      ['a5-connect', `/connect/${ids.token}`, 'connect-name'],
      ['a6-connect-invalid', '/connect/nothing', 'connect-invalid'],
    ];
    for (const [name, path, ready] of pages) {
      await visitor.goto(path);
      await visitor.getByTestId(ready).first().waitFor();
      await check(name, visitor);
    }
    await visitor.context().close();
  });

  it('checks every page of the console', async () => {
    const pages: [string, string, string][] = [
      ['b0-overview', '/overview', 'overview-licenses'],
      ['b1-users', '/users', 'users-table'],
      ['b2-user', `/users/${ids.user}`, 'page-title'],
      ['b2b-removed-user', `/users/${ids.carol}`, 'page-title'],
      ['b3-groups', '/groups', 'groups-table'],
      ['b4-group', `/groups/${ids.group}`, 'page-title'],
      ['b5-products', '/products', 'page-title'],
      ['b5b-devices', '/devices', 'devices-list-table'],
      ['b5c-devices-not-connected', '/devices?connected=false', 'devices-list-table'],
      ['b6-bulk', '/bulk', 'page-title'],
      ['b6b-bulk-operation', `/bulk/${ids.bulk}`, 'page-title'],
      ['b7-audit', '/audit', 'audit-table'],
      ['b8-outbox', '/outbox', 'outbox-table'],
      ['b9-outbox-message', `/outbox/${ids.message}`, 'page-title'],
      ['b10-settings', '/settings', 'page-title'],
      ['b10b-directory-sync', `/settings/directories/${ids.directory}/sync`, 'page-title'],
      ['b11-profile', '/profile', 'page-title'],
    ];
    for (const [name, path, ready] of pages) {
      await openConsole(page, instance, path);
      await page.getByTestId(ready).first().waitFor();
      await check(name);
    }
  });

  it('checks the dialogs of the console', async () => {
    await checkDialog('c1-add-users-dialog', '/users', () => page.getByTestId('users-add').click());
    await checkDialog('c1b-paste-dialog', '/users', () => page.getByTestId('users-paste').click());
    await checkDialog('c1c-send-all-dialog', '/users', () => page.getByTestId('users-send-instructions-all').click());
    await checkDialog('c1d-remove-users-dialog', '/users', async () => {
      await tick('users-table', 'alice@example.org');
      await page.getByTestId('users-remove').click();
    });
    await checkDialog('c1e-edit-user-dialog', `/users/${ids.user}`, () => page.getByTestId('user-edit').click());
    await checkDialog('c1f-admin-right-dialog', `/users/${ids.user}`, () =>
      page.getByTestId('user-admin-role-add').click(),
    );
    await checkDialog('c1g-transfer-dialog', `/users/${ids.carol}`, () =>
      page.getByTestId('user-content-transfer').click(),
    );
    await checkDialog('c1h-delete-user-dialog', `/users/${ids.carol}`, () => page.getByTestId('user-delete').click());
    await checkDialog('c2-create-group-dialog', '/groups', () => page.getByTestId('groups-create').click());
    await checkDialog('c2b-delete-groups-dialog', '/groups', async () => {
      await tick('groups-table', 'Designers');
      await page.getByTestId('groups-delete').click();
    });
    await checkDialog('c2c-group-members-dialog', `/groups/${ids.group}`, () =>
      page.getByTestId('group-members-add').click(),
    );
    await checkDialog('c2d-group-profiles-dialog', `/groups/${ids.group}`, async () => {
      await page.getByRole('tab', { name: 'Assigned product profiles', exact: true }).click();
      await check('b4b-group-profiles-tab');
      await page.getByTestId('group-profiles-assign').click();
    });
    await checkDialog('c2e-group-admins-dialog', `/groups/${ids.group}`, async () => {
      await page.getByRole('tab', { name: 'Admins', exact: true }).click();
      await check('b4c-group-admins-tab');
      await page.getByTestId('group-admins-add').click();
    });
    await checkDialog('c3-add-product-dialog', '/products', () => page.getByTestId('product-add').click());
    await checkDialog('c3b-edit-product-dialog', '/products', () => page.getByTestId('product-edit').first().click());
    await checkDialog('c3c-add-profile-dialog', '/products', async () => {
      await page.getByTestId('products-table').getByRole('row').filter({ hasText: 'A11y Pro' }).click();
      await page.getByTestId('profile-add').waitFor();
      await check('b5d-product-profiles');
      await page.getByTestId('profile-add').click();
    });
    await checkDialog('c4-bulk-upload-dialog', '/bulk', () => page.getByTestId('bulk-upload').click());
    await checkDialog('c5-disconnect-device-dialog', '/devices', () =>
      page.getByTestId('devices-list-disconnect').first().click(),
    );
    await checkDialog('c6-discard-shown-dialog', '/outbox', () => page.getByTestId('outbox-discard-shown').click());
    await checkDialog('c7-audit-event-dialog', '/audit', () =>
      page.getByTestId('audit-table').locator('[data-column="action"]').first().click(),
    );
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

  it('found no violation that fails', () => {
    const failing = Object.fromEntries([...found].filter(([, list]) => list.length > 0));
    assert.deepEqual(failing, {});
    assert.ok(found.size >= 40, `${found.size} pages and dialogs checked`);
  });
});
