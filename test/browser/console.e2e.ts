/**
 * The console in a real browser against a real Usher: sign-in, languages, API tokens, the audit
 * log, sign-out and first-run setup. Screenshots of each step go to test-results/.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import {
  closeBrowser,
  launch,
  newPage,
  openBrowser,
  openConsole,
  pick,
  RESULTS,
  screenshot as save,
  waitForText,
} from '../support/browser.ts';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';

const NAV_ITEMS = ['nav-users', 'nav-groups', 'nav-products', 'nav-bulk', 'nav-audit', 'nav-settings'];

const screenshot = (page: Page, name: string) => save(page, 'console', name);

/** The language the page declares (`<html lang>`). */
async function htmlLang(page: Page): Promise<string | null> {
  return page.locator('html').getAttribute('lang');
}

async function sessionWithToken(baseUrl: string, token: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/api/v1/auth/session`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

describe('console (browser)', () => {
  let instance: TestInstance;
  let dns: TestDnsServer;
  let browser: Browser;
  let page: Page;
  let secret = '';
  /** Script errors and console errors (CSP violations, React warnings) seen by the main page. */
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    dns = await startDnsServer();
    instance = await startTestInstance({ USHER_DNS_SERVERS: dns.address });
    // Failed API calls (401 before sign-in, the wrong password) are logged by the browser itself.
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(async () => {
    await browser?.close();
    await instance?.close();
    await dns?.close();
  });

  it('(a) shows a wrong password as an error, then signs in to the shell', async () => {
    await page.goto('/');
    assert.equal(await htmlLang(page), 'en');
    await page.getByTestId('login-email').fill(instance.admin.email);
    await page.getByTestId('login-password').fill('not the password at all');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /The e-mail or password is not correct\./);
    assert.equal(new URL(page.url()).pathname, '/');
    await screenshot(page, 'a1-wrong-password');

    await page.getByTestId('login-password').fill(instance.admin.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/overview');
    for (const id of NAV_ITEMS) {
      await page.getByTestId(id).waitFor();
    }
    assert.deepEqual(await Promise.all(NAV_ITEMS.map((id) => page.getByTestId(id).textContent())), [
      'Users',
      'User groups',
      'Products',
      'Bulk operations',
      'Audit log',
      'Settings',
    ]);
    // The console opens on the overview.
    await waitForText(page.getByTestId('page-title'), 'Overview');
    assert.equal(await page.getByTestId('organization-name').textContent(), 'Example Org');
    assert.equal(await page.getByTestId('signed-in-as').textContent(), instance.admin.email);
    assert.equal(await page.getByTestId('login-error').count(), 0);

    await page.getByTestId('nav-groups').click();
    await waitForText(page.getByTestId('page-title'), 'User groups');
    assert.equal(new URL(page.url()).pathname, '/groups');
    await page.getByTestId('nav-users').click();
    await waitForText(page.getByTestId('page-title'), 'Users');
    await screenshot(page, 'a2-signed-in');
  });

  it('(b) switches the language, remembers it across a reload, and switches back', async () => {
    await openConsole(page, instance);
    const navUsers = page.getByTestId('nav-users');

    const saved = page.waitForResponse(
      (response) => response.url().endsWith('/api/v1/me') && response.request().method() === 'PATCH',
    );
    await pick(page, 'language-picker', 'Polski');
    await waitForText(navUsers, 'Użytkownicy');
    assert.equal((await saved).status(), 200);
    await waitForText(page.getByTestId('nav-settings'), 'Ustawienia');
    await waitForText(page.getByTestId('page-title'), 'Użytkownicy');
    assert.equal(await htmlLang(page), 'pl');
    // React Spectrum's own strings and formats follow the console language too.
    await page.locator('div[lang="pl-PL"]').first().waitFor();
    await screenshot(page, 'b1-polish');

    await page.reload();
    await waitForText(navUsers, 'Użytkownicy');
    assert.equal(await page.getByTestId('sign-out').textContent(), 'Wyloguj się');
    assert.equal(await htmlLang(page), 'pl');
    await screenshot(page, 'b2-polish-after-reload');

    for (const [option, label, lang] of [
      ['Русский', 'Пользователи', 'ru'],
      ['Čeština', 'Uživatelé', 'cs'],
      ['Suomi', 'Käyttäjät', 'fi'],
    ] as const) {
      const patched = page.waitForResponse(
        (response) => response.url().endsWith('/api/v1/me') && response.request().method() === 'PATCH',
      );
      await pick(page, 'language-picker', option);
      await waitForText(navUsers, label);
      assert.equal((await patched).status(), 200);
      assert.equal(await htmlLang(page), lang);
    }
    await screenshot(page, 'b3-finnish');

    const back = page.waitForResponse(
      (response) => response.url().endsWith('/api/v1/me') && response.request().method() === 'PATCH',
    );
    await pick(page, 'language-picker', 'English');
    await waitForText(navUsers, 'Users');
    assert.equal((await back).status(), 200);
    await page.reload();
    await waitForText(navUsers, 'Users');
    assert.equal(await htmlLang(page), 'en');
  });

  it('(c) creates an API token, shows its secret once, and revokes it', async () => {
    await openConsole(page, instance);
    await page.getByTestId('nav-settings').click();
    await waitForText(page.getByTestId('page-title'), 'Settings');
    const table = page.getByTestId('token-table');
    await table.waitFor();

    await page.getByTestId('token-create').click();
    await page.getByTestId('token-name').fill('e2e script');
    // A scoped role asks for scope ids; an organization-wide one does not.
    await pick(page, 'token-role', 'Product admin');
    await page.getByTestId('token-scope').waitFor();
    await pick(page, 'token-role', 'System admin');
    await page.getByTestId('token-scope').waitFor({ state: 'detached' });
    // A system-admin token asks for the password again.
    await page.getByTestId('token-password').fill(instance.admin.password);
    await screenshot(page, 'c1-create-dialog');
    assert.deepEqual(await violations(page), [], 'axe on the API token dialog');
    await page.getByTestId('token-submit').click();

    const secretElement = page.getByTestId('token-secret');
    await secretElement.waitFor();
    secret = ((await secretElement.textContent()) ?? '').trim();
    assert.match(secret, /^usher_\S+$/);
    assert.match((await page.getByTestId('token-secret-dialog').textContent()) ?? '', /will not be shown again/);
    await screenshot(page, 'c2-secret');
    assert.deepEqual(await violations(page), [], 'axe on the token secret shown once');

    const allowed = await sessionWithToken(instance.baseUrl, secret);
    assert.equal(allowed.status, 200);
    assert.equal((allowed.body as { actor: { type: string; label: string } }).actor.label, 'e2e script');
    assert.equal((allowed.body as { actor: { type: string } }).actor.type, 'api_token');

    await page.getByTestId('token-secret-done').click();
    await secretElement.waitFor({ state: 'detached' });
    const row = table.getByRole('row').filter({ hasText: 'e2e script' });
    await row.filter({ hasText: 'Active' }).waitFor();
    const rowText = (await row.textContent()) ?? '';
    assert.ok(rowText.includes(`${secret.slice(0, 10)}…`), `prefix of the secret in: ${rowText}`);
    assert.ok(rowText.includes('System admin'), rowText);
    assert.ok(rowText.includes(instance.admin.email), rowText);
    assert.ok(!rowText.includes(secret), 'the table must not show the secret');
    await screenshot(page, 'c3-token-listed');

    await row.getByTestId('token-revoke').click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    assert.match((await confirm.textContent()) ?? '', /e2e script/);
    await screenshot(page, 'c4-revoke-confirm');
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await row.filter({ hasText: 'Revoked' }).waitFor();
    assert.equal(await row.getByTestId('token-revoke').count(), 0);

    const refused = await sessionWithToken(instance.baseUrl, secret);
    assert.equal(refused.status, 401);
    assert.equal((refused.body as { code: string }).code, 'auth.token_revoked');
    await screenshot(page, 'c5-token-revoked');
  });

  it('(d) lists sign-in and token events in words, filters by action (kept in the address), and exports CSV', async () => {
    await openConsole(page, instance);
    await page.getByTestId('nav-audit').click();
    await waitForText(page.getByTestId('page-title'), 'Audit log');
    const table = page.getByTestId('audit-table');
    const rows = table.getByRole('row').filter({ has: page.locator('[data-column="action"]') });
    const actionCells = table.locator('[data-column="action"]');
    // Each action is named in words; its code stays on the cell for machines.
    for (const [action, name] of [
      ['auth.login', 'Signed in'],
      ['api_token.create', 'API token created'],
      ['api_token.revoke', 'API token revoked'],
    ] as const) {
      await waitForText(table.locator(`[data-action="${action}"]`).first(), name);
    }
    const loginRow = rows.filter({ has: page.locator('[data-action="auth.login"]') }).first();
    assert.ok(((await loginRow.textContent()) ?? '').includes(instance.admin.email));
    const tableText = (await table.textContent()) ?? '';
    for (const raw of ['∅', '[]', '{"', 'auth.login']) {
      assert.ok(!tableText.includes(raw), `the table shows ${raw}`);
    }
    const allCount = await rows.count();
    await screenshot(page, 'd1-audit-log');

    // One event's details: who did what to whom, and its fields side by side.
    await rows
      .filter({ has: page.locator('[data-action="api_token.revoke"]') })
      .first()
      .locator('[data-column="action"]')
      .click();
    const details = page.getByTestId('audit-event-dialog');
    await details.waitFor();
    const sentence = (await details.getByTestId('audit-event-sentence').textContent()) ?? '';
    assert.ok(sentence.startsWith(`${instance.admin.email}: API token revoked — `), sentence);
    await details.getByTestId('audit-event-diff').waitFor();
    await screenshot(page, 'd1b-audit-event');
    await page.getByTestId('audit-event-close').click();
    await details.waitFor({ state: 'detached' });

    // A typed prefix filters too (the picker offers the actions by name).
    await page.getByTestId('audit-filter-action').fill('api_token.');
    await page.getByTestId('audit-apply').click();
    await table.locator('[data-action]:not([data-action^="api_token."])').first().waitFor({ state: 'detached' });
    await actionCells.first().waitFor();
    const cells = await table.locator('[data-action]').all();
    const filtered = (await Promise.all(cells.map((cell) => cell.getAttribute('data-action')))).sort();
    assert.deepEqual(filtered, ['api_token.create', 'api_token.revoke']);
    assert.ok(filtered.length < allCount, `filtering narrowed ${allCount} rows to ${filtered.length}`);
    await screenshot(page, 'd2-audit-filtered');
    // The filter is in the address: reloading the page keeps it.
    assert.match(page.url(), /\/audit\?action=api_token\.$/);
    await page.reload();
    await waitForText(page.getByTestId('audit-shown'), 'Events shown: 2 of 2');

    const exportLink = page.getByTestId('audit-export');
    assert.match((await exportLink.getAttribute('href')) ?? '', /^\/api\/v1\/audit-events\.csv\?action=api_token\.$/);
    const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
    assert.match(download.suggestedFilename(), /^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    assert.ok(csv.startsWith('ID,Time'), csv.slice(0, 80));
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines.length, 3, csv);
    assert.ok(
      lines.slice(1).every((line) => line.includes('api_token.')),
      csv,
    );
  });

  it('pages the audit log with Load more', async () => {
    const client = await instance.signIn();
    for (let index = 0; index < 60; index += 1) {
      const response = await client.patch('/api/v1/me', { locale: 'en' });
      assert.equal(response.status, 200);
    }
    await openConsole(page, instance);
    await page.getByTestId('nav-audit').click();
    // The first page says how many events there are in all.
    await page
      .getByTestId('audit-shown')
      .filter({ hasText: /^Events shown: 50 of \d+$/ })
      .waitFor();
    const loadMore = page.getByTestId('audit-load-more');
    await loadMore.click();
    await loadMore.waitFor({ state: 'detached' });
    const [, shown, total] = (
      /^Events shown: (\d+) of (\d+)$/.exec((await page.getByTestId('audit-shown').textContent()) ?? '') ?? []
    ).map(Number);
    assert.ok(shown! > 60 && shown! < 100, `after Load more: ${shown} events`);
    assert.equal(total, shown, 'every event is shown');
    await screenshot(page, 'd3-audit-load-more');
  });

  it('renames the organization in Settings', async () => {
    await openConsole(page, instance);
    await page.getByTestId('nav-settings').click();
    const name = page.getByTestId('organization-name-field');
    await name.fill('Example Org Renamed');
    await page.getByTestId('organization-save').click();
    await page.getByTestId('organization-saved').waitFor();
    await waitForText(page.getByTestId('organization-name'), 'Example Org Renamed');
    await name.fill('Example Org');
    await page.getByTestId('organization-save').click();
    await waitForText(page.getByTestId('organization-name'), 'Example Org');
  });

  it('adds a directory and a domain, shows its TXT record, and verifies it', async () => {
    await openConsole(page, instance);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('directory-table').waitFor();
    await page.getByTestId('directory-create').click();
    await page.getByTestId('directory-name').fill('E2E staff');
    await pick(page, 'directory-identity-type', 'Federated ID');
    await page.getByTestId('directory-submit').click();
    await page.getByTestId('directory-create-dialog').waitFor({ state: 'detached' });
    const directoryRow = page.getByTestId('directory-table').getByRole('row').filter({ hasText: 'E2E staff' });
    await directoryRow.filter({ hasText: 'Federated ID' }).waitFor();

    await page.getByTestId('domain-add').click();
    await page.getByTestId('domain-name').fill('E2E.example');
    await pick(page, 'domain-directory', 'E2E staff (Federated ID)');
    await page.getByTestId('domain-submit').click();
    await page.getByTestId('domain-add-dialog').waitFor({ state: 'detached' });
    const row = page.getByTestId('domain-table').getByRole('row').filter({ hasText: 'e2e.example' });
    await row.filter({ hasText: 'Pending' }).waitFor();
    assert.equal(await row.getByTestId('domain-record-name').textContent(), '_usher-challenge.e2e.example');
    const value = ((await row.getByTestId('domain-record-value').textContent()) ?? '').trim();
    assert.match(value, /^usher-verification=[0-9a-f]{32}$/);
    const api = await instance.signIn();
    const listed = await api.get<{ items: { name: string; record: { value: string } }[] }>('/api/v1/domains');
    assert.equal(listed.body.items.find((item) => item.name === 'e2e.example')?.record.value, value);
    await screenshot(page, 'f1-domain-added');

    await row.getByTestId('domain-verify').click();
    const result = page.getByTestId('domain-verify-result');
    await result.filter({ hasText: 'could not be verified' }).waitFor();
    assert.ok(((await result.textContent()) ?? '').includes(value), 'the failure names the record to publish');
    await screenshot(page, 'f2-verify-failed');

    dns.setTxt('_usher-challenge.e2e.example', [value]);
    await row.getByTestId('domain-verify').click();
    await result.filter({ hasText: 'e2e.example is now claimed by your organization.' }).waitFor();
    await row.filter({ hasText: 'Claimed' }).waitFor();
    await directoryRow.filter({ hasText: 'e2e.example' }).waitFor();
    await screenshot(page, 'f3-domain-claimed');
  });

  it('(e) signs out back to the sign-in page', async () => {
    await openConsole(page, instance);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('login-email').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.getByTestId('sign-out').count(), 0);
    const session = await page.request.get('/api/v1/auth/session');
    assert.equal(session.status(), 401);
    // A console page without a session shows the sign-in page too.
    await page.goto('/settings');
    await page.getByTestId('login-email').waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await screenshot(page, 'e-signed-out');
  });

  it('an ended session returns to the sign-in page with a message', async () => {
    await openConsole(page, instance);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('token-table').waitFor();
    // End the session behind the console's back, then make it call the API.
    const csrf = await page.evaluate(async () => {
      const response = await fetch('/api/v1/auth/session');
      return ((await response.json()) as { csrfToken: string }).csrfToken;
    });
    const loggedOut = await page.request.post('/api/v1/auth/logout', { headers: { 'x-csrf-token': csrf } });
    assert.equal(loggedOut.status(), 204);
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('login-email').waitFor();
    assert.match((await page.getByRole('alert').first().textContent()) ?? '', /session has ended/i);
    await screenshot(page, 'session-ended');
  });
  it('ran without script errors, CSP violations or console errors', () => {
    assert.deepEqual(problems, []);
  });

  it('shows the sign-in page in the browser language, and remembers a choice made there', async () => {
    const context = await browser.newContext({ baseURL: instance.baseUrl, locale: 'fi-FI' });
    try {
      const finnish = await context.newPage();
      await finnish.goto('/');
      await waitForText(finnish.getByTestId('page-title'), 'Kirjaudu sisään');
      assert.equal(await htmlLang(finnish), 'fi');
      await screenshot(finnish, 'sign-in-finnish');
      await pick(finnish, 'language-picker', 'Русский');
      await waitForText(finnish.getByTestId('page-title'), 'Вход');
      await finnish.reload();
      await waitForText(finnish.getByTestId('page-title'), 'Вход');
      assert.equal(await htmlLang(finnish), 'ru');
    } finally {
      await context.close();
    }
  });
});

describe('first-run setup (browser)', () => {
  let instance: TestInstance;
  let browser: Browser;

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    instance = await startTestInstance({}, { bootstrap: false });
    browser = await launch();
  });

  after(() => closeBrowser(browser, instance));

  it('explains an invalid setup link, and creates the organization from a valid one', async () => {
    const firstRun = instance.app.firstRun;
    assert.equal(firstRun.kind, 'setup-link');
    const token = firstRun.kind === 'setup-link' ? (new URL(firstRun.url).searchParams.get('token') ?? '') : '';
    const { page } = await newPage(browser, instance.baseUrl);

    await page.goto('/setup?token=not-a-real-token');
    await page.getByTestId('setup-invalid').waitFor();
    assert.equal(await page.getByTestId('setup-form').count(), 0);

    await page.goto(`/setup?token=${encodeURIComponent(token)}`);
    await page.getByTestId('setup-form').waitFor();
    await page.getByTestId('setup-organization').fill('Setup Org');
    await page.getByTestId('setup-email').fill('first.admin@example.com');
    await page.getByTestId('setup-password').fill('a long enough password');
    await pick(page, 'language-picker', 'Čeština');
    await waitForText(page.getByTestId('page-title'), 'Nastavení Usher');
    await screenshot(page, 'setup-form');
    await page.getByTestId('setup-submit').click();
    await page.waitForURL('**/overview');
    await waitForText(page.getByTestId('nav-users'), 'Uživatelé');
    assert.equal(await page.getByTestId('organization-name').textContent(), 'Setup Org');
    assert.equal(await page.getByTestId('signed-in-as').textContent(), 'first.admin@example.com');
    await screenshot(page, 'setup-done');

    // The link is used up.
    await page.goto(`/setup?token=${encodeURIComponent(token)}`);
    await page.getByTestId('setup-invalid').waitFor();
  });
});
