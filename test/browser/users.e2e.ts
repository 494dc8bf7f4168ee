/**
 * The Users and Products pages in a real browser against a real Usher: a product with two
 * licenses and a profile, adding users with it (and the third refused for want of a license),
 * pasting a list, searching, a user's details, removing and restoring. Screenshots of each step
 * go to test-results/users-*.png.
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
  pick,
  RESULTS,
  screenshot as save,
  searchIn,
  waitForText,
} from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const PRODUCT = 'Acrobat Pro';
const PROFILE = 'Acrobat Standard';

const screenshot = (page: Page, name: string) => save(page, 'users', name);

/** The body rows of the users table that show this e-mail. */
function userRow(page: Page, email: string) {
  return page.getByTestId('users-table').getByRole('row').filter({ hasText: email });
}

describe('users and products (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  /** Script errors and console errors seen by the page. */
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    // Refused API calls (the license deficit) are logged by the browser itself.
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(() => closeBrowser(browser, instance));

  it('creates a product with 2 licenses and a profile on the Products page', async () => {
    await openConsole(page, instance, '/products');
    await waitForText(page.getByTestId('page-title'), 'Products');
    await page.getByTestId('product-add').click();
    await page.getByTestId('product-name').fill(PRODUCT);
    await page.getByTestId('product-quantity').fill('2');
    await screenshot(page, 'a1-add-product');
    await page.getByTestId('product-submit').click();
    await page.getByTestId('product-dialog').waitFor({ state: 'detached' });
    const productRow = page.getByTestId('products-table').getByRole('row').filter({ hasText: PRODUCT });
    await productRow.locator('[data-column="licenses"]', { hasText: /^0 \/ 2$/ }).waitFor();

    // The new product is selected, so its (empty) profiles show below.
    await waitForText(page.locator('#product-profiles'), `Product profiles of ${PRODUCT}`);
    await page.getByTestId('profile-add').click();
    await page.getByTestId('profile-name').fill(PROFILE);
    await page.getByTestId('profile-description').fill('Everyday PDF work');
    await page.getByTestId('profile-services').fill('PDF editing\nE-signatures');
    await page.getByTestId('profile-submit').click();
    await page.getByTestId('profile-dialog').waitFor({ state: 'detached' });
    const profileRow = page.getByTestId('profiles-table').getByRole('row').filter({ hasText: PROFILE });
    await profileRow.waitFor();
    const text = (await profileRow.textContent()) ?? '';
    assert.ok(text.includes('Everyday PDF work') && text.includes('PDF editing, E-signatures'), text);
    await waitForText(profileRow.locator('[data-column="users"]'), '0');
    await screenshot(page, 'a2-product-and-profile');
  });

  it('adds two users with the profile, and refuses a third for want of a license', async () => {
    await openConsole(page, instance, '/users');
    await waitForText(page.getByTestId('page-title'), 'Users');
    await page.getByTestId('users-add').click();
    await page.getByTestId('add-user-email-0').fill('alice@example.org');
    await page.getByTestId('add-user-first-0').fill('Alice');
    await page.getByTestId('add-user-last-0').fill('Adams');
    await choose(page, 'add-user-country-0', 'Pola', 'Poland');
    await page.getByTestId('add-user-another').click();
    await page.getByTestId('add-user-email-1').fill('bob@example.org');
    await page.getByTestId('add-user-first-1').fill('Bob');
    await page.getByTestId('add-user-last-1').fill('Brown');
    await choose(page, 'add-users-profiles', 'Acro', PROFILE);
    await page.getByTestId('add-users-profiles-chosen').getByText(PROFILE).waitFor();
    await screenshot(page, 'b1-add-users');
    await page.getByTestId('add-users-submit').click();
    await page.getByTestId('add-users-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('users-notice').filter({ hasText: 'Users added: 2' }).waitFor();

    for (const email of ['alice@example.org', 'bob@example.org']) {
      const row = userRow(page, email);
      await row.waitFor();
      const text = (await row.textContent()) ?? '';
      assert.ok(text.includes(PRODUCT), `${email} holds ${PRODUCT}: ${text}`);
      assert.ok(text.includes('Personal ID'), text);
      assert.ok(text.includes('Active'), text);
    }
    await screenshot(page, 'b2-users-added');

    await page.getByTestId('users-add').click();
    await page.getByTestId('add-user-email-0').fill('carol@example.org');
    await choose(page, 'add-users-profiles', 'Acro', PROFILE);
    await page.getByTestId('add-users-submit').click();
    const refusal = page.getByTestId('add-users-error');
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /needs 1 more license of Acrobat Pro/);
    await screenshot(page, 'b3-license-refused');
    await page.getByTestId('add-users-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('add-users-dialog').waitFor({ state: 'detached' });
    assert.equal(await userRow(page, 'carol@example.org').count(), 0);

    // A refusal that names a row's field is shown next to that field.
    await page.getByTestId('users-add').click();
    await page.getByTestId('add-user-email-0').fill('carol@example.org');
    await page.getByTestId('add-user-another').click();
    await page.getByTestId('add-user-email-1').fill('ALICE@example.org');
    await page.getByTestId('add-users-submit').click();
    await page.getByTestId('add-user-row-1').filter({ hasText: 'already a user of the organization' }).waitFor();
    assert.doesNotMatch((await page.getByTestId('add-user-row-0').textContent()) ?? '', /already/);
    await screenshot(page, 'b3b-row-error');
    await page.getByTestId('add-users-dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('add-users-dialog').waitFor({ state: 'detached' });
    assert.equal(await userRow(page, 'carol@example.org').count(), 0);

    await page.getByTestId('nav-products').click();
    const productRow = page.getByTestId('products-table').getByRole('row').filter({ hasText: PRODUCT });
    await productRow.locator('[data-column="licenses"]', { hasText: /^2 \/ 2$/ }).waitFor();
    await screenshot(page, 'b4-licenses-used');
  });

  it('pastes a list, shows what is wrong with each line, and adds the good lines without instructions', async () => {
    await openConsole(page, instance, '/users');
    await page.getByTestId('users-paste').click();
    await page
      .getByTestId('paste-text')
      .fill(
        ['dave@example.org', 'not an e-mail', 'erin@example.org', 'DAVE@example.org', 'alice@example.org'].join('\n'),
      );
    await page.getByTestId('paste-check').click();
    await page.getByTestId('paste-summary').waitFor();
    await waitForText(page.getByTestId('paste-summary'), 'Lines: 5 · to add: 2 · with problems: 3');
    await waitForText(page.getByTestId('paste-message-1'), 'Will be added');
    assert.match((await page.getByTestId('paste-message-2').textContent()) ?? '', /not an e-mail address/);
    await waitForText(page.getByTestId('paste-message-4'), 'Same e-mail as line 1; the user is added once.');
    await waitForText(page.getByTestId('paste-message-5'), 'A user with this e-mail already exists.');
    assert.equal(await page.getByTestId('paste-alias-3').inputValue(), 'erin');
    await screenshot(page, 'c1-paste-review');

    // Corrections: an alias, and the bad line becomes a good e-mail.
    await page.getByTestId('paste-alias-3').fill('Erin E.');
    await page.getByTestId('paste-email-2').fill('frank@example.org');
    await waitForText(page.getByTestId('paste-message-2'), 'Will be added');
    assert.equal(await page.getByTestId('paste-alias-2').inputValue(), 'frank');
    await waitForText(page.getByTestId('paste-summary'), 'Lines: 5 · to add: 3 · with problems: 2');
    await screenshot(page, 'c2-paste-corrected');

    await page.getByTestId('paste-dont-send').click();
    await page.getByTestId('paste-dialog').waitFor({ state: 'detached' });
    for (const email of ['dave@example.org', 'erin@example.org', 'frank@example.org']) {
      await userRow(page, email).waitFor();
    }
    assert.equal(await userRow(page, 'not an e-mail').count(), 0);
    const erin = userRow(page, 'erin@example.org');
    assert.ok(((await erin.textContent()) ?? '').includes('Erin E.'), 'the corrected alias names Erin');
    await screenshot(page, 'c3-pasted-users');
  });

  it('narrows the list by search', async () => {
    await openConsole(page, instance, '/users');
    await userRow(page, 'dave@example.org').waitFor();
    await page.getByTestId('users-search').fill('eri');
    await userRow(page, 'dave@example.org').waitFor({ state: 'detached' });
    const rows = page.getByTestId('users-table').locator('[data-column="email"]');
    assert.deepEqual(await rows.allTextContents(), ['erin@example.org']);
    await waitForText(page.getByTestId('users-shown'), 'Users shown: 1 of 1');
    await screenshot(page, 'd1-search');
    await page.getByTestId('users-search').fill('');
    await userRow(page, 'dave@example.org').waitFor();
  });

  it("opens a user's details with the profile held directly", async () => {
    await openConsole(page, instance, '/users');
    await userRow(page, 'alice@example.org').locator('[data-column="email"]').click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    await waitForText(page.getByTestId('page-title'), 'Alice Adams');
    const profileRow = page.getByTestId('user-profiles-table').getByRole('row').filter({ hasText: PROFILE });
    await profileRow.waitFor();
    assert.ok(((await profileRow.textContent()) ?? '').includes(PRODUCT));
    await waitForText(profileRow.locator('[data-column="via"]'), 'Direct');
    const identity = (await page.getByTestId('user-identity').textContent()) ?? '';
    assert.ok(identity.includes('Poland'), identity);
    assert.ok(identity.includes('Personal ID'), identity);
    await screenshot(page, 'e1-user-details');
  });

  it('removes a user (content transferred later), lists them as removed, and restores them', async () => {
    await openConsole(page, instance, '/users');
    const bob = userRow(page, 'bob@example.org');
    await bob.getByRole('checkbox').click();
    await waitForText(page.getByTestId('users-remove'), 'Remove (1)');
    await page.getByTestId('users-remove').click();
    const dialog = page.getByTestId('remove-users-dialog');
    await dialog.waitFor();
    assert.equal(await page.getByTestId('remove-transfer-later').isChecked(), true);
    await screenshot(page, 'f1-remove-dialog');
    await page.getByTestId('remove-users-submit').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('users-notice').filter({ hasText: 'Users removed: 1' }).waitFor();

    await pick(page, 'filter-status', 'Directory users / removed');
    await userRow(page, 'alice@example.org').waitFor({ state: 'detached' });
    const emails = await page.getByTestId('users-table').locator('[data-column="email"]').allTextContents();
    assert.deepEqual(emails, ['bob@example.org']);
    assert.ok(((await userRow(page, 'bob@example.org').textContent()) ?? '').match(/Removed|Inactive/));
    await screenshot(page, 'f2-removed-users');

    await userRow(page, 'bob@example.org').locator('[data-column="email"]').click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    await page.getByTestId('user-restore').click();
    await waitForText(page.getByTestId('user-status'), 'Active');
    await page.getByTestId('user-notice').waitFor();
    await screenshot(page, 'f3-restored');

    await page.getByTestId('user-back').click();
    await pick(page, 'filter-status', 'Active');
    const restored = userRow(page, 'bob@example.org');
    await restored.waitFor();
    assert.ok(((await restored.textContent()) ?? '').includes('Active'));
  });

  it("edits a user's name and country, and grants and revokes an admin right", async () => {
    await openConsole(page, instance, '/users');
    await userRow(page, 'erin@example.org').locator('[data-column="email"]').click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    await page.getByTestId('user-edit').click();
    await page.getByTestId('edit-first-name').fill('Erin');
    await page.getByTestId('edit-last-name').fill('Evans');
    await choose(page, 'edit-country', 'Finl', 'Finland');
    // A Personal ID's e-mail belongs to the user.
    assert.equal(await page.getByTestId('edit-email').getAttribute('readonly'), '');
    await screenshot(page, 'g1-edit-user');
    await page.getByTestId('edit-user-submit').click();
    await page.getByTestId('edit-user-dialog').waitFor({ state: 'detached' });
    await waitForText(page.getByTestId('page-title'), 'Erin Evans');
    assert.ok(((await page.getByTestId('user-identity').textContent()) ?? '').includes('Finland'));

    await page.getByTestId('user-admin-role-add').click();
    await pick(page, 'admin-role-role', 'Product admin');
    await pick(page, 'admin-role-scope', PRODUCT);
    await page.getByTestId('admin-role-submit').click();
    await page.getByTestId('admin-role-dialog').waitFor({ state: 'detached' });
    const grant = page.getByTestId('user-admin-role').filter({ hasText: `Product admin: ${PRODUCT}` });
    await grant.waitFor();
    await screenshot(page, 'g2-admin-right');
    await grant.getByTestId('user-admin-role-revoke').click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke', exact: true }).click();
    await grant.waitFor({ state: 'detached' });
    await page.getByTestId('user-admin-roles').getByText('No admin rights.').waitFor();
  });

  it("transfers a removed user's content, then deletes the user permanently", async () => {
    const client = await instance.signIn();
    const list = await client.get<{ items: { id: string; email: string }[] }>('/api/v1/users?search=alice');
    const alice = list.body.items.find((user) => user.email === 'alice@example.org');
    assert.ok(alice, 'alice is listed');
    const content = await client.request('PUT', `/api/v1/users/${alice.id}/content`, {
      body: { items: 12, bytes: 1_572_864 },
    });
    assert.equal(content.status, 200, content.text);

    await openConsole(page, instance, `/users/${alice.id}`);
    await waitForText(page.getByTestId('page-title'), 'Alice Adams');
    assert.ok(((await page.getByTestId('user-content-items').textContent()) ?? '').includes('12'));
    assert.ok(((await page.getByTestId('user-content-size').textContent()) ?? '').includes('1.5 MB'));
    await page.getByTestId('user-remove').click();
    await page.getByTestId('remove-users-submit').click();
    await page.getByTestId('remove-users-dialog').waitFor({ state: 'detached' });
    await waitForText(page.getByTestId('user-status'), 'Inactive (content kept)');
    await page.getByTestId('user-content-pending').waitFor();
    await screenshot(page, 'h1-removed-content-pending');

    await page.getByTestId('user-content-transfer').click();
    // The receiving user is chosen by search.
    await searchIn(page, 'transfer-content-to', 'dave');
    await page.getByRole('option').filter({ hasText: 'dave@example.org' }).click();
    await page.getByTestId('transfer-content-submit').click();
    await page.getByTestId('transfer-content-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('user-content-pending').waitFor({ state: 'detached' });
    await waitForText(page.getByTestId('user-status'), 'Removed');

    await page.getByTestId('user-delete').click();
    const confirm = page.getByRole('alertdialog');
    assert.match((await confirm.textContent()) ?? '', /cannot be undone/);
    await screenshot(page, 'h2-delete-permanently');
    await confirm.getByRole('button', { name: 'Delete permanently', exact: true }).click();
    await page.waitForURL('**/users');
    // The list says who was deleted.
    await page.getByTestId('users-notice').filter({ hasText: 'alice@example.org was deleted permanently.' }).waitFor();
    await userRow(page, 'dave@example.org').waitFor();
    assert.equal(await userRow(page, 'alice@example.org').count(), 0);
    const gone = await client.get(`/api/v1/users/${alice.id}`);
    assert.equal(gone.status, 404);
  });

  it('ran without script errors or console errors', () => {
    assert.deepEqual(problems, []);
  });
});
