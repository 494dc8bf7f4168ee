/**
 * Settings → Integrations in a real browser: an integration created with a role, its client
 * secret shown once, the organization id and connector-umapi.yml shown, a user created through
 * Adobe's User Management API with those credentials appearing in the console, rotation of the
 * secret, and revocation. The console in Polish shows the section translated.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { launch, newPage, openConsole, pick, RESULTS, screenshot } from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';
import { requestToken, UmapiConnection } from '../support/umapi.ts';

describe('console: Settings → Integrations', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    browser = await launch();
    page = (await newPage(browser, instance.baseUrl)).page;
  });
  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  it('creates an integration, shows the secret once and the client configuration, rotates and revokes it', async () => {
    await openConsole(page, instance, '/settings');
    const orgId = page.getByTestId('integration-org-id');
    await orgId.waitFor();
    assert.equal(((await orgId.textContent()) ?? '').trim(), `${instance.organizationId}@AdobeOrg`);
    await page.getByTestId('integration-https-notice').waitFor();

    await page.getByTestId('integration-create').click();
    await page.getByTestId('token-name').fill('User Sync Tool');
    await page.getByTestId('token-password').fill(instance.admin.password);
    await screenshot(page, 'integrations', '1-create');
    assert.deepEqual(await violations(page), [], 'axe on the integration dialog');
    await page.getByTestId('token-submit').click();
    const secretElement = page.getByTestId('token-secret');
    await secretElement.waitFor();
    const secret = ((await secretElement.textContent()) ?? '').trim();
    assert.match(secret, /^usher_umapi_\S+$/);
    const dialogText = (await page.getByTestId('token-secret-dialog').textContent()) ?? '';
    const clientId = /client ID ([0-9a-f]{32})/.exec(dialogText)?.[1] ?? '';
    assert.ok(clientId, `the dialog names the client id: ${dialogText}`);
    await screenshot(page, 'integrations', '2-secret');
    assert.deepEqual(await violations(page), [], 'axe on the secret shown once');
    await page.getByTestId('token-secret-done').click();
    await secretElement.waitFor({ state: 'detached' });

    const table = page.getByTestId('integration-table');
    const row = table.getByRole('row').filter({ hasText: 'User Sync Tool' });
    await row.filter({ hasText: clientId }).filter({ hasText: 'Active' }).waitFor();
    assert.ok(!((await row.textContent()) ?? '').includes(secret), 'the table never shows the secret');
    const yaml = (await page.getByTestId('integration-yaml').textContent()) ?? '';
    assert.match(yaml, new RegExp(`client_id: "${clientId}"`));
    assert.match(yaml, /auth_endpoint: \/ims\/token\/v2/);
    assert.match(yaml, new RegExp(`org_id: "${instance.organizationId}@AdobeOrg"`));
    await screenshot(page, 'integrations', '3-listed');

    // Adobe's clients with these credentials: a user created through an action shows in the console.
    const token = await requestToken(instance.baseUrl, clientId, secret);
    assert.equal(token.status, 200);
    const umapi = new UmapiConnection(
      instance.baseUrl,
      `${instance.organizationId}@AdobeOrg`,
      clientId,
      token.body.access_token ?? '',
    );
    const created = await umapi.actions([
      {
        user: 'synced@gmail.example',
        useAdobeID: true,
        do: [{ addAdobeID: { email: 'synced@gmail.example', firstname: 'Sync' } }],
      },
    ]);
    assert.equal(created.body.completed, 1);
    await page.getByTestId('nav-users').click();
    await page.getByTestId('users-search').fill('synced@gmail');
    await page.getByTestId('users-table').getByRole('row').filter({ hasText: 'synced@gmail.example' }).waitFor();

    await page.getByTestId('nav-settings').click();
    await row.getByTestId('integration-rotate').click();
    // By test id: the rotate dialog may still be closing when the revoke dialog opens.
    let confirm = page.getByTestId('integration-rotate-dialog');
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Rotate secret', exact: true }).click();
    await secretElement.waitFor();
    const rotated = ((await secretElement.textContent()) ?? '').trim();
    assert.notEqual(rotated, secret);
    await page.getByTestId('token-secret-done').click();
    assert.equal((await requestToken(instance.baseUrl, clientId, secret)).status, 401);
    assert.equal((await requestToken(instance.baseUrl, clientId, rotated)).status, 200);

    await row.getByTestId('integration-revoke').click();
    confirm = page.getByTestId('integration-revoke-dialog');
    await confirm.waitFor();
    assert.match((await confirm.textContent()) ?? '', /User Sync Tool/);
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.filter({ hasText: 'Revoked' }).waitFor();
    assert.equal((await requestToken(instance.baseUrl, clientId, rotated)).status, 401);
    await screenshot(page, 'integrations', '4-revoked');
  });

  it('is translated: the section in Polish', async () => {
    await openConsole(page, instance, '/settings');
    await pick(page, 'language-picker', 'Polski');
    await page.getByRole('heading', { name: 'Integracje z Adobe User Management API' }).waitFor();
    await page.getByTestId('integration-create').filter({ hasText: 'Utwórz integrację' }).waitFor();
    await screenshot(page, 'integrations', '5-polish');
    await pick(page, 'language-picker', 'English');
  });
});
