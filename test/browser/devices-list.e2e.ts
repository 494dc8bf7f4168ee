/**
 * The organization-wide Devices list in a real browser: every device with its user, platform,
 * connected and last seen; the platform filter and search kept in the address; "not connected yet";
 * disconnecting from the list; reached from the overview. Screenshots: test-results/devices-list-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  closeBrowser,
  openBrowser,
  openConsole,
  pick,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'devices-list', name);

describe('devices list (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const names = async () =>
    (await page.getByTestId('devices-list-table').locator('[data-column="name"]').allTextContents()).sort();

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance({ USHER_CONNECT_MAX_PER_IP: '10000' });
    const admin = await instance.signIn();
    const added = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: ['anna', 'jan', 'ewa'].map((name) => ({ email: `${name}@devices.example`, firstName: name })),
    });
    assert.equal(added.status, 201, added.text);
    const sent = await admin.post('/api/v1/users/send-instructions', {
      userIds: added.body.items.map((user) => user.id),
    });
    assert.equal(sent.status, 200, sent.text);
    for (const [email, platform, name, deviceId] of [
      ['anna@devices.example', 'windows', 'Anna laptop', 'a1'],
      ['anna@devices.example', 'ios', 'Anna iPhone', 'a2'],
      ['jan@devices.example', 'macos', 'Jan MacBook', 'j1'],
    ]) {
      const userId = added.body.items.find((user) => user.email === email)?.id ?? '';
      const message = await instance.app.ctx.db
        .selectFrom('outbox_messages')
        .select('data')
        .where('kind', '=', 'instructions')
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      const connected = await instance.anonymous().post('/api/v1/public/devices', {
        token: (message.data as { token: string }).token,
        platform,
        name,
        deviceId,
      });
      assert.equal(connected.status, 201, connected.text);
    }
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  it('lists every device, filters by platform and searches, keeping the view in the address', async () => {
    await openConsole(page, instance, '/devices');
    await waitForText(page.getByTestId('devices-list-shown'), 'Devices shown: 3 of 3');
    assert.deepEqual(await names(), ['Anna iPhone', 'Anna laptop', 'Jan MacBook']);
    await screenshot(page, 'a1-all');
    await pick(page, 'devices-list-platform', 'iOS');
    await waitForText(page.getByTestId('devices-list-shown'), 'Devices shown: 1 of 1');
    assert.deepEqual(await names(), ['Anna iPhone']);
    assert.equal(new URL(page.url()).searchParams.get('platform'), 'ios');
    await pick(page, 'devices-list-platform', 'Any');
    await page.getByTestId('devices-list-search').fill('jan@');
    await waitForText(page.getByTestId('devices-list-shown'), 'Devices shown: 1 of 1');
    assert.deepEqual(await names(), ['Jan MacBook']);
    await page.reload();
    await waitForText(page.getByTestId('devices-list-shown'), 'Devices shown: 1 of 1');
    assert.equal(await page.getByTestId('devices-list-search').inputValue(), 'jan@');
    await page.getByTestId('devices-list-search').fill('');
    await waitForText(page.getByTestId('devices-list-shown'), 'Devices shown: 3 of 3');
  });

  it('disconnects a device from the list, audited', async () => {
    const row = page.getByTestId('devices-list-table').getByRole('row').filter({ hasText: 'Anna laptop' });
    await row.getByTestId('devices-list-disconnect').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect' }).click();
    await waitForText(page.getByTestId('devices-list-notice'), 'Disconnected: Anna laptop');
    await waitForText(page.getByTestId('devices-list-shown'), 'Devices shown: 2 of 2');
    const audit = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'device.disconnect')
      .execute();
    assert.equal(audit.length, 1);
  });

  it('shows the users not connected yet, reached from the overview', async () => {
    await page.getByTestId('nav-overview').click();
    await page.getByTestId('overview-awaiting-all').click();
    await page.waitForURL('**/devices?connected=false');
    await waitForText(page.getByTestId('devices-list-shown'), 'Users shown: 1 of 1');
    await page.getByTestId('devices-list-table').getByRole('row').filter({ hasText: 'ewa@devices.example' }).waitFor();
    await screenshot(page, 'c1-not-connected');
    // The Show picker switches between the two views and their columns, in the address too.
    await pick(page, 'devices-list-show', 'Connected devices');
    await waitForText(page.getByTestId('devices-list-shown'), 'Devices shown: 2 of 2');
    assert.deepEqual(await names(), ['Anna iPhone', 'Jan MacBook']);
    assert.equal(new URL(page.url()).searchParams.get('connected'), null);
    await pick(page, 'devices-list-show', 'Not connected yet');
    await waitForText(page.getByTestId('devices-list-shown'), 'Users shown: 1 of 1');
    assert.equal(await page.getByTestId('devices-list-table').locator('[data-column="name"]').count(), 0);
    assert.equal(new URL(page.url()).searchParams.get('connected'), 'false');
    assert.deepEqual(problems, []);
  });
});
