/**
 * E-mail and devices in a real browser: "Send instructions" from the users list, the Outbox page
 * showing the queued message rendered (no SMTP_URL), the connection page of its link (anonymous, in
 * another browser context) connecting a device, and the user's details listing and disconnecting
 * it. Screenshots go to test-results/devices-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  closeBrowser,
  newPage,
  openBrowser,
  openConsole,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'devices', name);

/** Waits until the element shows text containing `text`. */
const showing = (locator: Locator, text: string) => locator.filter({ hasText: text }).first().waitFor();

describe('e-mail outbox and devices (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  let userId = '';
  let link = '';
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance({ USHER_PUBLIC_URL: 'http://127.0.0.1:1' });
    const admin = await instance.signIn();
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [{ email: 'anna@example.org', firstName: 'Anna' }],
    });
    userId = added.body.items[0]?.id ?? '';
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  it('sends instructions to a selected user from the users list', async () => {
    await openConsole(page, instance, '/users');
    const row = page.getByTestId('users-table').getByRole('row').filter({ hasText: 'anna@example.org' });
    await row.getByRole('checkbox').click();
    await page.getByTestId('users-send-instructions').click();
    await page.getByTestId('send-instructions-dialog').waitFor();
    await screenshot(page, 'a1-confirm');
    await page.getByTestId('send-instructions-dialog').getByRole('button', { name: 'Send' }).click();
    await showing(page.getByTestId('users-notice'), 'Instructions e-mails queued: 1');
  });

  it('"Send instructions to all" says how many people get an e-mail', async () => {
    const admin = await instance.signIn();
    let expected = 0;
    for (const status of ['active', 'invited']) {
      expected += (await admin.get<{ total: number }>(`/api/v1/users/count?status=${status}`)).body.total ?? 0;
    }
    assert.ok(expected >= 2, `${expected} users not removed`);
    await page.getByTestId('users-send-instructions-all').click();
    const dialog = page.getByTestId('send-instructions-dialog');
    await showing(dialog, `Every user who is not removed (${expected}) gets an e-mail`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('shows the queued message, rendered, on the Outbox page', async () => {
    await page.getByTestId('nav-outbox').click();
    const row = page.getByTestId('outbox-table').getByRole('row').filter({ hasText: 'anna@example.org' });
    await row.filter({ hasText: 'Installation instructions' }).waitFor();
    await showing(row, 'Queued');
    await screenshot(page, 'b1-outbox');
    await row.filter({ hasText: 'Installation instructions' }).locator('[data-column="subject"]').click();
    await waitForText(page.getByTestId('page-title'), 'Install the security application on your devices (Example Org)');
    const text = (await page.getByTestId('outbox-view-text').textContent()) ?? '';
    assert.match(text, /Hello Anna,/);
    const found = /http:\/\/127\.0\.0\.1:1(\/connect\/[A-Za-z0-9_-]{43})/.exec(text);
    assert.ok(found, text);
    link = found[1] ?? '';
    const frame = page.frameLocator('[data-testid="outbox-view-html"]');
    await frame.getByRole('link', { name: 'Connect a device' }).waitFor();
    await screenshot(page, 'b2-message');
  });

  it('sets where users download the application, per platform, in Settings', async () => {
    await page.getByTestId('nav-settings').click();
    const form = page.getByTestId('downloads-form');
    await form.waitFor();
    await form.getByTestId('downloads-macos').fill('ftp://files.example.org/usher.pkg');
    await page.getByTestId('downloads-save').click();
    // The server's refusal names the field; correcting it clears the error and saves.
    await form.getByText('must be an http:// or https:// address').waitFor();
    await form.getByTestId('downloads-macos').fill('https://downloads.example.org/usher.pkg');
    assert.equal(await form.getByText('must be an http:// or https:// address').count(), 0);
    await page.getByTestId('downloads-save').click();
    await page.getByTestId('downloads-saved').waitFor();
    await screenshot(page, 'b3-download-links');
  });

  it('connects a device on the public page of the link', async () => {
    const visitor = await newPage(browser, instance.baseUrl);
    await visitor.page.goto(link);
    await showing(visitor.page.getByTestId('connect-for'), 'anna@example.org');
    await visitor.page.getByRole('tab', { name: 'macOS' }).click();
    await showing(visitor.page.getByTestId('connect-steps-macos'), 'System Settings');
    const download = visitor.page.getByTestId('connect-download-macos');
    await showing(download, 'Download for macOS');
    assert.equal(await download.getAttribute('href'), 'https://downloads.example.org/usher.pkg');
    // The identifier comes from the security application: shown, not typed.
    assert.equal(await visitor.page.getByTestId('connect-device-id').getAttribute('readonly'), '');
    await visitor.page.getByTestId('connect-name').fill("Anna's MacBook");
    await screenshot(visitor.page, 'c1-connect');
    await visitor.page.getByTestId('connect-submit').click();
    await showing(visitor.page.getByTestId('connect-done'), "Connected: Anna's MacBook");
    await screenshot(visitor.page, 'c2-connected');

    await visitor.page.getByRole('tab', { name: 'Windows' }).click();
    await showing(visitor.page.getByTestId('connect-no-download-windows'), 'has not set a download link');

    await visitor.page.goto('/connect/not-a-real-token');
    await showing(visitor.page.getByTestId('connect-invalid'), 'invalid or has expired');
    await visitor.context.close();
  });

  it("lists the device on the user's details and disconnects it", async () => {
    await page.goto(`/users/${userId}`);
    await page.locator('#user-devices').waitFor();
    const row = page.getByTestId('devices-table').getByRole('row').filter({ hasText: "Anna's MacBook" });
    await row.waitFor().catch((error: unknown) => {
      throw new Error(`${String(error)}\n${problems.join('\n')}`);
    });
    await showing(row, 'macOS');
    await screenshot(page, 'd1-devices');
    await row.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect' }).click();
    await showing(page.getByTestId('devices-notice'), "Disconnected: Anna's MacBook");
    await row.waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
  });
});
