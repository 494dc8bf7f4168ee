/**
 * Dialogs recover from a server error (issue 15, item 1): in each form the server refuses a value,
 * the field shows why, and correcting that field alone lets the same dialog save. Before, a field
 * marked invalid by the server stayed invalid under the browser's native validation, which then
 * blocked every submit. Screenshots go to test-results/forms-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  closeBrowser,
  openBrowser,
  openConsole,
  pickSearched,
  RESULTS,
  screenshot as save,
  searchIn,
  waitForText,
} from '../support/browser.ts';
import { createProductWithProfiles } from '../support/catalog.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const PRODUCT = 'Forms Pro';
const PROFILE = 'Forms Standard';
const GROUP = 'Designers';

const screenshot = (page: Page, name: string) => save(page, 'forms', name);

function userRow(page: Page, email: string) {
  return page.getByTestId('users-table').getByRole('row').filter({ hasText: email });
}

/** Whether the browser's own validation would let this field's form be sent. */
async function isValid(page: Page, testId: string): Promise<boolean> {
  // The test's types have no DOM: the element is described by the one method used.
  return page
    .getByTestId(testId)
    .evaluate((element) => (element as unknown as { checkValidity(): boolean }).checkValidity());
}

/**
 * Chooses a group in a groups field: searched, chosen, shown as a tag. The suggestions stay open
 * for the next choice, so they are closed afterwards (Escape closes them, not the dialog).
 */
async function pickGroup(page: Page, testId: string, typed: string, name: string): Promise<void> {
  await searchIn(page, testId, typed);
  await page.getByRole('option', { name, exact: true }).click();
  await page.getByTestId(`${testId}-chosen`).getByText(name, { exact: true }).waitFor();
  await page.getByTestId(testId).press('Escape');
  await page.getByRole('listbox').waitFor({ state: 'detached' });
}

/** Removes a chosen group's tag with the keyboard (Delete on the focused tag). */
async function removeTag(page: Page, testId: string, name: string): Promise<void> {
  // The refused field has the focus back, and with it its suggestions may be open over the tags.
  if (await page.getByRole('listbox').isVisible()) {
    await page.getByTestId(testId).press('Escape');
    await page.getByRole('listbox').waitFor({ state: 'detached' });
  }
  const tag = page.getByTestId(`${testId}-chosen`).getByText(name, { exact: true });
  await tag.click();
  await page.keyboard.press('Delete');
  await tag.waitFor({ state: 'detached' });
}

