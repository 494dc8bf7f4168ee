/**
 * The users list and a user's admin rights in a real browser (issue 15): a group admin right
 * granted through a group picker with no role preselected, the CSV export of what the list shows.
 * Screenshots go to test-results/users-list-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  choose,
  closeBrowser,
  openBrowser,
  openConsole,
  pick,
  RESULTS,
  screenshot as save,
} from '../support/browser.ts';
import { createProductWithProfiles } from '../support/catalog.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'users-list', name);

function userRow(page: Page, email: string) {
  return page.getByTestId('users-table').getByRole('row').filter({ hasText: email });
}

describe('users list (browser)', () => {
  let instance: TestInstance;
  let admin: Client;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const ids: Record<string, string> = {};

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    admin = await instance.signIn();
    await createProductWithProfiles(admin, 'Photoshop', 10, ['Photoshop Team']);
    await createProductWithProfiles(admin, 'Acrobat', 10, ['Acrobat Pro', 'Acrobat Reader']);
    for (const name of ['Designers', 'Developers', 'Sales']) {
      const group = await admin.post('/api/v1/groups', { name });
      assert.equal(group.status, 201, group.text);
    }
    const users = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: [
        { email: 'ala@example.org', firstName: 'Ala', lastName: 'Kowalska', groups: ['Designers'] },
        { email: 'bartek@example.org', firstName: 'Bartek', lastName: 'Nowak', profiles: ['Photoshop Team'] },
        { email: 'celina@example.org', firstName: 'Celina', lastName: 'Lis' },
      ],
    });
    assert.equal(users.status, 201, users.text);
    for (const user of users.body.items) {
      ids[user.email] = user.id;
    }
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  afterEach(async (test) => {
    await screenshot(page, `z-end-${test.name.split(':')[0]?.replaceAll(' ', '-')}`);
  });

  after(() => closeBrowser(browser, instance));

  it('Add admin right: no role preselected; a group admin right through a group picker', async () => {
    await openConsole(page, instance, `/users/${ids['celina@example.org']}`);
    await page.getByTestId('user-admin-role-add').click();
    const dialog = page.getByTestId('admin-role-dialog');
    await dialog.waitFor();
    assert.doesNotMatch((await page.getByTestId('admin-role-role').textContent()) ?? '', /System admin/);
    assert.equal(await page.getByTestId('admin-role-submit').isDisabled(), true, 'nothing to grant yet');
    await pick(page, 'admin-role-role', 'User group admin');
    assert.equal(await page.getByTestId('admin-role-submit').isDisabled(), true, 'no group chosen yet');
    // Chosen once the picker has searched for what was typed, as a person reading the list would.
    const searched = page.waitForResponse((response) => /\/api\/v1\/groups\?.*search=Dev/.test(response.url()));
    await page.getByTestId('admin-role-group').fill('Dev');
    await searched;
    await choose(page, 'admin-role-group', 'Dev', 'Developers');
    await screenshot(page, 'a1-group-admin-picker');
    await page.getByTestId('admin-role-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('user-admin-role').filter({ hasText: 'User group admin: Developers' }).waitFor();
  });

  it('Export users (CSV) exports what the list shows: the same search and filters', async () => {
    await openConsole(page, instance, '/users');
    await userRow(page, 'ala@example.org').waitFor();
    await page.getByTestId('users-search').fill('nowak');
    await userRow(page, 'ala@example.org').waitFor({ state: 'detached' });
    const link = page.getByTestId('users-export');
    assert.equal(await link.getAttribute('href'), '/api/v1/users.csv?search=nowak');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines.length, 2, csv);
    assert.ok(lines[0]?.startsWith('Identity Type,Username,Domain,Email'), csv);
    assert.match(lines[1] ?? '', /bartek@example\.org/);

    await page.getByTestId('users-search').fill('');
    await pick(page, 'filter-product', 'Photoshop');
    await userRow(page, 'ala@example.org').waitFor({ state: 'detached' });
    const href = (await link.getAttribute('href')) ?? '';
    assert.match(href, /^\/api\/v1\/users\.csv\?product=[0-9a-f-]{36}$/);
    const [filtered] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const rows = fs
      .readFileSync(await filtered.path(), 'utf8')
      .trim()
      .split(/\r?\n/)
      .slice(1);
    assert.deepEqual(
      rows.map((row) => row.split(',')[3]),
      ['bartek@example.org'],
    );
  });

  it('removed users: Remove and Send instructions are off, Restore restores the selected ones', async () => {
    const removed = await admin.post('/api/v1/users/remove', {
      userIds: [ids['celina@example.org'], ids['bartek@example.org']],
      contentAction: 'delete',
    });
    assert.equal(removed.status, 200, removed.text);
    await openConsole(page, instance, '/users');
    // One active and one removed user selected: neither removal nor instructions apply to both.
    await userRow(page, 'ala@example.org').getByRole('checkbox').click();
    await userRow(page, 'celina@example.org').getByRole('checkbox').click();
    assert.equal(await page.getByTestId('users-remove').isDisabled(), true);
    assert.equal(await page.getByTestId('users-send-instructions').isDisabled(), true);
    await page.getByTestId('users-removed-selected').waitFor();
    assert.equal(await page.getByTestId('users-restore').count(), 0);
    await screenshot(page, 'c1-mixed-selection');

    await userRow(page, 'ala@example.org').getByRole('checkbox').click();
    await userRow(page, 'bartek@example.org').getByRole('checkbox').click();
    const restore = page.getByTestId('users-restore');
    await restore.filter({ hasText: 'Restore (2)' }).waitFor();
    assert.equal(await page.getByTestId('users-remove').isDisabled(), true);
    await screenshot(page, 'c2-removed-selection');
    await restore.click();
    await page.getByTestId('users-notice').filter({ hasText: 'Users restored: 2' }).waitFor();
    for (const email of ['bartek@example.org', 'celina@example.org']) {
      const user = await admin.get<{ status: string }>(`/api/v1/users/${ids[email]}`);
      assert.equal(user.body.status, 'active', email);
      await userRow(page, email).filter({ hasText: 'Active' }).waitFor();
    }
    assert.equal(await restore.count(), 0, 'nothing selected after the reload');
  });

  it('Paste a list takes the addresses out of what mail programs copy', async () => {
    await openConsole(page, instance, '/users');
    await page.getByTestId('users-paste').click();
    await page
      .getByTestId('paste-text')
      .fill(['Jan Kowalski <jan@example.org>', '"Nowak, Anna" <anna@example.org>; ewa@example.org'].join('\n'));
    await page.getByTestId('paste-check').click();
    await page.getByTestId('paste-summary').filter({ hasText: 'to add: 3' }).waitFor();
    assert.equal(await page.getByTestId('paste-email-1').inputValue(), 'jan@example.org');
    assert.deepEqual(
      await page
        .getByTestId('paste-email-2')
        .evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value)),
      ['anna@example.org', 'ewa@example.org'],
    );
    await screenshot(page, 'd1-paste-copied-addresses');
    await page.getByTestId('paste-dont-send').click();
    await page.getByTestId('paste-dialog').waitFor({ state: 'detached' });
    for (const email of ['jan@example.org', 'anna@example.org', 'ewa@example.org']) {
      await userRow(page, email).waitFor();
    }
  });

  it("the Product profile filter offers only the chosen product's profiles", async () => {
    await openConsole(page, instance, '/users');
    const options = async () => {
      await page.getByTestId('filter-profile').click();
      const listbox = page.getByRole('listbox');
      await listbox.waitFor();
      const names = await listbox.getByRole('option').allTextContents();
      await page.keyboard.press('Escape');
      await listbox.waitFor({ state: 'detached' });
      return names;
    };
    assert.deepEqual(await options(), ['Any', 'Acrobat Pro', 'Acrobat Reader', 'Photoshop Team']);
    await pick(page, 'filter-profile', 'Acrobat Reader');
    await pick(page, 'filter-product', 'Photoshop');
    // The profile of another product is no longer chosen.
    await page.getByTestId('filter-profile').filter({ hasText: 'Any' }).waitFor();
    assert.deepEqual(await options(), ['Any', 'Photoshop Team']);
    await screenshot(page, 'e1-profiles-of-product');
    // Only holders of the profile remain (Bartek, unless an earlier test removed and restored him).
    await pick(page, 'filter-profile', 'Photoshop Team');
    await userRow(page, 'ala@example.org').waitFor({ state: 'detached' });
    assert.equal(await userRow(page, 'celina@example.org').count(), 0);
  });

  it('search, filters and sort live in the address: a bookmarked view opens as it was, Back restores it', async () => {
    await openConsole(page, instance, '/users?search=nowak&status=active&sort=-email');
    await userRow(page, 'bartek@example.org').waitFor();
    assert.equal(await page.getByTestId('users-search').inputValue(), 'nowak');
    await page.getByTestId('filter-status').filter({ hasText: 'Active' }).waitFor();
    const emails = async () =>
      (await page.getByTestId('users-table').getByRole('row').allTextContents())
        .map((text) => /[a-z]+@example\.org/.exec(text)?.[0])
        .filter((email) => email !== undefined);
    const shown = await emails();
    assert.ok(!shown.includes('ala@example.org') && !shown.includes('celina@example.org'), shown.join(' '));
    assert.deepEqual(shown, [...shown].sort().reverse(), 'sorted by e-mail, descending');
    const emailHeader = page.getByTestId('users-table').getByRole('columnheader', { name: 'E-mail' });
    assert.equal(await emailHeader.getAttribute('aria-sort'), 'descending');
    await screenshot(page, 'f1-bookmarked-view');

    // Changing the view changes the address (replacing it: Back leaves the list, not a keystroke).
    await pick(page, 'filter-identity-type', 'Enterprise ID');
    await page.waitForURL(/identityType=enterprise/);
    const address = new URL(page.url());
    assert.equal(address.searchParams.get('search'), 'nowak');
    assert.equal(address.searchParams.get('status'), 'active');
    assert.equal(address.searchParams.get('sort'), '-email');
    await pick(page, 'filter-identity-type', 'Any');
    await page.waitForURL((url) => !url.searchParams.has('identityType'));

    await userRow(page, 'bartek@example.org').click();
    await page.waitForURL(new RegExp(`/users/${ids['bartek@example.org']}$`));
    await page.goBack();
    await page.waitForURL(/\/users\?/);
    await userRow(page, 'bartek@example.org').waitFor();
    assert.equal(await page.getByTestId('users-search').inputValue(), 'nowak');
    await page.getByTestId('filter-status').filter({ hasText: 'Active' }).waitFor();
    assert.deepEqual(await emails(), shown);
    assert.equal(await emailHeader.getAttribute('aria-sort'), 'descending');
    assert.equal(new URL(page.url()).search, '?search=nowak&status=active&sort=-email');

    // The sidebar's link to /users shows the whole list again.
    await page.getByTestId('nav-users').click();
    await page.waitForURL((url) => url.pathname === '/users' && url.search === '');
    await userRow(page, 'ala@example.org').waitFor();
    assert.equal(await page.getByTestId('users-search').inputValue(), '');
  });

  it('ran without script errors or console errors', () => {
    assert.deepEqual(problems, []);
  });
});
