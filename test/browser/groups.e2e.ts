/**
 * The User groups pages in a real browser against a real Usher: a product with two licenses and
 * a profile (made through the API), creating a group, adding existing and new users, assigning
 * the profile (refused while the group needs more licenses than there are), a member's details
 * showing the profile through the group (and the server's large-group warning), a duplicate name refused, renaming (and a concurrent
 * change noticed), exporting the members as CSV, removing a member, and deleting the group after
 * a preview of the profiles its members lose. Screenshots go to test-results/groups-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  choose,
  closeBrowser,
  openBrowser,
  openConsole,
  RESULTS,
  screenshot as save,
  searchIn,
  waitForText,
} from '../support/browser.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const PRODUCT = 'Acrobat Pro';
const PROFILE = 'Acrobat Standard';
const GROUP = 'Designers';
const RENAMED = 'Design team';

const screenshot = (page: Page, name: string) => save(page, 'groups', name);

/** The body rows of a table that show this text. */
function rowOf(page: Page, testId: string, text: string) {
  return page.getByTestId(testId).getByRole('row').filter({ hasText: text });
}

/**
 * Searches users in the Add users dialog and chooses one. The suggestions stay open for the next
 * pick, so this waits for the chosen tag rather than for the list to close.
 */
async function pickUser(page: Page, prefix: string, typed: string, option: string): Promise<void> {
  await searchIn(page, `${prefix}-search`, typed);
  await page.getByRole('option', { name: option, exact: true }).click();
  await page.getByTestId(`${prefix}-chosen`).getByText(option, { exact: true }).waitFor();
}

/** Opens a tab of the group page. */
async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
}

