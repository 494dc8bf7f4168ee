/**
 * Undo of a directory-sync run in a real browser, against a real OpenLDAP (slapd): "Undo this run"
 * on the run's page warns that the next scheduled run applies the directory again, opens a
 * preview (a dry run listing what each user would change, nothing changed), "Run for real"
 * undoes it, and the run shows who undid it. Screenshots go to test-results/sync-undo-*.png.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openBrowser, openConsole, RESULTS, screenshot as save, waitForText } from '../support/browser.ts';
import type { Client } from '../support/client.ts';
import { startTestInstance, type TestInstance } from '../support/instance.ts';
import {
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  LDAP_SUFFIX,
  seedLdif,
  startSlapd,
  type TestSlapd,
} from '../support/slapd.ts';

const screenshot = (page: Page, name: string) => save(page, 'sync-undo', name);

const PEOPLE = [
  { uid: 'anna', mail: 'anna@corp.test', givenName: 'Anna', sn: 'Nowak' },
  { uid: 'jan', mail: 'jan@corp.test', givenName: 'Jan', sn: 'Kowalski' },
];

describe('undo of a directory-sync run (browser)', () => {
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
    const saved = await client.request('PUT', `/api/v1/directories/${directoryId}/sync`, {
      body: {
        url: slapd.url,
        bindDn: LDAP_ROOT_DN,
        bindPassword: LDAP_ROOT_PASSWORD,
        baseDn: `ou=people,${LDAP_SUFFIX}`,
        groupBaseDn: `ou=groups,${LDAP_SUFFIX}`,
        userFilter: '(objectClass=inetOrgPerson)',
        attributes: { email: 'mail', firstName: 'givenName', lastName: 'sn', username: 'uid', externalId: 'entryUUID' },
        groups: [{ directoryGroup: 'staff', userGroups: ['Staff'] }],
        missingUsers: 'remove',
        maxRemovals: 200,
        maxRemovalPercent: 100,
        intervalMinutes: 0,
      },
    });
    assert.equal(saved.status, 200, saved.text);
    ({ browser, page } = await openBrowser(instance, problems, { consoleErrors: true }));
  });

  after(async () => {
    await browser?.close();
    await instance?.close();
    await slapd?.stop();
  });

  const status = async (email: string) =>
    (
      await instance.app.ctx.db
        .selectFrom('users')
        .select('status')
        .where('organization_id', '=', instance.organizationId)
        .where('email', '=', email)
        .executeTakeFirst()
    )?.status;

  it('previews the undo of a run, runs it for real, and shows who undid the run', async () => {
    const runs = `/api/v1/directories/${directoryId}/sync/runs`;
    const started = await client.post<{ id: string }>(runs, {});
    assert.equal(started.status, 202, started.text);
    const runId = started.body.id;
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const run = await client.get<{ status: string }>(`${runs}/${runId}`);
      if (!['queued', 'running'].includes(run.body.status)) {
        assert.equal(run.body.status, 'completed', run.text);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(await status('anna@corp.test'), 'active');

    await openConsole(page, instance, `/settings/directories/${directoryId}/sync/runs/${runId}`);
    await page.locator('[data-testid="sync-run-status"][data-status="completed"]').waitFor();
    await page.getByTestId('sync-run-undo').click();
    const dialog = page.getByTestId('sync-run-undo-dialog');
    await dialog
      .getByTestId('sync-run-undo-schedule')
      .getByText('The next scheduled run applies the directory again')
      .waitFor();
    await screenshot(page, 'a1-dialog');
    await dialog.getByRole('button', { name: 'Undo this run' }).click();

    // The preview: a dry run of the undo, user by user; nothing changed yet.
    await page.getByTestId('bulk-undo-badge').waitFor();
    await page.getByTestId('bulk-dry-run').waitFor();
    await waitForText(page.getByTestId('page-title'), 'Undo of a directory sync run');
    await page.getByText('Would remove anna@corp.test').waitFor();
    await page.getByText('Would remove jan@corp.test').waitFor();
    assert.equal(await status('anna@corp.test'), 'active');
    await screenshot(page, 'a2-preview');

    await page.getByTestId('bulk-run').click();
    await page.getByTestId('bulk-run-dialog').getByRole('button', { name: 'Run for real' }).click();
    await page.getByText('Removed anna@corp.test').waitFor();
    await page.getByTestId('bulk-dry-run').waitFor({ state: 'detached' });
    assert.equal(await status('anna@corp.test'), 'removed');
    assert.equal(await status('jan@corp.test'), 'removed');
    await screenshot(page, 'a3-undone');

    await openConsole(page, instance, `/settings/directories/${directoryId}/sync/runs/${runId}`);
    await page
      .getByTestId('sync-run-undone-by')
      .filter({ hasText: `Undone by ${instance.admin.email}` })
      .waitFor();
    assert.equal(await page.getByTestId('sync-run-undo').count(), 0, 'an undone run offers no second undo');
    await screenshot(page, 'a4-run-undone');
    assert.deepEqual(problems, []);
  });
});
