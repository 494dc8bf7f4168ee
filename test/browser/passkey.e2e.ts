/**
 * Passkeys in a real browser (issue 21): Chromium's virtual authenticator (DevTools protocol
 * `WebAuthn.addVirtualAuthenticator`) stands in for a security key. An admin enrols a passkey on
 * "My account", signs out, and signs in with the password and then the passkey; with the key gone
 * from the authenticator the sign-in does not complete (failed assertions counting toward the
 * sign-in limits is tested in src/auth/mfa.test.ts), a recovery code does, and the admin removes
 * the passkey. The console is opened
 * at `localhost` (the relying party id of the default USHER_PUBLIC_URL; browsers refuse IP
 * addresses as relying parties). Screenshots: test-results/passkey-*.png.
 * @see issue 21
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launch, newPage, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import { ADMIN_PASSWORD, startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'passkey', name);

describe('passkey (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId = '';
  let recoveryCodes: string[] = [];
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    browser = await launch();
    ({ page } = await newPage(browser, instance.baseUrl.replace('127.0.0.1', 'localhost')));
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
  });

  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  async function passwordStep(): Promise<void> {
    await page.getByTestId('login-email').fill(instance.admin.email);
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('mfa-passkey-prompt').waitFor();
  }

  it('enrols a passkey on "My account" and shows the recovery codes once', async () => {
    await openConsole(page, instance, '/users');
    await page.getByTestId('nav-profile').click();
    await page.getByTestId('mfa-none').waitFor();
    await page.getByTestId('mfa-passkey-start').click();
    await page.getByTestId('mfa-notice').filter({ hasText: 'Passkey added.' }).waitFor();
    recoveryCodes = (await page.getByTestId('mfa-recovery-codes').getByRole('listitem').allTextContents()).map((code) =>
      code.trim(),
    );
    assert.equal(recoveryCodes.length, 10);
    await page.getByTestId('mfa-factor').filter({ hasText: 'Passkey' }).waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    const stored = await instance.app.ctx.db
      .selectFrom('mfa_factors')
      .select(['kind', 'credential_id', 'public_key', 'confirmed_at', 'secret'])
      .where('kind', '=', 'webauthn')
      .execute();
    assert.equal(stored.length, 1);
    assert.equal(
      stored[0]?.credential_id,
      Buffer.from(credentials[0]?.credentialId ?? '', 'base64').toString('base64url'),
    );
    assert.ok(stored[0]?.public_key && stored[0].confirmed_at);
    assert.equal(stored[0]?.secret, null);
    await screenshot(page, 'a1-enrolled');
  });

  it('signs out, then signs in with the password and the passkey', async () => {
    await page.getByTestId('sign-out').click();
    await passwordStep();
    await screenshot(page, 'b1-prompt');
    await page.getByTestId('mfa-passkey').click();
    await page.waitForURL('**/overview');
    await page.getByTestId('sign-out').waitFor();
    const audit = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('action', 'in', ['auth.mfa_enrol', 'auth.mfa_verify'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((event) => [
        event.action,
        (event.after as { kind?: string; method?: string }).kind ?? (event.after as { method?: string }).method,
      ]),
      [
        ['auth.mfa_enrol', 'webauthn'],
        ['auth.mfa_verify', 'webauthn'],
      ],
    );
  });

  it('without the key on the authenticator the browser has no answer and no session starts', async () => {
    await page.getByTestId('sign-out').click();
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
    await passwordStep();
    await page.getByTestId('mfa-passkey').click();
    await page.getByTestId('login-error').waitFor();
    await screenshot(page, 'c1-no-key');
    assert.equal(await page.getByTestId('sign-out').count(), 0);
  });

  it('signs in with a recovery code instead, removes the passkey on "My account"; then the password alone signs in', async () => {
    await page.getByTestId('mfa-code').fill(recoveryCodes[0] ?? '');
    await page.getByTestId('mfa-submit').click();
    await page.waitForURL('**/overview');
    await page.getByTestId('nav-profile').click();
    await page.getByTestId('mfa-factor').filter({ hasText: 'Passkey' }).getByTestId('mfa-remove').click();
    await page.getByTestId('mfa-none').waitFor();
    const removed = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('before')
      .where('action', '=', 'auth.mfa_remove')
      .execute();
    assert.deepEqual(
      removed.map((event) => (event.before as { kind: string }).kind),
      ['webauthn'],
    );
    await page.getByTestId('sign-out').click();
    await page.getByTestId('login-email').fill(instance.admin.email);
    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/overview');
    assert.deepEqual(problems, []);
  });
});