describe('user groups (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  let client: Client;
  let groupId = '';
  const users: Record<string, string> = {};
  /** Script errors and console errors seen by the page. */
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    // A warning threshold of 1 member, so assigning a profile to the 2-member group shows the server's warning.
    instance = await startTestInstance({ USHER_GROUP_WARN_MEMBERS: '1' });
    client = await instance.signIn();
    const product = await client.post<{ id: string }>('/api/v1/products', { name: PRODUCT, licenseQuantity: 2 });
    assert.equal(product.status, 201, product.text);
    const profile = await client.post('/api/v1/product-profiles', {
      productId: product.body.id,
      name: PROFILE,
      services: ['PDF editing'],
    });
    assert.equal(profile.status, 201, profile.text);
    const added = await client.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: [
        { email: 'alice@example.org', firstName: 'Alice', lastName: 'Adams' },
        { email: 'bob@example.org', firstName: 'Bob', lastName: 'Brown' },
        { email: 'dave@example.org', firstName: 'Dave', lastName: 'Davis' },
      ],
    });
    assert.equal(added.status, 201, added.text);
    for (const user of added.body.items) {
      users[user.email] = user.id;
    }

    // Refused API calls (the license deficit, the taken name) are logged by the browser itself.
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(() => closeBrowser(browser, instance));

  it('creates a group on the User groups page', async () => {
    await openConsole(page, instance, '/groups');
    await waitForText(page.getByTestId('page-title'), 'User groups');
    await page.getByTestId('groups-create').click();
    await page.getByTestId('create-group-name').fill(GROUP);
    await page.getByTestId('create-group-description').fill('The design team');
    const dialog = page.getByTestId('create-group-dialog');
    await dialog.getByText('Required and unique in the organization. 9 of 255 characters.').waitFor();
    await dialog.getByText('Optional. 15 of 255 characters.').waitFor();
    await screenshot(page, 'a1-create-group');
    await page.getByTestId('create-group-submit').click();
    await page.waitForURL(/\/groups\/[0-9a-f-]{36}$/);
    groupId = page.url().split('/').pop() ?? '';
    await waitForText(page.getByTestId('page-title'), GROUP);
    await waitForText(page.getByTestId('group-description'), 'The design team');
    await waitForText(page.getByTestId('group-summary'), 'Members: 0 · Product profiles: 0 · Admins: 0');
    await screenshot(page, 'a2-new-group');

    await page.getByTestId('group-back').click();
    const row = rowOf(page, 'groups-table', GROUP);
    await row.waitFor();
    await waitForText(row.locator('[data-column="members"]'), '0');
  });

  it('refuses a second group with the same name (any capitals)', async () => {
    await openConsole(page, instance, '/groups');
    await page.getByTestId('groups-create').click();
    await page.getByTestId('create-group-name').fill(GROUP.toUpperCase());
    await page.getByTestId('create-group-submit').click();
    const dialog = page.getByTestId('create-group-dialog');
    await dialog.getByText('A user group with this name already exists.', { exact: false }).first().waitFor();
    await screenshot(page, 'b1-duplicate-name');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    const names = await page.getByTestId('groups-table').locator('[data-column="name"]').allTextContents();
    assert.deepEqual(names, [GROUP]);
  });

  it('adds two existing users and a new one by e-mail in one save', async () => {
    await openConsole(page, instance, '/groups');
    await rowOf(page, 'groups-table', GROUP).locator('[data-column="name"]').click();
    await page.waitForURL(`**/groups/${groupId}`);
    await page.getByTestId('group-members-add').click();
    const dialog = page.getByTestId('add-group-members-dialog');
    await pickUser(page, 'add-group-members', 'Alice', 'Alice Adams · alice@example.org');
    await pickUser(page, 'add-group-members', 'bob@', 'Bob Brown · bob@example.org');
    await page.getByTestId('add-group-members-new').click();
    await page.getByTestId('add-group-members-email-0').fill('carol@example.org');
    await page.getByTestId('add-group-members-first-0').fill('Carol');
    await page.getByTestId('add-group-members-last-0').fill('Clark');
    await waitForText(page.getByTestId('add-group-members-count'), 'Chosen: 3 of 10');
    await screenshot(page, 'c1-add-users');
    await page.getByTestId('add-group-members-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page
      .getByTestId('group-notice')
      .filter({ hasText: 'Added to the group: 3 (new users created: 1)' })
      .waitFor();
    for (const email of ['alice@example.org', 'bob@example.org', 'carol@example.org']) {
      await rowOf(page, 'group-members-table', email).waitFor();
    }
    await waitForText(page.getByTestId('group-summary'), 'Members: 3 · Product profiles: 0 · Admins: 0');
    await screenshot(page, 'c2-members');

    await page.getByTestId('group-members-search').fill('car');
    await rowOf(page, 'group-members-table', 'alice@example.org').waitFor({ state: 'detached' });
    const emails = await page.getByTestId('group-members-table').locator('[data-column="email"]').allTextContents();
    assert.deepEqual(emails, ['carol@example.org']);
    await page.getByTestId('group-members-search').fill('');
    await rowOf(page, 'group-members-table', 'alice@example.org').waitFor();
  });

  it('refuses the profile while 3 members need 2 licenses; after removing one, the members get it', async () => {
    await openConsole(page, instance, `/groups/${groupId}`);
    await openTab(page, 'Assigned product profiles');
    await page.getByTestId('group-profiles-assign').click();
    await choose(page, 'assign-profiles-picker', 'Acro', `${PROFILE} (${PRODUCT})`);
    await page.getByTestId('assign-profiles-chosen').getByText(`${PROFILE} (${PRODUCT})`).waitFor();
    await page.getByTestId('assign-profiles-submit').click();
    const refusal = page.getByTestId('assign-profiles-error');
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /needs 1 more license of Acrobat Pro/);
    await screenshot(page, 'd1-license-refused');
    await page.getByTestId('assign-profiles-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('assign-profiles-dialog').waitFor({ state: 'detached' });

    // Remove the new user from the group.
    await openTab(page, 'Users');
    await rowOf(page, 'group-members-table', 'carol@example.org').getByRole('checkbox').click();
    await waitForText(page.getByTestId('group-members-remove'), 'Remove (1)');
    await page.getByTestId('group-members-remove').click();
    const confirm = page.getByRole('alertdialog');
    assert.match((await confirm.textContent()) ?? '', /Remove 1 user from the group\?/);
    await screenshot(page, 'd2-remove-member');
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await rowOf(page, 'group-members-table', 'carol@example.org').waitFor({ state: 'detached' });
    await page.getByTestId('group-notice').filter({ hasText: 'Removed from the group: 1' }).waitFor();
    await waitForText(page.getByTestId('group-summary'), 'Members: 2 · Product profiles: 0 · Admins: 0');
    const carol = await client.get<{ status: string }>(`/api/v1/users?search=carol`);
    assert.equal(carol.status, 200);
    assert.match(carol.text, /carol@example.org/, 'carol stays in the organization');

    await openTab(page, 'Assigned product profiles');
    await page.getByTestId('group-profiles-assign').click();
    await choose(page, 'assign-profiles-picker', 'Standard', `${PROFILE} (${PRODUCT})`);
    await page.getByTestId('assign-profiles-submit').click();
    await page.getByTestId('assign-profiles-dialog').waitFor({ state: 'detached' });
    const warning = page.getByTestId('group-warning');
    await warning.filter({ hasText: 'Profiles assigned: 1 (members of the group: 2).' }).waitFor();
    assert.match((await warning.textContent()) ?? '', /Large group.*The group has 2 members \(more than 1\)/);
    const profileRow = rowOf(page, 'group-profiles-table', PROFILE);
    await profileRow.waitFor();
    await waitForText(profileRow.locator('[data-column="product"]'), PRODUCT);
    await waitForText(page.getByTestId('group-summary'), 'Members: 2 · Product profiles: 1 · Admins: 0');
    await screenshot(page, 'd3-profile-assigned');
  });

  it("shows the profile through the group on a member's details, with a link to the group", async () => {
    await openConsole(page, instance, `/users/${users['alice@example.org']}`);
    await waitForText(page.getByTestId('page-title'), 'Alice Adams');
    const profileRow = page.getByTestId('user-profiles-table').getByRole('row').filter({ hasText: PROFILE });
    await profileRow.waitFor();
    await waitForText(profileRow.locator('[data-column="via"]'), `Through group ${GROUP}`);
    await screenshot(page, 'e1-member-details');
    await page.getByTestId('user-group-link').filter({ hasText: GROUP }).click();
    await page.waitForURL(`**/groups/${groupId}`);
    await waitForText(page.getByTestId('page-title'), GROUP);

    await page.getByTestId('nav-products').click();
    const productRow = page.getByTestId('products-table').getByRole('row').filter({ hasText: PRODUCT });
    await productRow.locator('[data-column="licenses"]', { hasText: /^2 \/ 2$/ }).waitFor();
  });

  it('renames the group in Settings, and notices a change made by someone else meanwhile', async () => {
    await openConsole(page, instance, `/groups/${groupId}`);
    await openTab(page, 'Settings');
    await page.getByTestId('group-settings-name').fill(RENAMED);
    await screenshot(page, 'f1-settings');
    await page.getByTestId('group-settings-save').click();
    await waitForText(page.getByTestId('page-title'), RENAMED);
    await page.getByTestId('group-notice').filter({ hasText: 'Changes saved.' }).waitFor();

    // Another admin changes the description while this page still shows the old version.
    const current = await client.get<{ version: number }>(`/api/v1/groups/${groupId}`);
    const elsewhere = await client.patch(`/api/v1/groups/${groupId}`, {
      description: 'Changed elsewhere',
      version: current.body.version,
    });
    assert.equal(elsewhere.status, 200, elsewhere.text);
    await page.getByTestId('group-settings-description').fill('Changed here');
    await page.getByTestId('group-settings-save').click();
    await page.getByTestId('group-conflict').waitFor();
    // The form takes the current version's description once the conflict has reloaded the group.
    const description = page.getByTestId('group-settings-description');
    for (let tries = 0; (await description.inputValue()) !== 'Changed elsewhere'; tries += 1) {
      assert.ok(tries < 100, `the form shows the current description, not ${await description.inputValue()}`);
      await page.waitForTimeout(100);
    }
    await waitForText(page.getByTestId('group-description'), 'Changed elsewhere');
    await screenshot(page, 'f2-version-conflict');
  });

  it('adds group admins (an existing user and a new one by e-mail) and removes one', async () => {
    await openConsole(page, instance, `/groups/${groupId}`);
    await openTab(page, 'Admins');
    await page.getByTestId('group-admins-table').getByText('The group has no admins').waitFor();
    await page.getByTestId('group-admins-add').click();
    const dialog = page.getByTestId('add-group-admins-dialog');
    await pickUser(page, 'add-group-admins', 'Dave', 'Dave Davis · dave@example.org');
    await page.getByTestId('add-group-admins-new').click();
    await page.getByTestId('add-group-admins-email-0').fill('erin@example.org');
    await screenshot(page, 'g1-add-admins');
    await page.getByTestId('add-group-admins-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('group-notice').filter({ hasText: 'Admins added: 2' }).waitFor();
    for (const email of ['dave@example.org', 'erin@example.org']) {
      await rowOf(page, 'group-admins-table', email).waitFor();
    }
    await waitForText(page.getByTestId('group-summary'), 'Members: 2 · Product profiles: 1 · Admins: 2');
    await screenshot(page, 'g2-admins');

    await rowOf(page, 'group-admins-table', 'erin@example.org').getByTestId('group-admin-remove').click();
    const confirm = page.getByRole('alertdialog');
    assert.match((await confirm.textContent()) ?? '', /erin@example\.org will no longer manage the members/);
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
    await rowOf(page, 'group-admins-table', 'erin@example.org').waitFor({ state: 'detached' });
    await page
      .getByTestId('group-notice')
      .filter({ hasText: 'erin@example.org is no longer an admin of the group.' })
      .waitFor();
    await waitForText(page.getByTestId('group-summary'), 'Members: 2 · Product profiles: 1 · Admins: 1');
  });

  it("exports the group's members as CSV in the user CSV format", async () => {
    await openConsole(page, instance, `/groups/${groupId}`);
    await rowOf(page, 'group-members-table', 'alice@example.org').waitFor();
    const exportLink = page.getByTestId('group-members-export');
    assert.equal(await exportLink.getAttribute('href'), `/api/v1/groups/${groupId}/members.csv`);
    const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    assert.ok(lines[0]?.startsWith('Identity Type,Username,Domain,Email'), csv);
    assert.equal(lines.length, 3, csv);
    assert.ok(csv.includes('alice@example.org') && csv.includes('bob@example.org'), csv);
    assert.ok(!csv.includes('carol@example.org'), csv);
  });

  it('deletes the group after a preview of the profiles its members lose', async () => {
    await openConsole(page, instance, '/groups');
    const row = rowOf(page, 'groups-table', RENAMED);
    await waitForText(row.locator('[data-column="members"]'), '2');
    await waitForText(row.locator('[data-column="profiles"]'), '1');
    await row.getByRole('checkbox').click();
    await waitForText(page.getByTestId('groups-delete'), 'Delete (1)');
    await page.getByTestId('groups-delete').click();
    const dialog = page.getByTestId('delete-groups-dialog');
    const losses = dialog.getByTestId('delete-groups-losses');
    await losses.waitFor();
    await waitForText(losses.locator('li'), `2 members lose ${PROFILE} (${PRODUCT})`);
    assert.match((await dialog.textContent()) ?? '', new RegExp(`Delete ${RENAMED}\\?`));
    await screenshot(page, 'h1-delete-preview');
    await page.getByTestId('delete-groups-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('groups-notice').filter({ hasText: 'User groups deleted: 1' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await screenshot(page, 'h2-deleted');

    // Members stay, without the profile that came only through the group.
    await openConsole(page, instance, `/users/${users['alice@example.org']}`);
    await waitForText(page.getByTestId('page-title'), 'Alice Adams');
    await page.getByTestId('user-groups').getByText('Not a member of any group.').waitFor();
    assert.equal(
      await page.getByTestId('user-profiles-table').getByRole('row').filter({ hasText: PROFILE }).count(),
      0,
    );
  });

  it('ran without script errors or console errors', () => {
    assert.deepEqual(problems, []);
  });
});