describe('dialogs recover from server errors (browser)', () => {
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
    await createProductWithProfiles(admin, PRODUCT, 5, [PROFILE]);
    for (const name of [GROUP, 'Gone One', 'Gone Two']) {
      const group = await admin.post<{ id: string }>('/api/v1/groups', { name });
      assert.equal(group.status, 201, group.text);
      ids[name] = group.body.id;
    }
    const users = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: [
        { email: 'alice@example.org', firstName: 'Alice', profiles: [PROFILE] },
        { email: 'bob@example.org', firstName: 'Bob' },
        { email: 'dora@example.org', firstName: 'Dora' },
        { email: 'erin@example.org', firstName: 'Erin' },
        { email: 'finn@example.org', firstName: 'Finn' },
      ],
    });
    assert.equal(users.status, 201, users.text);
    for (const user of users.body.items) {
      ids[user.email] = user.id;
    }
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  afterEach(async (test) => {
    // The page as each test left it, to see why one failed.
    await screenshot(page, `z-end-${test.name.split(':')[0]?.replaceAll(' ', '-')}`);
  });

  after(() => closeBrowser(browser, instance));

  it('Add users: an existing e-mail, then a group deleted meanwhile, each corrected in place', async () => {
    await openConsole(page, instance, '/users');
    await page.getByTestId('users-add').click();
    await page.getByTestId('add-user-email-0').fill('alice@example.org');
    // Groups are chosen by search, never typed.
    await pickGroup(page, 'add-users-groups', 'Gone', 'Gone One');
    await page.getByTestId('add-users-submit').click();
    await page.getByTestId('add-user-row-0').filter({ hasText: 'already a user of the organization' }).waitFor();
    assert.equal(await isValid(page, 'add-user-email-0'), false, 'the refused e-mail is marked invalid');
    await screenshot(page, 'a1-add-users-refused');

    await page.getByTestId('add-user-email-0').fill('carol@example.org');
    assert.equal(await isValid(page, 'add-user-email-0'), true, 'the corrected e-mail is valid again');
    await page.getByTestId('add-users-error').waitFor({ state: 'detached' });
    // The chosen group is deleted before the save: the refusal names the group field.
    const deleted = await admin.delete(`/api/v1/groups/${ids['Gone One']}`);
    assert.ok(deleted.status < 300, deleted.text);
    await page.getByTestId('add-users-submit').click();
    await page.getByTestId('add-users-dialog').getByText('no user group named "Gone One"', { exact: false }).waitFor();
    assert.equal(await isValid(page, 'add-users-groups'), false);
    await screenshot(page, 'a2-add-users-unknown-group');

    await removeTag(page, 'add-users-groups', 'Gone One');
    await pickGroup(page, 'add-users-groups', GROUP.slice(0, 4), GROUP);
    assert.equal(await isValid(page, 'add-users-groups'), true);
    await page.getByTestId('add-users-submit').click();
    await page.getByTestId('add-users-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('users-notice').filter({ hasText: 'Users added: 1' }).waitFor();
    await userRow(page, 'carol@example.org').waitFor();
  });

  it('Edit user: a group deleted meanwhile, corrected, saves', async () => {
    await openConsole(page, instance, `/users/${ids['bob@example.org']}`);
    await waitForText(page.getByTestId('page-title'), 'Bob');
    await page.getByTestId('user-edit').click();
    await pickGroup(page, 'edit-groups', 'Gone', 'Gone Two');
    const deleted = await admin.delete(`/api/v1/groups/${ids['Gone Two']}`);
    assert.ok(deleted.status < 300, deleted.text);
    await page.getByTestId('edit-user-submit').click();
    await page.getByTestId('edit-user-error').waitFor();
    assert.equal(await isValid(page, 'edit-groups'), false);
    await screenshot(page, 'b1-edit-user-refused');

    await removeTag(page, 'edit-groups', 'Gone Two');
    await pickGroup(page, 'edit-groups', GROUP.slice(0, 4), GROUP);
    assert.equal(await isValid(page, 'edit-groups'), true);
    await page.getByTestId('edit-user-error').waitFor({ state: 'detached' });
    await page.getByTestId('edit-user-submit').click();
    await page.getByTestId('edit-user-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('user-groups').getByText(GROUP).waitFor();
  });

  it('Remove users: content transferred to a user removed meanwhile, corrected, removes', async () => {
    await openConsole(page, instance, '/users');
    await userRow(page, 'carol@example.org').getByRole('checkbox').click();
    await page.getByTestId('users-remove').click();
    await page.getByTestId('remove-transfer-now').click();
    // The receiving user is chosen by search; the one chosen is removed before the save.
    await pickSearched(page, 'remove-transfer-to', 'erin', 'Erin · erin@example.org');
    const gone = await admin.post('/api/v1/users/remove', { userIds: [ids['erin@example.org']] });
    assert.equal(gone.status, 200, gone.text);
    await page.getByTestId('remove-users-submit').click();
    await page.getByTestId('remove-users-error').waitFor();
    assert.equal(await isValid(page, 'remove-transfer-to'), false);
    await screenshot(page, 'c1-remove-refused');

    await pickSearched(page, 'remove-transfer-to', 'alice', 'Alice · alice@example.org');
    assert.equal(await isValid(page, 'remove-transfer-to'), true);
    await page.getByTestId('remove-users-submit').click();
    await page.getByTestId('remove-users-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('users-notice').filter({ hasText: 'Users removed: 1' }).waitFor();
  });

  it("Transfer content: a removed user's content to a user removed meanwhile, corrected, transfers", async () => {
    const content = await admin.request('PUT', `/api/v1/users/${ids['dora@example.org']}/content`, {
      body: { items: 3, bytes: 2048 },
    });
    assert.equal(content.status, 200, content.text);
    const removed = await admin.post('/api/v1/users/remove', { userIds: [ids['dora@example.org']] });
    assert.equal(removed.status, 200, removed.text);
    await openConsole(page, instance, `/users/${ids['dora@example.org']}`);
    await page.getByTestId('user-content-transfer').click();
    await pickSearched(page, 'transfer-content-to', 'finn', 'Finn · finn@example.org');
    const gone = await admin.post('/api/v1/users/remove', { userIds: [ids['finn@example.org']] });
    assert.equal(gone.status, 200, gone.text);
    await page.getByTestId('transfer-content-submit').click();
    await page.getByTestId('transfer-content-error').waitFor();
    assert.equal(await isValid(page, 'transfer-content-to'), false, 'the refusal is shown at the field');

    await pickSearched(page, 'transfer-content-to', 'alice', 'Alice · alice@example.org');
    assert.equal(await isValid(page, 'transfer-content-to'), true);
    await page.getByTestId('transfer-content-submit').click();
    await page.getByTestId('transfer-content-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('user-content-pending').waitFor({ state: 'detached' });
  });

  it('Edit product: fewer licenses than are used, corrected, saves', async () => {
    await openConsole(page, instance, '/products');
    const row = page.getByTestId('products-table').getByRole('row').filter({ hasText: PRODUCT });
    await row.getByTestId('product-edit').click();
    await page.getByTestId('product-quantity').fill('0');
    await page.getByTestId('product-submit').click();
    await page.getByTestId('product-error').waitFor();
    await page.getByTestId('product-dialog').getByText('at least 1').waitFor();
    assert.equal(await isValid(page, 'product-quantity'), false);
    await screenshot(page, 'd1-edit-product-refused');

    await page.getByTestId('product-quantity').fill('3');
    await page.getByTestId('product-submit').click();
    await page.getByTestId('product-dialog').waitFor({ state: 'detached' });
    await row.locator('[data-column="licenses"]', { hasText: /^1 \/ 3$/ }).waitFor();
  });

  it('Add profile: a taken name, corrected, adds', async () => {
    await openConsole(page, instance, '/products');
    await page.getByTestId('products-table').getByRole('row').filter({ hasText: PRODUCT }).click();
    await page.getByTestId('profile-add').click();
    await page.getByTestId('profile-name').fill(PROFILE);
    await page.getByTestId('profile-submit').click();
    await page.getByTestId('profile-error').waitFor();
    assert.equal(await isValid(page, 'profile-name'), false);
    await screenshot(page, 'e1-add-profile-refused');

    await page.getByTestId('profile-name').fill('Forms Plus');
    assert.equal(await isValid(page, 'profile-name'), true);
    await page.getByTestId('profile-error').waitFor({ state: 'detached' });
    await page.getByTestId('profile-submit').click();
    await page.getByTestId('profile-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('profiles-table').getByRole('row').filter({ hasText: 'Forms Plus' }).waitFor();
  });

  it('Create group: a taken name, corrected, creates', async () => {
    await openConsole(page, instance, '/groups');
    await page.getByTestId('groups-create').click();
    await page.getByTestId('create-group-name').fill(GROUP);
    await page.getByTestId('create-group-submit').click();
    await page.getByTestId('create-group-error').waitFor();
    assert.equal(await isValid(page, 'create-group-name'), false);

    await page.getByTestId('create-group-name').fill('Writers');
    await page.getByTestId('create-group-submit').click();
    await page.getByTestId('create-group-dialog').waitFor({ state: 'detached' });
    // A new group opens on its own page.
    await waitForText(page.getByTestId('page-title'), 'Writers');
  });

  it('ran without script errors or console errors', () => {
    assert.deepEqual(problems, []);
  });
});
