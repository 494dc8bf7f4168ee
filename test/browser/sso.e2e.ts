/**
 * Single sign-on in a real browser (issue 21 item 3): the sign-in page asks for the e-mail first;
 * a federated admin's e-mail goes to the organization's OpenID provider (oidc-provider on
 * loopback), and the admin comes back signed in to the console. Someone the provider knows who is
 * not an admin gets a page saying so. A second directory signs in through a SAML 2.0 identity
 * provider on loopback (test/support/saml-idp.ts), set up from its metadata URL in the console.
 * Screenshots go to test-results/sso-*.png. @see issue 21
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { OIDC_CALLBACK_PATH } from '../../src/auth/sso.service.ts';
import { violations } from '../support/axe.ts';
import { launch, newPage, openConsole, RESULTS, screenshot as save } from '../support/browser.ts';
import { ADMIN_PASSWORD, createAdmin, startTestInstance, type TestInstance } from '../support/instance.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.ts';
import { startSamlIdp, type TestSamlIdp } from '../support/saml-idp.ts';

const screenshot = (page: Page, name: string) => save(page, 'sso', name);
const DOMAIN = 'federated-browser.example';
const SAML_DOMAIN = 'saml-browser.example';

describe('single sign-on (browser)', () => {
  let instance: TestInstance;
  let provider: TestOidcProvider;
  let idp: TestSamlIdp;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance({ USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    // The provider sends the browser back to the public URL: here, the test server itself.
    (instance.app.ctx.config as { publicUrl: string }).publicUrl = instance.baseUrl;
    provider = await startOidcProvider(`${instance.baseUrl}${OIDC_CALLBACK_PATH}`);
    const admin = await instance.signIn();
    const directory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'Federated staff',
      identityType: 'federated',
    });
    assert.equal(directory.status, 201, directory.text);
    await instance.app.ctx.db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: directory.body.id,
        name: DOMAIN,
        verification_token: 'claimed-in-the-test',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    idp = await startSamlIdp();
    const samlDirectory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'SAML staff',
      identityType: 'federated',
    });
    assert.equal(samlDirectory.status, 201, samlDirectory.text);
    await instance.app.ctx.db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: samlDirectory.body.id,
        name: SAML_DOMAIN,
        verification_token: 'claimed-in-the-test',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    for (const email of [`ada@${DOMAIN}`, `lin@${SAML_DOMAIN}`]) {
      const made = await createAdmin(instance, instance.organizationId, 'support-admin');
      await instance.app.ctx.db
        .updateTable('users')
        .set({ email, username: email })
        .where('id', '=', made.userId)
        .execute();
    }
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await idp?.close();
    await provider?.close();
    await instance?.close();
  });

  /** Types the e-mail on Usher's sign-in page, continues to the provider and signs in there. */
  async function throughProvider(page: Page, email: string): Promise<void> {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto('/');
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-email').press('Tab');
    await page.getByTestId('login-sso-notice').waitFor();
    assert.equal(await page.getByTestId('login-password').count(), 0, 'no password for a federated admin');
    await screenshot(page, '1-email-first');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${provider.issuer}/**`);
    await page.locator('input[name="login"]').fill(email);
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
  }

  it('a system admin sets the directory identity provider on the Settings page and tests it', async () => {
    const { page } = await newPage(browser, instance.baseUrl);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await openConsole(page, instance, '/settings');
    const row = page.getByTestId('directory-table').getByRole('row').filter({ hasText: 'Federated staff' });
    await row.getByTestId('directory-identity-provider').click();
    const dialog = page.getByTestId('identity-provider-dialog');
    await dialog.waitFor();
    await page.getByTestId('identity-provider-issuer').fill(provider.issuer);
    await page.getByTestId('identity-provider-client-id').fill(provider.clientId);
    await page.getByTestId('identity-provider-client-secret').fill(provider.clientSecret);
    await page.getByTestId('identity-provider-save').click();
    await page.getByTestId('identity-provider-redirect-uri').waitFor();
    assert.equal(
      await page.getByTestId('identity-provider-redirect-uri').textContent(),
      `${instance.baseUrl}${OIDC_CALLBACK_PATH}`,
    );
    await page.getByTestId('identity-provider-test').click();
    await page.getByTestId('identity-provider-test-result').waitFor();
    assert.match((await page.getByTestId('identity-provider-test-result').textContent()) ?? '', /answered/);
    await screenshot(page, '0-identity-provider');
    assert.deepEqual(await violations(page), [], 'axe on the identity provider dialog');
  });

  it('a federated admin signs in through the OpenID provider and lands in the console', async () => {
    const { page } = await newPage(browser, instance.baseUrl);
    await throughProvider(page, `ada@${DOMAIN}`);
    await page.getByTestId('sign-out').waitFor();
    await page.waitForURL('**/overview');
    await screenshot(page, '2-signed-in');
    const session = await page.evaluate(async () => {
      const response = await fetch('/api/v1/auth/session');
      return (await response.json()) as { user: { email: string } };
    });
    assert.equal(session.user.email, `ada@${DOMAIN}`);
  });

  it('someone the provider knows who is not an admin gets a page saying so', async () => {
    const { page } = await newPage(browser, instance.baseUrl);
    await throughProvider(page, `nobody@${DOMAIN}`);
    await page.getByTestId('sso-error').waitFor();
    assert.match((await page.getByTestId('sso-error').textContent()) ?? '', /not an administrator/);
    await screenshot(page, '3-refused');
  });

  it('a system admin sets a SAML identity provider from its metadata URL and sees what to register there', async () => {
    const { page } = await newPage(browser, instance.baseUrl);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await openConsole(page, instance, '/settings');
    const row = page.getByTestId('directory-table').getByRole('row').filter({ hasText: 'SAML staff' });
    await row.getByTestId('directory-identity-provider').click();
    await page.getByTestId('identity-provider-dialog').waitFor();
    await page.getByTestId('identity-provider-protocol-saml').click();
    await page.getByTestId('identity-provider-metadata-url').fill(idp.metadataUrl);
    await page.getByTestId('identity-provider-save').click();
    await page.getByTestId('identity-provider-acs-url').waitFor();
    assert.deepEqual(await violations(page), [], 'axe on the SAML identity provider dialog');
    const acs = (await page.getByTestId('identity-provider-acs-url').textContent()) ?? '';
    assert.match(acs, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/auth\/saml\/[0-9a-f-]+\/acs$/);
    assert.match((await page.getByTestId('identity-provider-saml').textContent()) ?? '', /Usher test SAML IdP/);
    await page.getByTestId('identity-provider-test').click();
    await page.getByTestId('identity-provider-test-result').waitFor();
    assert.match((await page.getByTestId('identity-provider-test-result').textContent()) ?? '', /answered/);
    await screenshot(page, '4-saml-identity-provider');
  });

  it('a federated admin signs in through the SAML identity provider and lands in the console', async () => {
    const { page } = await newPage(browser, instance.baseUrl);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto('/');
    await page.getByTestId('login-email').fill(`lin@${SAML_DOMAIN}`);
    await page.getByTestId('login-email').press('Tab');
    await page.getByTestId('login-sso-notice').waitFor();
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${idp.ssoUrl}?**`);
    await page.getByTestId('saml-idp-email').fill(`lin@${SAML_DOMAIN}`);
    await page.getByTestId('saml-idp-submit').click();
    await page.getByTestId('sign-out').waitFor();
    await page.waitForURL('**/overview');
    await screenshot(page, '5-saml-signed-in');
    const session = await page.evaluate(async () => {
      const response = await fetch('/api/v1/auth/session');
      return (await response.json()) as { user: { email: string } };
    });
    assert.equal(session.user.email, `lin@${SAML_DOMAIN}`);
  });

  it('a system admin turns password sign-in off for federated admins and names the break-glass admin', async () => {
    const { page } = await newPage(browser, instance.baseUrl);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await openConsole(page, instance, '/settings');
    await page.getByTestId('organization-sso-only').click();
    await page.getByTestId('organization-break-glass').click();
    await page.getByRole('option', { name: instance.admin.email }).click();
    await page.getByTestId('organization-save').click();
    await page.getByTestId('organization-saved').waitFor();
    await screenshot(page, '6-sso-only');
    const organization = await page.evaluate(async () => {
      const response = await fetch('/api/v1/organization');
      return (await response.json()) as { ssoOnly: boolean; breakGlassUserId: string };
    });
    assert.equal(organization.ssoOnly, true);
    const owner = await instance.app.ctx.db
      .selectFrom('users')
      .select('id')
      .where('email', '=', instance.admin.email)
      .executeTakeFirstOrThrow();
    assert.equal(organization.breakGlassUserId, owner.id);
    const refused = await instance
      .anonymous()
      .post('/api/v1/auth/login', { email: `lin@${SAML_DOMAIN}`, password: ADMIN_PASSWORD });
    assert.equal(refused.status, 403, refused.text);
  });

  it('an e-mail outside federated directories still signs in with a password', async () => {
    const { page } = await newPage(browser, instance.baseUrl);
    await page.goto('/');
    await page.getByTestId('login-email').fill(instance.admin.email);
    await page.getByTestId('login-email').press('Tab');
    await page.getByTestId('login-password').fill(instance.admin.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/overview');
    assert.deepEqual(problems, []);
  });
});
