/**
 * Second factor in a real browser (issue 21): an admin sets up an authenticator app on "My
 * account" (the code computed here from the key the page shows, RFC 6238), signs in with a code and
 * with a recovery code; then the organization requires a second factor and another admin, who has
 * none, must set one up before reaching the console. Screenshots: test-results/mfa-*.png.
 * @see issue 21
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Locator, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import {
  closeBrowser,
  newPage,
  openBrowser,
  openConsole,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { ADMIN_PASSWORD, createAdmin, startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'mfa', name);
const showing = (locator: Locator, text: string) => locator.filter({ hasText: text }).first().waitFor();

/** The current code of a base32 key, after waiting for a time step no code was used in yet. */
async function freshCode(secret: string, usedSteps: Set<number>): Promise<string> {
  let step = Math.floor(Date.now() / 30_000);
  while (usedSteps.has(step)) {
    await sleep((step + 1) * 30_000 - Date.now() + 200);
    step = Math.floor(Date.now() / 30_000);
  }
  usedSteps.add(step);
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
}

describe('second factor (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  let secret = '';
  let recoveryCodes: string[] = [];
  const usedSteps = new Set<number>();
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    // Authenticator secrets are stored sealed: on PostgreSQL that needs the key.
    instance = await startTestInstance({ USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  async function passwordStep(target: Page, email: string): Promise<void> {
    await target.getByTestId('login-email').fill(email);
    await target.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await target.getByTestId('login-submit').click();
  }

  it('sets up an authenticator app on "My account" and shows the recovery codes once', async () => {
    await openConsole(page, instance, '/users');
    await page.getByTestId('nav-profile').click();
    await page.getByTestId('mfa-none').waitFor();
    await page.getByTestId('mfa-totp-start').click();
    await page.getByTestId('mfa-qr').waitFor();
    secret = ((await page.getByTestId('mfa-secret').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await screenshot(page, 'a1-scan');
    assert.deepEqual(await violations(page), [], 'axe on the enrolment with its QR code');
    await page.getByTestId('mfa-confirm-code').fill(await freshCode(secret, usedSteps));
    await page.getByTestId('mfa-confirm').click();
    await showing(page.getByTestId('mfa-notice'), 'Authenticator app added.');
    const items = page.getByTestId('mfa-recovery-codes').getByRole('listitem');
    recoveryCodes = (await items.allTextContents()).map((code) => code.trim());
    assert.equal(recoveryCodes.length, 10);
    await waitForText(page.getByTestId('mfa-recovery-left'), 'Unused recovery codes: 10');
    await page.getByTestId('mfa-factor').filter({ hasText: 'Authenticator app' }).waitFor();
    await screenshot(page, 'a2-enrolled');
  });

  it('signs in with the password and then a code from the app', async () => {
    await page.getByTestId('sign-out').click();
    await passwordStep(page, instance.admin.email);
    await showing(page.getByTestId('mfa-prompt'), 'Enter the code from your authenticator app.');
    await page.getByTestId('mfa-code').fill('000000');
    await page.getByTestId('mfa-submit').click();
    await showing(page.getByTestId('login-error'), 'The code is not correct.');
    await screenshot(page, 'b1-code');
    await page.getByTestId('mfa-code').fill(await freshCode(secret, usedSteps));
    await page.getByTestId('mfa-submit').click();
    await page.waitForURL('**/overview');
    await page.getByTestId('sign-out').waitFor();
  });

  it('signs in with a recovery code, which then is spent', async () => {
    await page.getByTestId('sign-out').click();
    await passwordStep(page, instance.admin.email);
    await page.getByTestId('mfa-code').fill(recoveryCodes[0] ?? '');
    await page.getByTestId('mfa-submit').click();
    await page.waitForURL('**/overview');
    await page.getByTestId('nav-profile').click();
    await waitForText(page.getByTestId('mfa-recovery-left'), 'Unused recovery codes: 9');
  });

  it('with "require a second factor", an admin without one sets it up before the console', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('organization-require-mfa').click();
    await page.getByTestId('organization-save').click();
    await page.getByTestId('organization-saved').waitFor();
    await screenshot(page, 'c1-setting');

    const { email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const other = await newPage(browser, instance.baseUrl);
    other.page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await other.page.goto('/');
    await passwordStep(other.page, email);
    await showing(other.page.getByTestId('mfa-enrolment-required'), 'Your organization requires a second factor');
    assert.equal(await other.page.getByTestId('nav-users').count(), 0);
    assert.deepEqual(await violations(other.page), [], 'axe on the required enrolment page');
    await other.page.getByTestId('mfa-totp-start').click();
    const otherSecret = ((await other.page.getByTestId('mfa-secret').textContent()) ?? '').trim();
    await other.page.getByTestId('mfa-confirm-code').fill(await freshCode(otherSecret, new Set()));
    await other.page.getByTestId('mfa-confirm').click();
    await other.page.getByTestId('mfa-recovery-codes').waitFor();
    await screenshot(other.page, 'c2-enrolled-at-sign-in');
    await other.page.getByTestId('mfa-continue').click();
    await other.page.getByTestId('nav-users').waitFor();
    await other.context.close();
    assert.deepEqual(problems, []);
  });
});
