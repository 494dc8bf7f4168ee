/**
 * Admin sign-in in a real browser (issue 21): a system admin makes a user a product admin from the
 * user's details; the welcome e-mail in the Outbox carries a one-time "set your password" link;
 * the new admin opens it in another browser, sets a password, signs in and sees only what the role
 * allows. Then that admin changes the password on "My account", forgets it, and sets a new one from
 * the "Forgot password" e-mail. Screenshots go to test-results/signin-*.png. @see issue 21
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { launch, newPage, openConsole, pick, RESULTS, screenshot as save, waitForText } from '../support/browser.ts';
import { createCatalog, startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'signin', name);
const showing = (locator: Locator, text: string) => locator.filter({ hasText: text }).first().waitFor();

const EMAIL = 'pat@example.org';
const FIRST_PASSWORD = 'first passphrase of pat';
const SECOND_PASSWORD = 'second passphrase of pat';
const THIRD_PASSWORD = 'third passphrase of pat';

describe('admin sign-in (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  let invitee: { context: BrowserContext; page: Page };
  let userId = '';
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance({ USHER_PUBLIC_URL: 'http://127.0.0.1:1' });
    await createCatalog(instance, instance.organizationId, 'Photo');
    await createCatalog(instance, instance.organizationId, 'Video');
    const admin = await instance.signIn();
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [{ email: EMAIL, firstName: 'Pat' }],
    });
    userId = added.body.items[0]?.id ?? '';
    browser = await launch();
    ({ page } = await newPage(browser, instance.baseUrl));
    invitee = await newPage(browser, instance.baseUrl);
    for (const watched of [page, invitee.page]) {
      watched.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    }
  });

  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  /** Opens the newest Outbox message of that kind to Pat and returns the link path it carries. */
  async function linkFromOutbox(kindLabel: string, path: string): Promise<string> {
    await openConsole(page, instance, '/outbox');
    const row = page
      .getByTestId('outbox-table')
      .getByRole('row')
      .filter({ hasText: EMAIL })
      .filter({ hasText: kindLabel })
      .first();
    await row.waitFor();
    await row.locator('[data-column="subject"]').click();
    await page.getByTestId('outbox-view-text').waitFor();
    const text = (await page.getByTestId('outbox-view-text').textContent()) ?? '';
    assert.match(text, /Hello Pat,/);
    const found = new RegExp(`http://127\\.0\\.0\\.1:1(/${path}/[A-Za-z0-9_-]{43})`).exec(text);
    assert.ok(found, text);
    return found[1] ?? '';
  }

  it('makes a user a product admin from the console; the details show the invitation is pending', async () => {
    await openConsole(page, instance, `/users/${userId}`);
    await page.getByTestId('user-admin-role-add').click();
    await pick(page, 'admin-role-role', 'Product admin');
    await pick(page, 'admin-role-scope', 'Photo Product');
    await page.getByTestId('admin-role-submit').click();
    await page.getByTestId('admin-role-dialog').waitFor({ state: 'detached' });
    await showing(page.getByTestId('user-admin-sign-in'), 'Has not signed in yet: invited, no password set');
    await page.getByTestId('user-resend-invitation').waitFor();
    await screenshot(page, 'a1-invited');
  });

  it('"Resend invitation" sends a new link; only the newest works', async () => {
    const first = await linkFromOutbox('Welcome', 'set-password');
    await openConsole(page, instance, `/users/${userId}`);
    await page.getByTestId('user-resend-invitation').click();
    await showing(page.getByTestId('user-notice'), `A new invitation was queued for ${EMAIL}.`);
    const second = await linkFromOutbox('Welcome', 'set-password');
    assert.notEqual(first, second);
    await screenshot(page, 'a2-welcome-message');

    await invitee.page.goto(first);
    await invitee.page.getByTestId('password-new').fill(FIRST_PASSWORD);
    await invitee.page.getByTestId('password-repeat').fill(FIRST_PASSWORD);
    await invitee.page.getByTestId('password-set-submit').click();
    await showing(invitee.page.getByTestId('password-set-error'), 'This link is not valid');
    await invitee.page.goto(second);
    await waitForText(invitee.page.getByTestId('page-title'), 'Set your password');
    await invitee.page.getByTestId('password-new').fill(FIRST_PASSWORD);
    await invitee.page.getByTestId('password-repeat').fill(FIRST_PASSWORD);
    await screenshot(invitee.page, 'b1-set-password');
    assert.deepEqual(await violations(invitee.page), [], 'axe on the set-password page');
    await invitee.page.getByTestId('password-set-submit').click();
    await showing(invitee.page.getByTestId('password-set-done'), `Sign in as ${EMAIL} with your new password.`);
  });

  it('the new product admin signs in and sees only what the role allows', async () => {
    await invitee.page.getByTestId('password-to-sign-in').click();
    assert.equal(await invitee.page.getByTestId('login-email').inputValue(), EMAIL);
    await invitee.page.getByTestId('login-password').fill(FIRST_PASSWORD);
    await invitee.page.getByTestId('login-submit').click();
    await invitee.page.waitForURL('**/overview');
    assert.equal(await invitee.page.getByTestId('signed-in-as').textContent(), EMAIL);
    for (const hidden of ['nav-audit', 'nav-outbox']) {
      assert.equal(await invitee.page.getByTestId(hidden).count(), 0, hidden);
    }
    await invitee.page.getByTestId('nav-products').click();
    const products = invitee.page.getByTestId('products-table');
    await products.getByRole('row').filter({ hasText: 'Photo Product' }).waitFor();
    assert.equal(await products.getByRole('row').filter({ hasText: 'Video Product' }).count(), 0);
    assert.equal(await invitee.page.getByTestId('product-add').count(), 0);
    await screenshot(invitee.page, 'c1-product-admin');
    await invitee.page.goto(`/users/${userId}`);
    await invitee.page.getByTestId('user-admin-roles').waitFor();
    assert.equal(await invitee.page.getByTestId('user-admin-role-add').count(), 0);

    await openConsole(page, instance, `/users/${userId}`);
    await showing(page.getByTestId('user-admin-sign-in'), 'Last signed in');
    assert.equal(await page.getByTestId('user-resend-invitation').count(), 0);
  });

  it('changes the password on "My account"; other sessions end', async () => {
    const other = await instance.signIn(EMAIL, FIRST_PASSWORD);
    await invitee.page.getByTestId('nav-profile').click();
    await waitForText(invitee.page.getByTestId('page-title'), 'My account');
    await invitee.page.getByTestId('password-current').fill('not the password at all');
    await invitee.page.getByTestId('password-new').fill(SECOND_PASSWORD);
    await invitee.page.getByTestId('password-repeat').fill(SECOND_PASSWORD);
    await invitee.page.getByTestId('password-change-submit').click();
    await showing(invitee.page.getByTestId('password-change-error'), 'The current password is not correct.');
    await invitee.page.getByTestId('password-current').fill(FIRST_PASSWORD);
    await invitee.page.getByTestId('password-change-submit').click();
    await showing(invitee.page.getByTestId('password-change-done'), 'Password changed.');
    await screenshot(invitee.page, 'd1-changed');
    assert.equal((await other.get('/api/v1/auth/session')).status, 401);
    // This session goes on.
    await invitee.page.getByTestId('nav-users').click();
    await invitee.page.getByTestId('users-table').waitFor();
    await invitee.page.getByTestId('sign-out').click();
    await invitee.page.getByTestId('login-email').fill(EMAIL);
    await invitee.page.getByTestId('login-password').fill(SECOND_PASSWORD);
    await invitee.page.getByTestId('login-submit').click();
    await invitee.page.waitForURL('**/overview');
    await invitee.page.getByTestId('sign-out').click();
  });

  it('resets a forgotten password from the e-mail in the Outbox', async () => {
    await invitee.page.getByTestId('login-forgot').click();
    await invitee.page.getByTestId('forgot-email').fill(EMAIL);
    await invitee.page.getByTestId('forgot-submit').click();
    await showing(invitee.page.getByTestId('forgot-sent'), 'a link to choose a new password is on its way');
    await screenshot(invitee.page, 'e1-forgot');

    const link = await linkFromOutbox('Password reset', 'reset-password');
    await screenshot(page, 'e2-reset-message');
    await invitee.page.goto(link);
    await waitForText(invitee.page.getByTestId('page-title'), 'Choose a new password');
    await invitee.page.getByTestId('password-new').fill(THIRD_PASSWORD);
    await invitee.page.getByTestId('password-repeat').fill(THIRD_PASSWORD);
    await invitee.page.getByTestId('password-set-submit').click();
    await showing(invitee.page.getByTestId('password-set-done'), 'Password saved');
    await invitee.page.getByTestId('password-to-sign-in').click();
    await invitee.page.getByTestId('login-password').fill(SECOND_PASSWORD);
    await invitee.page.getByTestId('login-submit').click();
    await showing(invitee.page.getByTestId('login-error'), 'The e-mail or password is not correct.');
    await invitee.page.getByTestId('login-password').fill(THIRD_PASSWORD);
    await invitee.page.getByTestId('login-submit').click();
    await invitee.page.waitForURL('**/overview');
    await screenshot(invitee.page, 'e3-signed-in');
    assert.deepEqual(problems, []);
  });
});
