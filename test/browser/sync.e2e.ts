/**
 * Directory sync pages in a real browser against a real Usher and a real OpenLDAP (slapd): from
 * Settings → Directories → Sync, the OpenLDAP preset fills the filters and attributes, "Test
 * connection" shows the first users and the mapped group's member count, Save stores the
 * connection (the password is not shown again), "Preview sync" lists what would happen and changes
 * nothing, "Run sync now" creates the users and the results page shows the counts and the outcomes;
 * a stop at the safety limit offers "Run past the safety limit". Screenshots go to
 * test-results/sync-*.png.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { violations } from '../support/axe.ts';
import { openBrowser, openConsole, RESULTS, screenshot as save, waitForText } from '../support/browser.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';
import {
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  LDAP_SUFFIX,
  personDn,
  seedLdif,
  startSlapd,
  type TestSlapd,
} from '../support/slapd.ts';

const screenshot = (page: Page, name: string) => save(page, 'sync', name);

const PEOPLE = [
  { uid: 'anna', mail: 'anna@corp.test', givenName: 'Anna', sn: 'Nowak' },
  { uid: 'jan', mail: 'jan@corp.test', givenName: 'Jan', sn: 'Kowalski' },
  { uid: 'outsider', mail: 'someone@elsewhere.test', sn: 'Outsider' },
];

describe('directory sync (browser)', () => {
  let slapd: TestSlapd;
  let instance: TestInstance;
  let client: Client;
  let browser: Browser;
  let page: Page;
  let directoryId = '';
  const problems: string[] = [];

  before(async () => {
    fs.mkdirSync(RESULTS, { recursive: true });
    slapd = await startSlapd(seedLdif(PEOPLE, [{ cn: 'staff', people: ['anna', 'jan'] }]));
    instance = await startTestInstance({ USHER_ENCRYPTION_KEY: randomBytes(32).toString('hex') });
    client = await instance.signIn();
    const directory = await client.post<{ id: string }>('/api/v1/directories', {
      name: 'Corp',
      identityType: 'enterprise',
    });
    directoryId = directory.body.id;
    await instance.app.ctx.db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: directoryId,
        name: 'corp.test',
        verification_token: 't',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    assert.equal((await client.post('/api/v1/groups', { name: 'Staff' })).status, 201);
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(async () => {
    await browser?.close();
    await instance?.close();
    await slapd?.stop();
  });

  it('configures the connection: preset, test connection, save', async () => {
    await openConsole(page, instance, '/settings');
    await page.getByTestId('directory-sync').first().click();
    await page.waitForURL(`**/settings/directories/${directoryId}/sync`);
    await waitForText(page.getByTestId('page-title'), 'Directory sync: Corp');
    await page.getByRole('tab', { name: 'Configuration' }).click();
    await page.getByTestId('sync-preset-openldap').click();
    await page.getByTestId('sync-preset-note').waitFor();
    assert.equal(await page.getByTestId('sync-user-filter').inputValue(), '(objectClass=inetOrgPerson)');
    assert.equal(await page.getByTestId('sync-attr-external-id').inputValue(), 'entryUUID');
    await page.getByTestId('sync-url').fill(slapd.url);
    await page.getByTestId('sync-bind-dn').fill(LDAP_ROOT_DN);
    await page.getByTestId('sync-bind-password').fill(LDAP_ROOT_PASSWORD);
    await page.getByTestId('sync-base-dn').fill(`ou=people,${LDAP_SUFFIX}`);
    await page.getByTestId('sync-group-base-dn').fill(`ou=groups,${LDAP_SUFFIX}`);
    await page.getByTestId('sync-add-mapping').click();
    await page.getByTestId('sync-mapping-directory-group').fill('staff');
    await page.getByTestId('sync-mapping-user-groups').fill('Staff');
    await page.getByTestId('sync-missing-remove').click();

    await page.getByTestId('sync-test').click();
    const result = page.getByTestId('sync-test-result');
    await result.waitFor();
    await page.getByTestId('sync-test-groups').filter({ hasText: 'staff: 2 members' }).waitFor();
    await result.getByRole('row').filter({ hasText: 'anna@corp.test' }).filter({ hasText: 'Staff' }).waitFor();
    await result
      .getByRole('row')
      .filter({ hasText: 'someone@elsewhere.test' })
      .filter({ hasText: 'Not synced' })
      .waitFor();
    await screenshot(page, 'a1-test-connection');

    await page.getByTestId('sync-save').click();
    await page.getByTestId('sync-saved').waitFor();
    assert.equal(await page.getByTestId('sync-bind-password').inputValue(), '', 'the password is not shown again');
    const stored = await client.get<{ bindPasswordSet: boolean; missingUsers: string; groups: unknown[] }>(
      `/api/v1/directories/${directoryId}/sync`,
    );
    assert.equal(stored.body.missingUsers, 'remove');
    assert.deepEqual(stored.body.groups, [{ directoryGroup: 'staff', userGroups: ['Staff'], profiles: [] }]);
  });

  it('previews the sync: what would happen per user, nothing changed', async () => {
    await page.getByTestId('sync-preview').click();
    await page.waitForURL('**/sync/runs/*');
    await page.locator('[data-testid="sync-run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('sync-run-preview').waitFor();
    assert.deepEqual(await violations(page), [], "axe on a run's page");
    assert.match((await page.getByTestId('sync-count-created').textContent()) ?? '', /2/);
    const outcomes = page.getByTestId('sync-run-outcomes');
    await outcomes.getByRole('row').filter({ hasText: 'anna@corp.test' }).filter({ hasText: 'Would happen' }).waitFor();
    await outcomes
      .getByRole('row')
      .filter({ hasText: 'someone@elsewhere.test' })
      .filter({ hasText: 'Skipped' })
      .waitFor();
    await screenshot(page, 'b1-preview');
    const users = await client.get<{ items: { email: string }[] }>('/api/v1/users?search=corp.test');
    assert.equal(users.body.items.length, 0, 'a preview changes nothing');
  });

  it('runs the sync and shows the results; a stop at the safety limit can be passed on purpose', async () => {
    await page.getByTestId('sync-run-back').click();
    await page.getByTestId('sync-run').click();
    await page.waitForURL('**/sync/runs/*');
    await page.locator('[data-testid="sync-run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.match((await page.getByTestId('sync-count-created').textContent()) ?? '', /2/);
    await page
      .getByTestId('sync-run-outcomes')
      .getByRole('row')
      .filter({ hasText: 'jan@corp.test' })
      .filter({ hasText: 'Done' })
      .waitFor();
    assert.equal(
      await page.getByTestId('sync-run-csv').getAttribute('href'),
      `${new URL(page.url()).pathname.replace('/settings/directories', '/api/v1/directories')}/results.csv`,
    );
    await screenshot(page, 'c1-run');
    const users = await client.get<{ items: { email: string }[] }>('/api/v1/users?search=corp.test');
    assert.deepEqual(users.body.items.map((user) => user.email).sort(), ['anna@corp.test', 'jan@corp.test']);

    // Both users leave the directory: 2 removals are over the default 10 % of 2 managed users.
    await slapd.modify(`dn: ${personDn('anna')}\nchangetype: delete\n\ndn: ${personDn('jan')}\nchangetype: delete\n\n`);
    await page.getByTestId('sync-run-back').click();
    await page.getByTestId('sync-run').click();
    await page.waitForURL('**/sync/runs/*');
    await page.locator('[data-testid="sync-run-status"][data-status="stopped"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('sync-run-error').filter({ hasText: 'safety limit' }).waitFor();
    await screenshot(page, 'd1-stopped');
    await page.getByTestId('sync-run-past-limit').click();
    await page.locator('[data-testid="sync-run-status"][data-status="completed"]').waitFor({ timeout: 60_000 });
    await page
      .getByTestId('sync-run-outcomes')
      .getByRole('row')
      .filter({ hasText: 'anna@corp.test' })
      .filter({ hasText: 'Remove' })
      .waitFor();
    await screenshot(page, 'd2-past-limit');

    // The runs list of the directory shows all four runs.
    await page.getByTestId('sync-run-back').click();
    await page.getByRole('tab', { name: 'Runs and results' }).click();
    assert.equal(await page.getByTestId('sync-runs').getByRole('row').count(), 5);
    assert.deepEqual(problems, []);
  });
});
