/**
 * Settings → SCIM in a real browser: the base URL, a SCIM token created with the show-once
 * dialog, a user provisioned through SCIM appearing in the users list at once, and revocation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { launch, newPage, RESULTS, screenshot as save } from '../support/browser.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'scim', name);

async function scimGet(baseUrl: string, token: string, pathname: string): Promise<number> {
  const response = await fetch(`${baseUrl}/scim/v2${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

describe('console: Settings → SCIM', () => {
  let instance: TestInstance;
  let browser: Browser;
  let page: Page;

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance();
    browser = await launch();
    ({ page } = await newPage(browser, instance.baseUrl));
  });
  after(async () => {
    await browser?.close();
    await instance?.close();
  });

  it('shows the base URL, creates a SCIM token shown once, lists it apart from API tokens, and revokes it', async () => {
    await page.goto('/users');
    await page.getByTestId('login-email').fill(instance.admin.email);
    await page.getByTestId('login-password').fill(instance.admin.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/overview');
    await page.getByTestId('nav-settings').click();
    const baseUrl = page.getByTestId('scim-base-url');
    await baseUrl.waitFor();
    assert.match((await baseUrl.textContent()) ?? '', /\/scim\/v2$/);
    const table = page.getByTestId('scim-token-table');
    await table.waitFor();

    await page.getByTestId('scim-token-create').click();
    await page.getByTestId('scim-token-name').fill('Entra ID');
    await page.getByTestId('scim-token-password').fill(instance.admin.password);
    await screenshot(page, '1-create-dialog');
    assert.deepEqual(await violations(page), [], 'axe on the SCIM token dialog');
    await page.getByTestId('scim-token-submit').click();
    const secretElement = page.getByTestId('token-secret');
    await secretElement.waitFor();
    const secret = ((await secretElement.textContent()) ?? '').trim();
    assert.match(secret, /^usher_\S+$/);
    const dialogText = (await page.getByTestId('token-secret-dialog').textContent()) ?? '';
    assert.match(dialogText, /SCIM token created/);
    assert.match(dialogText, /will not be shown again/);
    assert.deepEqual(await violations(page), [], 'axe on the SCIM token shown once');
    await screenshot(page, '2-secret');
    assert.equal(await scimGet(instance.baseUrl, secret, '/Users?count=1'), 200);

    await page.getByTestId('token-secret-done').click();
    await secretElement.waitFor({ state: 'detached' });
    const row = table.getByRole('row').filter({ hasText: 'Entra ID' });
    await row.filter({ hasText: 'Active' }).waitFor();
    assert.ok(!((await row.textContent()) ?? '').includes(secret), 'the table never shows the secret');
    assert.equal(await page.getByTestId('token-table').getByRole('row').filter({ hasText: 'Entra ID' }).count(), 0);
    await screenshot(page, '3-listed');

    // A user provisioned through SCIM is in the console at once.
    const created = await fetch(`${instance.baseUrl}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        userName: 'provisioned@scim.example',
        name: { givenName: 'Pro', familyName: 'Visioned' },
      }),
    });
    assert.equal(created.status, 201);
    const provisioned = (await created.json()) as { id: string };
    await page.getByTestId('nav-users').click();
    await page.getByTestId('users-search').fill('provisioned@scim');
    await page.getByTestId('users-table').getByRole('row').filter({ hasText: 'provisioned@scim.example' }).waitFor();
    await screenshot(page, '4-provisioned-user');
    // Its page says who manages it, and that the next sync may change edits back.
    await page.goto(`/users/${provisioned.id}`);
    await page
      .getByTestId('user-managed-by')
      .filter({ hasText: 'Managed by: Entra ID (SCIM) — Synchronized from outside' })
      .waitFor();
    await screenshot(page, '4b-managed-by');

    await page.getByTestId('nav-settings').click();
    await row.getByTestId('scim-token-revoke').click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    assert.match((await confirm.textContent()) ?? '', /Entra ID/);
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.filter({ hasText: 'Revoked' }).waitFor();
    assert.equal(await scimGet(instance.baseUrl, secret, '/Users'), 401);
    await screenshot(page, '5-revoked');
  });
});
