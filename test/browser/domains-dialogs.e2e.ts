/**
 * The settings' domain dialogs in a real browser against a real Usher: moving a domain to another
 * directory and a directory's trusted organizations. Each dialog opens, refuses bad input with the
 * field's problem in its form error (the dialog stays open), then succeeds. axe-core checks each
 * dialog. Screenshots go to test-results/domains-dialogs-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { closeBrowser, openBrowser, openConsole, pick, RESULTS, screenshot as save } from '../support/browser.ts';
import type { Client } from '../support/client.ts';
import { createOrganization, startTestInstance, type TestInstance } from '../support/instance.ts';

const screenshot = (page: Page, name: string) => save(page, 'domains-dialogs', name);

describe('domain dialogs: move a domain, trust an organization (browser)', () => {
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
    for (const [name, identityType] of [
      ['Alpha directory', 'enterprise'],
      ['Beta directory', 'federated'],
      ['Gamma directory', 'enterprise'],
    ] as const) {
      const created = await admin.post<{ id: string }>('/api/v1/directories', { name, identityType });
      assert.equal(created.status, 201, created.text);
      ids[name] = created.body.id;
    }
    const domain = await admin.post<{ id: string }>('/api/v1/domains', {
      name: 'move.example',
      directoryId: ids['Alpha directory'],
    });
    assert.equal(domain.status, 201, domain.text);
    ids.domain = domain.body.id;
    ids.other = (await createOrganization(instance, 'Trusted Co')).organizationId;
    ({ browser, page } = await openBrowser(instance, problems));
  });

  after(() => closeBrowser(browser, instance));

  it('moves a domain: a directory gone meanwhile is refused naming directoryId, another one is saved', async () => {
    await openConsole(page, instance, '/settings');
    await page.getByTestId('domain-move').click();
    const dialog = page.getByTestId('domain-move-dialog');
    await dialog.waitFor();
    assert.deepEqual(await violations(page), [], 'axe on the move dialog');
    await pick(page, 'domain-move-directory', 'Beta directory (Federated ID)');
    // The directory is deleted after the dialog listed it.
    const deleted = await admin.delete(`/api/v1/directories/${ids['Beta directory']}`);
    assert.equal(deleted.status, 204, deleted.text);
    await page.getByTestId('domain-move-submit').click();
    const error = page.getByTestId('domains-form-error');
    await error.waitFor();
    const text = await error.textContent();
    assert.match(text ?? '', /That directory does not exist in your organization\./);
    assert.match(text ?? '', /directoryId: unknown directory/);
    await screenshot(page, 'move-refused');
    assert.equal(await dialog.isVisible(), true, 'the dialog stays open on a refusal');
    const unchanged = await admin.get<{ directory: { id: string } | null }>(`/api/v1/domains/${ids.domain}`);
    assert.equal(unchanged.body.directory?.id, ids['Alpha directory']);

    await pick(page, 'domain-move-directory', 'Gamma directory (Enterprise ID)');
    await page.getByTestId('domain-move-submit').click();
    await dialog.waitFor({ state: 'detached' });
    const moved = await admin.get<{ directory: { id: string } | null }>(`/api/v1/domains/${ids.domain}`);
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.body.directory?.id, ids['Gamma directory']);
    assert.deepEqual(problems, []);
  });

  it('trusts an organization: a malformed id and its own id are refused naming organizationId; another is granted, then revoked', async () => {
    await openConsole(page, instance, '/settings');
    await page
      .getByTestId('directory-table')
      .getByRole('row')
      .filter({ hasText: 'Alpha directory' })
      .getByTestId('directory-trusts')
      .click();
    const dialog = page.getByTestId('trusts-dialog');
    await dialog.waitFor();
    await dialog.getByText('No organization is trusted on this directory.').waitFor();
    assert.deepEqual(await violations(page), [], 'axe on the trusts dialog');
    const error = page.getByTestId('domains-form-error');

    await page.getByTestId('trust-organization-id').fill('not-an-id');
    await page.getByTestId('trust-grant').click();
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /organizationId: must be an organization id \(a UUID\)/);
    await screenshot(page, 'trust-refused');

    await page.getByTestId('trust-organization-id').fill(instance.organizationId);
    await page.getByTestId('trust-grant').click();
    await error.filter({ hasText: 'Your organization cannot trust itself.' }).waitFor();
    assert.match((await error.textContent()) ?? '', /organizationId: /);
    const none = await admin.get<{ items: unknown[] }>(`/api/v1/directories/${ids['Alpha directory']}/trusts`);
    assert.deepEqual(none.body.items, []);

    await page.getByTestId('trust-organization-id').fill(ids.other ?? '');
    await page.getByTestId('trust-grant').click();
    await page.getByTestId('trust-item').filter({ hasText: 'Trusted Co' }).waitFor();
    await error.waitFor({ state: 'detached' });
    assert.equal(await page.getByTestId('trust-organization-id').inputValue(), '', 'the field is cleared');
    const granted = await admin.get<{ items: { organizationId: string }[] }>(
      `/api/v1/directories/${ids['Alpha directory']}/trusts`,
    );
    assert.deepEqual(
      granted.body.items.map((trust) => trust.organizationId),
      [ids.other],
    );
    await screenshot(page, 'trust-granted');

    await page.getByTestId('trust-revoke').click();
    await dialog.getByText('No organization is trusted on this directory.').waitFor();
    const revoked = await admin.get<{ items: unknown[] }>(`/api/v1/directories/${ids['Alpha directory']}/trusts`);
    assert.deepEqual(revoked.body.items, []);
    await page.getByTestId('trusts-done').click();
    await dialog.waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
  });
});
