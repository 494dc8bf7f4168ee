/**
 * Users gone from the directory, more of them than one chunk of a run (`USHER_SYNC_CHUNK_USERS`:
 * 25 here for 60 users gone; 1,000 by default): a run past the safety limit handles them a chunk
 * at a time, each chunk in its own transaction with the states it changed, and its undo gives
 * every one of them back; under `remove` and under `remove-entitlements`. Against a real OpenLDAP
 * server, on the embedded database and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { waitForOperation } from '../../test/support/bulk.ts';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import type { Client } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import {
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  LDAP_SUFFIX,
  personDn,
  seedLdif,
  startSlapd,
  type TestSlapd,
} from '../../test/support/slapd.ts';
import { snapshotUsers } from '../users/users.commands.ts';

interface Run {
  id: string;
  status: string;
  created: number;
  removed: number;
  failed: number;
  error: { code: string; message: string } | null;
}

/** More than one chunk of users leave; a few stay. */
const LEAVING = 60;
const CHUNK = '25';
const STAYING = 5;

describe('users gone from the directory, more than one chunk of them', () => {
  let slapd: TestSlapd;
  let instance: TestInstance;
  let admin: Client;
  let directoryId: string;
  let runsPath: string;

  const leaver = (index: number) => `leaver${String(index).padStart(4, '0')}`;

  async function runSync(body: Record<string, unknown> = {}): Promise<Run> {
    const started = await admin.post<{ id: string }>(runsPath, body);
    assert.equal(started.status, 202, started.text);
    for (let attempt = 0; attempt < 3000; attempt += 1) {
      const run = await admin.get<Run>(`${runsPath}/${started.body.id}`);
      assert.equal(run.status, 200, run.text);
      if (!['queued', 'running'].includes(run.body.status)) {
        return run.body;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the run did not finish');
  }

  /** Every user of the organization with their state (details, status, groups, profiles). */
  async function organization() {
    const db = instance.app.ctx.db;
    const users = await db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('organization_id', '=', instance.organizationId)
      .orderBy('email')
      .execute();
    const states = await snapshotUsers(
      db,
      instance.organizationId,
      users.map((user) => user.id),
    );
    return users.map((user) => {
      const state = states.get(user.id);
      assert.ok(state);
      const { version, ...rest } = state;
      return rest;
    });
  }

  async function configure(
    missingUsers: 'remove' | 'remove-entitlements',
    limit = { maxRemovals: 20, maxRemovalPercent: 100 },
  ): Promise<void> {
    const saved = await admin.request('PUT', `/api/v1/directories/${directoryId}/sync`, {
      body: {
        url: slapd.url,
        bindDn: LDAP_ROOT_DN,
        bindPassword: LDAP_ROOT_PASSWORD,
        baseDn: `ou=people,${LDAP_SUFFIX}`,
        groupBaseDn: `ou=groups,${LDAP_SUFFIX}`,
        userFilter: '(objectClass=inetOrgPerson)',
        attributes: { email: 'mail', firstName: 'givenName', lastName: 'sn', externalId: 'entryUUID' },
        groups: [{ directoryGroup: 'staff', userGroups: ['Staff'], profiles: ['Acrobat Pro'] }],
        missingUsers,
        ...limit,
        intervalMinutes: 0,
      },
    });
    assert.equal(saved.status, 200, saved.text);
  }

  /** A finished run's outcomes by action and status, and how many kept states for undo. */
  async function outcomesOf(runId: string) {
    const rows = await instance.app.ctx.db
      .selectFrom('directory_sync_run_users')
      .select(['action', 'status', 'states'])
      .where('run_id', '=', runId)
      .execute();
    const tally: Record<string, number> = {};
    for (const row of rows) {
      const key = `${row.action}/${row.status}${row.states ? '/states' : ''}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    return tally;
  }

  /** The removals and limit the e-mail about a run stopped at the safety limit gives. */
  async function attentionOf(runId: string) {
    const messages = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('kind', '=', 'sync_attention')
      .execute();
    const data = messages
      .map((message) => message.data as { runId: string; removals: number; limit: number })
      .filter((message) => message.runId === runId);
    assert.equal(data.length, 1);
    return { removals: data[0]?.removals, limit: data[0]?.limit };
  }

  /** How many transactions wrote a run's outcomes (each chunk writes its own with its changes). */
  async function transactionsOf(runId: string): Promise<number> {
    const result = await sql<{ count: string }>`
      select count(distinct xmin::text) as count from directory_sync_run_users where run_id = ${runId}`.execute(
      instance.app.ctx.db,
    );
    return Number(result.rows[0]?.count);
  }

  async function undo(runId: string): Promise<void> {
    const started = await admin.post<{ id: string }>(`${runsPath}/${runId}/undo`, { dryRun: false });
    assert.equal(started.status, 202, started.text);
    const operation = await waitForOperation(admin, started.body.id);
    assert.deepEqual(
      [operation.status, operation.failedRows, operation.skippedRows],
      ['completed', 0, 0],
      JSON.stringify(operation),
    );
  }

  before(async () => {
    const people = [
      ...Array.from({ length: LEAVING }, (_, index) => ({
        uid: leaver(index),
        mail: `${leaver(index)}@acme.test`,
        givenName: 'Leaving',
        sn: `Person ${index}`,
      })),
      ...Array.from({ length: STAYING }, (_, index) => ({
        uid: `stayer${index}`,
        mail: `stayer${index}@acme.test`,
        givenName: 'Staying',
        sn: `Person ${index}`,
      })),
    ];
    slapd = await startSlapd(seedLdif(people, [{ cn: 'staff', people: people.map((person) => person.uid) }]));
    instance = await startTestInstance({
      USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      USHER_SYNC_CHUNK_USERS: CHUNK,
    });
    admin = await instance.signIn();
    const directory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'Acme LDAP',
      identityType: 'enterprise',
    });
    directoryId = directory.body.id;
    runsPath = `/api/v1/directories/${directoryId}/sync/runs`;
    await instance.app.ctx.db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: directoryId,
        name: 'acme.test',
        verification_token: 't',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    await createProductWithProfiles(admin, 'Acrobat', 200, ['Acrobat Pro']);
    assert.equal((await admin.post('/api/v1/groups', { name: 'Staff' })).status, 201);
  });
  after(async () => {
    await instance?.close();
    await slapd?.stop();
  });

  test('a run past the safety limit removes them a chunk at a time, and its undo gives all back', async () => {
    await configure('remove');
    const first = await runSync();
    assert.equal(first.status, 'completed', JSON.stringify(first.error));
    assert.equal(first.created, LEAVING + STAYING);
    const synced = await organization();

    await slapd.modify(
      Array.from({ length: LEAVING }, (_, index) => `dn: ${personDn(leaver(index))}\nchangetype: delete\n\n`).join(''),
    );
    // Counted before anything changes, over every chunk: the run stops at the share of the users
    // the connection manages (60 of 65, over 50%), then at the number, every user as they were.
    await configure('remove', { maxRemovals: 1000, maxRemovalPercent: 50 });
    const byShare = await runSync();
    assert.deepEqual([byShare.status, byShare.error?.code], ['stopped', 'sync.safety_limit']);
    const managed = LEAVING + STAYING;
    assert.match(
      byShare.error?.message ?? '',
      new RegExp(`remove ${LEAVING} users .* \\(1000 users or 50% of the ${managed} it manages\\)`),
    );
    assert.deepEqual(await attentionOf(byShare.id), { removals: LEAVING, limit: Math.floor(managed / 2) });
    await configure('remove');
    const stopped = await runSync();
    assert.deepEqual([stopped.status, stopped.error?.code], ['stopped', 'sync.safety_limit']);
    assert.match(stopped.error?.message ?? '', new RegExp(`remove ${LEAVING} users`));
    assert.deepEqual(await attentionOf(stopped.id), { removals: LEAVING, limit: 20 });
    assert.deepEqual(await organization(), synced);
    assert.deepEqual(await outcomesOf(stopped.id), { 'remove/skipped': LEAVING });

    const removed = await runSync({ ignoreSafetyLimit: true });
    assert.equal(removed.status, 'completed', JSON.stringify(removed.error));
    assert.deepEqual([removed.removed, removed.failed], [LEAVING, 0]);
    assert.deepEqual(await outcomesOf(removed.id), { 'remove/succeeded/states': LEAVING });
    assert.equal(await transactionsOf(removed.id), Math.ceil(LEAVING / Number(CHUNK)));
    const afterRemoval = await organization();
    assert.equal(afterRemoval.filter((user) => user.status === 'removed').length, LEAVING);
    assert.equal(
      afterRemoval.filter((user) => user.status !== 'removed' && user.groups.includes('Staff')).length,
      STAYING,
    );

    await undo(removed.id);
    assert.deepEqual(await organization(), synced);
  });

  test('remove-entitlements past the limit takes the mapped group and profile a chunk at a time; undone', async () => {
    // The users given back by the previous undo are hand-managed now: the connection manages
    // only the staying users, so a first run takes the leavers over again from the directory.
    await slapd.modify(
      Array.from(
        { length: LEAVING },
        (_, index) =>
          `dn: ${personDn(leaver(index))}\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: extensibleObject\n` +
          `uid: ${leaver(index)}\ncn: Leaving ${index}\nsn: Person ${index}\ngivenName: Leaving\nmail: ${leaver(index)}@acme.test\n\n`,
      ).join(''),
    );
    await configure('remove-entitlements');
    const retaken = await runSync();
    assert.equal(retaken.status, 'completed', JSON.stringify(retaken.error));
    const synced = await organization();
    assert.equal(synced.filter((user) => user.groups.includes('Staff')).length, LEAVING + STAYING);

    await slapd.modify(
      Array.from({ length: LEAVING }, (_, index) => `dn: ${personDn(leaver(index))}\nchangetype: delete\n\n`).join(''),
    );
    const stripped = await runSync({ ignoreSafetyLimit: true });
    assert.equal(stripped.status, 'completed', JSON.stringify(stripped.error));
    assert.deepEqual([stripped.removed, stripped.failed], [LEAVING, 0]);
    assert.deepEqual(await outcomesOf(stripped.id), { 'remove-entitlements/succeeded/states': LEAVING });
    assert.equal(await transactionsOf(stripped.id), Math.ceil(LEAVING / Number(CHUNK)));
    const now = await organization();
    const leavers = now.filter((user) => user.email.startsWith('leaver'));
    assert.equal(leavers.length, LEAVING);
    assert.ok(leavers.every((user) => user.status === 'active' && user.groups.length === 0));
    assert.ok(leavers.every((user) => user.profiles.length === 0));

    await undo(stripped.id);
    assert.deepEqual(await organization(), synced);
  });
});
