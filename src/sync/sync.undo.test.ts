/**
 * Undo of a directory-sync run (@see issue 20): a run against a real OpenLDAP server creates,
 * updates, moves and removes users; its undo (previewed first) brings the organization back to
 * its state before the run, except a user edited since, which is a conflict left alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type BulkOperation as Operation, type BulkRow as Row, waitForOperation } from '../../test/support/bulk.ts';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import {
  groupDn,
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  LDAP_SUFFIX,
  personDn,
  personLdif,
  seedLdif,
  startSlapd,
  type TestSlapd,
} from '../../test/support/slapd.ts';
import { snapshotUsers } from '../users/users.commands.ts';

type BulkOperation = Operation & { undo: boolean; sourceSyncRunId: string | null };
type BulkRow = Row & { key: string | null };

interface Run {
  id: string;
  status: string;
  created: number;
  updated: number;
  removed: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  failed: number;
  error: { code: string; message: string } | null;
  undoneBy: { operationId: string; label: string; at: string } | null;
}

const PEOPLE = [
  { uid: 'alice', mail: 'alice@acme.test', givenName: 'Alice', sn: 'Archer', country: 'PL' },
  { uid: 'bob', mail: 'bob@acme.test', givenName: 'Bob', sn: 'Baker', country: 'FI' },
  { uid: 'carol', mail: 'carol@acme.test', givenName: 'Carol', sn: 'Cook' },
  { uid: 'frank', mail: 'frank@acme.test', givenName: 'Frank', sn: 'Fisher' },
];
const GROUPS = [
  { cn: 'engineering', people: ['alice', 'bob'] },
  { cn: 'design', people: ['carol'] },
];

describe('undo of a directory-sync run', () => {
  let slapd: TestSlapd;
  let instance: TestInstance;
  let admin: Client;
  let directoryId: string;
  let runsPath: string;

  async function runSync(): Promise<Run> {
    const started = await admin.post<{ id: string }>(runsPath, {});
    assert.equal(started.status, 202, started.text);
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const run = await admin.get<Run>(`${runsPath}/${started.body.id}`);
      assert.equal(run.status, 200, run.text);
      if (!['queued', 'running'].includes(run.body.status)) {
        return run.body;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the run did not finish');
  }

  /** The organization: its present users with details, groups and profiles, and licenses used. */
  async function organization() {
    const db = instance.app.ctx.db;
    const users = await db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('organization_id', '=', instance.organizationId)
      .where('status', '!=', 'removed')
      .orderBy('email')
      .execute();
    const states = await snapshotUsers(
      db,
      instance.organizationId,
      users.map((user) => user.id),
    );
    const licenses = await db
      .selectFrom('products')
      .select(['name', 'licenses_used'])
      .where('organization_id', '=', instance.organizationId)
      .orderBy('name')
      .execute();
    return {
      users: users.map((user) => {
        const state = states.get(user.id);
        assert.ok(state);
        const { version, ...rest } = state;
        return rest;
      }),
      licenses,
    };
  }

  async function undo(runId: string, dryRun: boolean): Promise<{ operation: BulkOperation; rows: BulkRow[] }> {
    const started = await admin.post<{ id: string }>(`${runsPath}/${runId}/undo`, { dryRun });
    assert.equal(started.status, 202, started.text);
    const operation = (await waitForOperation(admin, started.body.id)) as BulkOperation;
    const rows = await admin.get<{ items: BulkRow[] }>(`/api/v1/bulk-operations/${started.body.id}/rows?limit=200`);
    assert.equal(rows.status, 200, rows.text);
    return { operation, rows: rows.body.items };
  }

  before(async () => {
    slapd = await startSlapd(seedLdif(PEOPLE, GROUPS));
    instance = await startTestInstance({ USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    admin = await instance.signIn();
    const db = instance.app.ctx.db;
    const directory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'Acme LDAP',
      identityType: 'enterprise',
    });
    directoryId = directory.body.id;
    runsPath = `/api/v1/directories/${directoryId}/sync/runs`;
    await db
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
    await createProductWithProfiles(admin, 'Acrobat', 100, ['Acrobat Pro']);
    for (const name of ['Engineering', 'Design']) {
      assert.equal((await admin.post('/api/v1/groups', { name })).status, 201);
    }
    const saved = await admin.request('PUT', `/api/v1/directories/${directoryId}/sync`, {
      body: {
        url: slapd.url,
        bindDn: LDAP_ROOT_DN,
        bindPassword: LDAP_ROOT_PASSWORD,
        baseDn: `ou=people,${LDAP_SUFFIX}`,
        groupBaseDn: `ou=groups,${LDAP_SUFFIX}`,
        userFilter: '(objectClass=inetOrgPerson)',
        attributes: {
          email: 'mail',
          firstName: 'givenName',
          lastName: 'sn',
          country: 'c',
          username: 'uid',
          externalId: 'entryUUID',
        },
        groups: [
          { directoryGroup: 'engineering', userGroups: ['Engineering'], profiles: ['Acrobat Pro'] },
          { directoryGroup: groupDn('design'), userGroups: ['Design'] },
        ],
        missingUsers: 'remove',
        maxRemovals: 200,
        maxRemovalPercent: 100,
        intervalMinutes: 0,
      },
    });
    assert.equal(saved.status, 200, saved.text);
  });
  after(async () => {
    await instance?.close();
    await slapd?.stop();
  });

  test('a run that creates, updates, moves and removes users is undone: preview first, conflicts skipped, only who may sync', async () => {
    const first = await runSync();
    assert.equal(first.status, 'completed', JSON.stringify(first.error));
    assert.equal(first.created, 4);
    const supportAdmin = await createAdmin(instance, instance.organizationId, 'support-admin');
    const before = await organization();

    // The directory changes: a new user, a new surname, bob leaves engineering for design,
    // carol joins engineering (and its profile), frank leaves the directory.
    await slapd.modify(
      `${personLdif({ uid: 'gina', mail: 'gina@acme.test', givenName: 'Gina', sn: 'Gray' })}\n` +
        `dn: ${personDn('alice')}\nchangetype: modify\nreplace: sn\nsn: Archer-Smith\n\n` +
        `dn: ${personDn('carol')}\nchangetype: modify\nreplace: givenName\ngivenName: Caroline\n\n` +
        `dn: ${groupDn('engineering')}\nchangetype: modify\ndelete: member\nmember: ${personDn('bob')}\n-\nadd: member\nmember: ${personDn('carol')}\nmember: ${personDn('gina')}\n\n` +
        `dn: ${groupDn('design')}\nchangetype: modify\nadd: member\nmember: ${personDn('bob')}\n\n` +
        `dn: ${personDn('frank')}\nchangetype: delete\n\n`,
    );
    const run = await runSync();
    assert.equal(run.status, 'completed', JSON.stringify(run.error));
    assert.deepEqual([run.created, run.updated, run.removed, run.failed], [1, 2, 1, 0], JSON.stringify(run));
    const applied = await organization();
    assert.notDeepEqual(applied, before);
    assert.equal(
      applied.users.find((user) => user.email === 'frank@acme.test'),
      undefined,
    );

    // Only who may run the sync may undo it.
    const other = await instance.signIn(supportAdmin.email);
    expectProblem(await other.post(`${runsPath}/${run.id}/undo`, { dryRun: true }), 403, 'auth.forbidden');
    expectProblem(await admin.post(`${runsPath}/${crypto.randomUUID()}/undo`, {}), 404, 'request.not_found');
    const badBody = expectProblem(
      await admin.post(`${runsPath}/${run.id}/undo`, { dryRun: 'yes' }),
      400,
      'request.validation_failed',
    ) as { errors?: { field: string }[] };
    assert.equal(badBody.errors?.[0]?.field, 'body.dryRun');

    // Alice is edited by hand after the run: her surname (which the run changed) is a conflict.
    const alice = applied.users.find((user) => user.email === 'alice@acme.test');
    assert.ok(alice);
    const edited = await admin.request('PATCH', `/api/v1/users/${alice.id}`, { body: { lastName: 'Hand-Edited' } });
    assert.equal(edited.status, 200, edited.text);
    const beforeUndo = await organization();

    // The preview changes nothing and says what would happen.
    const preview = await undo(run.id, true);
    assert.equal(preview.operation.dryRun, true);
    assert.equal(preview.operation.undo, true);
    assert.equal(preview.operation.sourceSyncRunId, run.id);
    assert.deepEqual(await organization(), beforeUndo);
    assert.equal(preview.operation.skippedRows, 1, JSON.stringify(preview.rows));
    const wouldRestore = preview.rows.find((row) => row.key === 'frank@acme.test');
    assert.ok(wouldRestore?.outcomes.some((outcome) => outcome.code === 'bulk.would_restore_user'));
    assert.equal((await admin.get<Run>(`${runsPath}/${run.id}`)).body.undoneBy, null);

    // The undo: back to the state before the run, except alice (skipped, listed, not overwritten).
    // Run for real from the preview (as the console does): a new undo, checked against now.
    const real = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${preview.operation.id}/run`);
    assert.equal(real.status, 202, real.text);
    const done = {
      operation: (await waitForOperation(admin, real.body.id)) as BulkOperation,
      rows: (await admin.get<{ items: BulkRow[] }>(`/api/v1/bulk-operations/${real.body.id}/rows?limit=200`)).body
        .items,
    };
    assert.deepEqual(
      [done.operation.undo, done.operation.dryRun, done.operation.sourceSyncRunId],
      [true, false, run.id],
    );
    assert.equal(done.operation.status, 'completed', JSON.stringify(done.rows));
    assert.deepEqual([done.operation.skippedRows, done.operation.failedRows], [1, 0], JSON.stringify(done.rows));
    const conflict = done.rows.find((row) => row.key === 'alice@acme.test');
    assert.equal(conflict?.status, 'skipped');
    assert.match(conflict?.message ?? '', /changed since/);
    const now = await organization();
    const aliceBefore = before.users.find((user) => user.email === 'alice@acme.test');
    assert.ok(aliceBefore);
    assert.deepEqual(now, {
      ...before,
      users: before.users.map((user) =>
        user.email === 'alice@acme.test' ? { ...user, lastName: 'Hand-Edited' } : user,
      ),
    });
    assert.equal(
      now.users.find((user) => user.email === 'gina@acme.test'),
      undefined,
      'the created user is removed',
    );

    // The run says who undid it; a second undo is refused; the audit names the run.
    const undone = await admin.get<Run>(`${runsPath}/${run.id}`);
    assert.equal(undone.body.undoneBy?.operationId, done.operation.id);
    assert.ok(undone.body.undoneBy?.at);
    expectProblem(await admin.post(`${runsPath}/${run.id}/undo`, {}), 409, 'bulk.already_undone');
    const audit = await admin.get<{ items: { action: string; after: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=directory.sync_run_undo_preview',
    );
    assert.deepEqual(audit.body.items[0]?.after, { runId: run.id, operationId: preview.operation.id });
    // The users' changes are audited with the undo operation's id, which names the run.
    const undoneEvents = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'operation_id'])
      .where('organization_id', '=', instance.organizationId)
      .where('operation_id', '=', done.operation.id)
      .execute();
    assert.ok(
      undoneEvents.some((event) => event.action === 'user.restore'),
      JSON.stringify(undoneEvents),
    );
    const created = await admin.get<{ items: { action: string; after: Record<string, unknown> }[] }>(
      `/api/v1/audit-events?action=bulk.create&target=${done.operation.id}`,
    );
    assert.equal(created.body.items[0]?.after.undoesSyncRun, run.id);

    // The undo can itself be undone (redo): the organization is as it was just before the undo.
    const redo = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${done.operation.id}/undo`, {});
    assert.equal(redo.status, 202, redo.text);
    const redone = await waitForOperation(admin, redo.body.id);
    assert.deepEqual([redone.status, redone.failedRows], ['completed', 0]);
    assert.deepEqual(await organization(), beforeUndo);

    // A preview of a sync cannot be undone.
    const started = await admin.post<{ id: string }>(runsPath, { dryRun: true });
    assert.equal(started.status, 202);
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const polled = await admin.get<Run>(`${runsPath}/${started.body.id}`);
      if (!['queued', 'running'].includes(polled.body.status)) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expectProblem(await admin.post(`${runsPath}/${started.body.id}/undo`, {}), 409, 'sync.undo_of_preview');
  });
});
