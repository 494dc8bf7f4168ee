/**
 * Undo of bulk operations: each finished operation can be undone (a dry run previews it), the
 * organization comes back to its state before (users, memberships, profiles, licenses used, admin
 * roles), an item changed since by someone else is a conflict left alone, and an undo can be
 * undone in turn (redo).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type BulkOperation, type BulkRow, runBulk, waitForOperation } from '../../test/support/bulk.ts';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { startTestInstance, systemAdminActor, type TestInstance } from '../../test/support/instance.ts';
import { snapshotGroup } from '../groups/groups.commands.ts';
import type { Actor } from '../roles/policy.ts';
import { setUsersCommand, snapshotUsers } from '../users/users.commands.ts';

describe('undo of bulk operations', () => {
  let instance: TestInstance;
  let admin: Client;
  let actor: Actor;
  const groupIds = { Finance: '', Legal: '' };

  before(async () => {
    instance = await startTestInstance({ USHER_BULK_BATCH_ROWS: '3' });
    admin = await instance.signIn();
    await createProductWithProfiles(admin, 'Acrobat', 50, ['Acrobat Std', 'Acrobat Pro']);
    await createProductWithProfiles(admin, 'Photoshop', 50, ['Photoshop Std']);
    for (const name of ['Finance', 'Legal'] as const) {
      groupIds[name] = (await admin.post<{ id: string }>('/api/v1/groups', { name })).body.id;
    }
    const photoshop = await instance.app.ctx.db
      .selectFrom('product_profiles')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('name', '=', 'Photoshop Std')
      .executeTakeFirstOrThrow();
    await admin.post(`/api/v1/groups/${groupIds.Legal}/profiles`, { profileIds: [photoshop.id] });
    actor = await systemAdminActor(instance, 'undo-test');
  });
  after(() => instance.close());

  /** What the organization is: its present users with their details and rights, its groups, its licenses used. */
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
    const groups = await db
      .selectFrom('user_groups')
      .select(['id', 'name'])
      .where('organization_id', '=', instance.organizationId)
      .orderBy('name')
      .execute();
    const products = await db
      .selectFrom('products')
      .select(['name', 'licenses_used'])
      .where('organization_id', '=', instance.organizationId)
      .orderBy('name')
      .execute();
    return {
      users: users.map((user) => {
        const state = states.get(user.id);
        assert.ok(state);
        const { id, version, username, ...rest } = state;
        return rest;
      }),
      groups: await Promise.all(
        groups.map(async (group) => {
          const state = await snapshotGroup(db, instance.organizationId, group.id);
          assert.ok(state);
          const { id, version, ...rest } = state;
          return rest;
        }),
      ),
      licenses: products,
    };
  }

  async function rowsOf(id: string): Promise<BulkRow[]> {
    const rows = await admin.get<{ items: BulkRow[] }>(`/api/v1/bulk-operations/${id}/rows?limit=200`);
    assert.equal(rows.status, 200, rows.text);
    return rows.body.items;
  }

  /** Undoes an operation (or previews its undo) and waits for the undo. */
  async function undo(id: string, dryRun = false): Promise<{ operation: BulkOperation; rows: BulkRow[] }> {
    const started = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${id}/undo`, { dryRun });
    assert.equal(started.status, 202, started.text);
    const operation = await waitForOperation(admin, started.body.id);
    return { operation, rows: await rowsOf(started.body.id) };
  }

  const codes = (row: BulkRow | undefined) => row?.outcomes.map((outcome) => outcome.code);

  test('add-users: the preview changes nothing, the undo removes the users, a redo brings them back', async () => {
    const before = await organization();
    const added = await runBulk(
      admin,
      { type: 'add-users' },
      [
        'Email,First Name,Product Configurations,User Groups,Admin Roles,Product Configurations Administered',
        'ann@undo.example,Ann,Acrobat Std,Finance,,',
        'bob@undo.example,Bob,Acrobat Pro,Legal,,',
        'cid@undo.example,Cid,,Finance,Product Configuration Admin,Acrobat Pro',
        'ann@undo.example,Ann,,,,',
      ].join('\n'),
    );
    assert.deepEqual([added.operation.succeededRows, added.operation.failedRows], [3, 1], JSON.stringify(added.rows));
    const applied = await organization();
    assert.notDeepEqual(applied, before);

    const preview = await undo(added.operation.id, true);
    assert.equal(preview.operation.dryRun, true);
    assert.equal(preview.operation.totalRows, 3);
    assert.deepEqual(
      preview.rows.map((row) => [row.rowNumber, row.status, codes(row)]),
      [
        [1, 'succeeded', ['bulk.would_remove_user']],
        [2, 'succeeded', ['bulk.would_remove_user']],
        [3, 'succeeded', ['bulk.would_remove_user']],
      ],
    );
    assert.deepEqual(await organization(), applied, 'a preview changes nothing');
    // The preview is no undo: the operation is not undone yet.
    assert.equal(
      (await admin.get<BulkOperation & { undoneBy: unknown }>(`/api/v1/bulk-operations/${added.operation.id}`)).body
        .undoneBy,
      null,
    );

    // The preview runs for real as a new undo.
    const run = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${preview.operation.id}/run`);
    assert.equal(run.status, 202, run.text);
    const undone = await waitForOperation(admin, run.body.id);
    assert.deepEqual([undone.status, undone.succeededRows, undone.failedRows], ['completed', 3, 0]);
    assert.deepEqual(await organization(), before, 'the organization is back to its state before');
    assert.deepEqual(codes((await rowsOf(run.body.id))[0]), ['bulk.removed_user']);

    // The operation shows who undid it, and cannot be undone twice; a dry run cannot be undone.
    const original = await admin.get<{ undoneBy: { operationId: string; label: string; at: string } | null }>(
      `/api/v1/bulk-operations/${added.operation.id}`,
    );
    assert.equal(original.body.undoneBy?.operationId, run.body.id);
    assert.equal(original.body.undoneBy?.label, instance.admin.email);
    expectProblem(
      await admin.post(`/api/v1/bulk-operations/${added.operation.id}/undo`, {}),
      409,
      'bulk.already_undone',
    );
    expectProblem(
      await admin.post(`/api/v1/bulk-operations/${preview.operation.id}/undo`, {}),
      409,
      'bulk.undo_of_dry_run',
    );
    const undoOperation = await admin.get<{ undo: boolean; sourceOperationId: string }>(
      `/api/v1/bulk-operations/${run.body.id}`,
    );
    assert.deepEqual([undoOperation.body.undo, undoOperation.body.sourceOperationId], [true, added.operation.id]);

    // The changes carry the undo's id in the audit log.
    const events = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action'])
      .where('organization_id', '=', instance.organizationId)
      .where('operation_id', '=', run.body.id)
      .execute();
    assert.ok(
      events.some((event) => event.action === 'user.remove'),
      JSON.stringify(events),
    );

    // Redo: undoing the undo brings the users back with what they had.
    const redo = await undo(run.body.id);
    assert.deepEqual([redo.operation.succeededRows, redo.operation.failedRows], [3, 0], JSON.stringify(redo.rows));
    assert.deepEqual(await organization(), applied, 'the redo gives back what the operation did');
  });

  test('add-users undone deleting the users it created: those nothing refers to are gone for good, the others removed saying why', async () => {
    const before = await organization();
    const added = await runBulk(
      admin,
      { type: 'add-users' },
      [
        'Email,First Name,Product Configurations,User Groups',
        'dee@undo.example,Dee,Acrobat Std,Finance',
        'eve@undo.example,Eve,,Legal',
        'fay@undo.example,Fay,Acrobat Pro,',
      ].join('\n'),
    );
    assert.equal(added.operation.succeededRows, 3, JSON.stringify(added.rows));
    const applied = await organization();
    const ids = await instance.app.ctx.db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('organization_id', '=', instance.organizationId)
      .where('email', 'in', ['dee@undo.example', 'eve@undo.example', 'fay@undo.example'])
      .execute();
    const idOf = (email: string) => ids.find((row) => row.email === email)?.id ?? '';
    // Fay has stored content since: she is removed, not deleted.
    const content = await admin.request('PUT', `/api/v1/users/${idOf('fay@undo.example')}/content`, {
      body: { items: 3, bytes: 4096 },
    });
    assert.equal(content.status, 200, content.text);

    const started = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${added.operation.id}/undo`, {
      dryRun: true,
      deleteCreatedUsers: true,
    });
    assert.equal(started.status, 202, started.text);
    const preview = await waitForOperation(admin, started.body.id);
    const previewOperation = await admin.get<{ deleteCreatedUsers: boolean }>(`/api/v1/bulk-operations/${preview.id}`);
    assert.equal(previewOperation.body.deleteCreatedUsers, true);
    assert.deepEqual(
      (await rowsOf(preview.id)).map((row) => [row.rowNumber, row.status, codes(row), row.message]),
      [
        [1, 'succeeded', ['bulk.would_delete_user'], 'would delete dee@undo.example for good'],
        [2, 'succeeded', ['bulk.would_delete_user'], 'would delete eve@undo.example for good'],
        [
          3,
          'succeeded',
          ['bulk.would_remove_user', 'bulk.would_keep_user'],
          'would remove fay@undo.example; would keep fay@undo.example as removed, not deleted: they have stored content',
        ],
      ],
    );
    assert.deepEqual(await organization(), applied, 'a preview changes nothing');

    // The preview runs for real with the same choice.
    const run = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${preview.id}/run`);
    assert.equal(run.status, 202, run.text);
    const undone = await waitForOperation(admin, run.body.id);
    assert.deepEqual([undone.status, undone.succeededRows, undone.failedRows], ['completed', 3, 0]);
    assert.deepEqual(await organization(), before, 'present users, groups and licenses are back to before');
    const left = await instance.app.ctx.db
      .selectFrom('users')
      .select(['email', 'status'])
      .where('organization_id', '=', instance.organizationId)
      .where('id', 'in', [idOf('dee@undo.example'), idOf('eve@undo.example'), idOf('fay@undo.example')])
      .execute();
    assert.deepEqual(left, [{ email: 'fay@undo.example', status: 'removed' }]);
    const deletions = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('target_id')
      .where('organization_id', '=', instance.organizationId)
      .where('operation_id', '=', run.body.id)
      .where('action', '=', 'user.delete')
      .orderBy('target_id')
      .execute();
    assert.deepEqual(
      deletions.map((event) => event.target_id),
      [idOf('dee@undo.example'), idOf('eve@undo.example')].sort(),
    );

    // The redo cannot bring back who was deleted for good; it restores the one only removed.
    const redo = await undo(run.body.id);
    assert.deepEqual(
      redo.rows.map((row) => [row.rowNumber, row.status, codes(row)]),
      [
        [1, 'failed', ['bulk.undo_deleted_for_good']],
        [2, 'failed', ['bulk.undo_deleted_for_good']],
        [3, 'succeeded', ['bulk.restored_user', 'bulk.assigned_profile']],
      ],
    );
    const fay = await snapshotUsers(instance.app.ctx.db, instance.organizationId, [idOf('fay@undo.example')]);
    assert.deepEqual(
      [fay.get(idOf('fay@undo.example'))?.status, fay.get(idOf('fay@undo.example'))?.profiles],
      ['active', ['Acrobat Pro']],
    );
    // Leave the organization as the other tests expect it.
    await admin.post('/api/v1/users/remove', { userIds: [idOf('fay@undo.example')] });
  });

  test('deleting created users is only for the undo of operations of users, by who may delete users', async () => {
    const groups = await runBulk(
      admin,
      { type: 'add-groups' },
      ['User Group Name,Description', 'Temp,For a test'].join('\n'),
    );
    const refused = await admin.post(`/api/v1/bulk-operations/${groups.operation.id}/undo`, {
      dryRun: true,
      deleteCreatedUsers: true,
    });
    expectProblem(refused, 422, 'bulk.undo_nothing_to_delete');
    assert.match(refused.text, /body\.deleteCreatedUsers/);
    const undone = await undo(groups.operation.id);
    assert.equal(undone.operation.succeededRows, 1);
  });

  test('edit-users: details, groups, profiles and admin roles come back', async () => {
    const before = await organization();
    const edited = await runBulk(
      admin,
      { type: 'edit-users' },
      [
        'Email,First Name,Country Code,Product Configurations,User Groups,Admin Roles,User Groups Administered',
        'ann@undo.example,Annie,DE,Acrobat Pro,Legal,User Group Admin,Finance',
        'bob@undo.example,Bob,FR,,Finance,,',
      ].join('\n'),
    );
    assert.deepEqual(
      [edited.operation.succeededRows, edited.operation.failedRows],
      [2, 0],
      JSON.stringify(edited.rows),
    );
    assert.notDeepEqual(await organization(), before);
    const undone = await undo(edited.operation.id);
    assert.deepEqual(
      [undone.operation.succeededRows, undone.operation.failedRows],
      [2, 0],
      JSON.stringify(undone.rows),
    );
    assert.deepEqual(await organization(), before);
    assert.ok(codes(undone.rows[0])?.includes('bulk.revoked_role'), JSON.stringify(undone.rows[0]));
  });

  test('remove-users: the users are restored with what they lost', async () => {
    const before = await organization();
    const removed = await runBulk(
      admin,
      { type: 'remove-users' },
      ['Email', 'ann@undo.example', 'cid@undo.example'].join('\n'),
    );
    assert.deepEqual([removed.operation.succeededRows, removed.operation.failedRows], [2, 0]);
    assert.notDeepEqual(await organization(), before);
    const preview = await undo(removed.operation.id, true);
    assert.deepEqual(codes(preview.rows[0])?.[0], 'bulk.would_restore_user');
    const undone = await undo(removed.operation.id);
    assert.deepEqual(
      [undone.operation.succeededRows, undone.operation.failedRows],
      [2, 0],
      JSON.stringify(undone.rows),
    );
    assert.deepEqual(await organization(), before);
  });

  test('an item changed since by someone else is a conflict: listed, skipped, never overwritten', async () => {
    const edited = await runBulk(
      admin,
      { type: 'edit-users' },
      ['Email,First Name', 'ann@undo.example,Changed', 'bob@undo.example,Changed'].join('\n'),
    );
    assert.equal(edited.operation.succeededRows, 2);
    const ann = await instance.app.ctx.db
      .selectFrom('users')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('email', '=', 'ann@undo.example')
      .executeTakeFirstOrThrow();
    const [later] = await setUsersCommand(instance.app.ctx, { ...actor, label: 'directory sync' }, [
      { user: { id: ann.id }, firstName: 'Later' },
    ]);
    assert.equal(later?.status, 'applied');
    const undone = await undo(edited.operation.id);
    // A conflict is skipped, not failed: the undo did all it safely could.
    assert.deepEqual(
      [
        undone.operation.status,
        undone.operation.succeededRows,
        undone.operation.failedRows,
        undone.operation.skippedRows,
      ],
      ['completed', 1, 0, 1],
    );
    assert.deepEqual(
      undone.rows.map((row) => [row.status, codes(row)]),
      [
        ['skipped', ['bulk.undo_conflict']],
        ['succeeded', ['bulk.updated_user']],
      ],
    );
    const skipped = await admin.get<{ items: BulkRow[] }>(
      `/api/v1/bulk-operations/${undone.operation.id}/rows?status=skipped`,
    );
    assert.deepEqual(
      skipped.body.items.map((row) => row.rowNumber),
      [1],
    );
    const csv = await admin.get(`/api/v1/bulk-operations/${undone.operation.id}/results.csv`);
    assert.match(csv.text, /Skipped/);
    // The finished e-mail says it is an undo, of which operation, and counts the skipped row.
    const mail = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['data'])
      .where('kind', '=', 'bulk_finished')
      .execute();
    const told = mail
      .map((message) => message.data as Record<string, unknown>)
      .find((data) => data.operationId === undone.operation.id);
    assert.deepEqual(
      [told?.undo, told?.undoneOperationId, told?.undoneInitiator, told?.skipped, told?.failed],
      [true, edited.operation.id, instance.admin.email, 1, 0],
    );
    assert.equal(undone.rows[0]?.outcomes[0]?.params?.by, 'directory sync');
    assert.match(undone.rows[0]?.message ?? '', /changed since by directory sync .*not overwritten/);
    const names = await instance.app.ctx.db
      .selectFrom('users')
      .select(['email', 'first_name'])
      .where('organization_id', '=', instance.organizationId)
      .where('email', 'in', ['ann@undo.example', 'bob@undo.example'])
      .orderBy('email')
      .execute();
    assert.deepEqual(
      names.map((user) => user.first_name),
      ['Later', 'Bob'],
    );
  });

  test('an edit in flight when the undo checks is seen, never overwritten: the check and the write hold the same locks', {
    skip:
      !process.env.TEST_DATABASE_URL &&
      'the embedded database runs one transaction at a time: no edit can come between the check and the write',
  }, async () => {
    const db = instance.app.ctx.db;
    const edited = await runBulk(admin, { type: 'edit-users' }, 'Email,First Name\nbob@undo.example,Raced\n');
    assert.equal(edited.operation.succeededRows, 1);
    const bob = await db
      .selectFrom('users')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('email', '=', 'bob@undo.example')
      .executeTakeFirstOrThrow();
    // Another writer has changed Bob and not committed yet when the undo's batch checks him.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let updated = () => {};
    const written = new Promise<void>((resolve) => {
      updated = resolve;
    });
    const concurrent = db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ first_name: 'Concurrent' }).where('id', '=', bob.id).execute();
      updated();
      await held;
    });
    await written;
    const started = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${edited.operation.id}/undo`, {});
    assert.equal(started.status, 202, started.text);
    // The undo's batch waits on Bob's row; then the other writer commits.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const waiting = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
      if ((waiting.rows[0]?.n ?? 0) > 0) {
        break;
      }
      assert.ok(Date.now() < deadline, 'the undo never waited on the row being edited');
      await new Promise((resolve) => setImmediate(resolve));
    }
    release();
    await concurrent;
    const operation = await waitForOperation(admin, started.body.id);
    const rows = await rowsOf(started.body.id);
    assert.deepEqual(
      rows.map((row) => [row.status, codes(row)]),
      [['skipped', ['bulk.undo_conflict']]],
    );
    assert.deepEqual([operation.status, operation.skippedRows], ['completed', 1]);
    const now = await db.selectFrom('users').select('first_name').where('id', '=', bob.id).executeTakeFirstOrThrow();
    assert.equal(now.first_name, 'Concurrent', 'the edit committed during the undo is kept');
    await setUsersCommand(instance.app.ctx, actor, [{ user: { id: bob.id }, firstName: 'Bob' }]);
  });

  test('add-groups: the groups are deleted with their admins and profiles, a redo creates them again', async () => {
    const before = await organization();
    const added = await runBulk(
      admin,
      { type: 'add-groups' },
      [
        'User Group Name,Description,User Group Admins,Assigned Product Profiles',
        'Sales,Sales team,Personal ID-ann@undo.example,Acrobat Std',
        'Ops,,,Photoshop Std',
      ].join('\n'),
    );
    assert.deepEqual([added.operation.succeededRows, added.operation.failedRows], [2, 0], JSON.stringify(added.rows));
    const applied = await organization();
    const undone = await undo(added.operation.id);
    assert.deepEqual(
      [undone.operation.succeededRows, undone.operation.failedRows],
      [2, 0],
      JSON.stringify(undone.rows),
    );
    assert.deepEqual(codes(undone.rows[0]), ['bulk.deleted_group']);
    assert.deepEqual(await organization(), before);
    const redo = await undo(undone.operation.id);
    assert.deepEqual([redo.operation.succeededRows, redo.operation.failedRows], [2, 0], JSON.stringify(redo.rows));
    // A group created again has a new id: compared by names.
    const byName = (state: Awaited<ReturnType<typeof organization>>) => ({
      ...state,
      users: state.users.map(({ groupIds, adminRoleScopeIds, ...user }) => user),
    });
    assert.deepEqual(byName(await organization()), byName(applied));
  });

  test('edit-groups: description, admins and profiles come back', async () => {
    const before = await organization();
    const edited = await runBulk(
      admin,
      { type: 'edit-groups' },
      [
        'User Group Name,Description,User Group Admins,Assigned Product Profiles',
        'Sales,Changed,Personal ID-bob@undo.example,Acrobat Pro',
        'Ops,Operations,,',
      ].join('\n'),
    );
    assert.deepEqual(
      [edited.operation.succeededRows, edited.operation.failedRows],
      [2, 0],
      JSON.stringify(edited.rows),
    );
    assert.notDeepEqual(await organization(), before);
    const undone = await undo(edited.operation.id);
    assert.deepEqual(
      [undone.operation.succeededRows, undone.operation.failedRows],
      [2, 0],
      JSON.stringify(undone.rows),
    );
    assert.deepEqual(await organization(), before);
  });

  test('add and remove group members: the memberships and the licenses they gave come back', async () => {
    const sales = await instance.app.ctx.db
      .selectFrom('user_groups')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('name', '=', 'Sales')
      .executeTakeFirstOrThrow();
    const before = await organization();
    const added = await runBulk(
      admin,
      { type: 'add-group-members', groupId: sales.id },
      'Email\nbob@undo.example\ncid@undo.example\n',
    );
    assert.deepEqual([added.operation.succeededRows, added.operation.failedRows], [2, 0], JSON.stringify(added.rows));
    assert.notDeepEqual(await organization(), before);
    const undoneAdd = await undo(added.operation.id);
    assert.deepEqual(undoneAdd.rows.map(codes), [['bulk.removed_member'], ['bulk.removed_member']]);
    assert.deepEqual(await organization(), before);

    const removed = await runBulk(
      admin,
      { type: 'remove-group-members', groupId: groupIds.Legal },
      'Email\nbob@undo.example\n',
    );
    assert.deepEqual(
      [removed.operation.succeededRows, removed.operation.failedRows],
      [1, 0],
      JSON.stringify(removed.rows),
    );
    assert.notDeepEqual(await organization(), before);
    const undoneRemove = await undo(removed.operation.id);
    assert.deepEqual(undoneRemove.rows.map(codes), [['bulk.added_member']]);
    assert.deepEqual(await organization(), before);
  });

  test('a group given members since it was added is a conflict, not deleted', async () => {
    const added = await runBulk(admin, { type: 'add-groups' }, 'User Group Name\nTemp\n');
    assert.equal(added.operation.succeededRows, 1);
    const temp = await instance.app.ctx.db
      .selectFrom('user_groups')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('name', '=', 'Temp')
      .executeTakeFirstOrThrow();
    const joined = await runBulk(admin, { type: 'add-group-members', groupId: temp.id }, 'Email\nbob@undo.example\n');
    assert.equal(joined.operation.succeededRows, 1);
    const undone = await undo(added.operation.id);
    assert.deepEqual(
      undone.rows.map((row) => [row.status, codes(row)]),
      [['skipped', ['bulk.undo_conflict']]],
    );
    assert.deepEqual([undone.operation.status, undone.operation.skippedRows], ['completed', 1]);
    assert.ok(await snapshotGroup(instance.app.ctx.db, instance.organizationId, temp.id), 'the group is kept');
  });

  test('an unfinished or unknown operation cannot be undone; the body is checked', async () => {
    expectProblem(
      await admin.post('/api/v1/bulk-operations/00000000-0000-4000-8000-000000000000/undo', {}),
      404,
      'request.not_found',
    );
    const created = await admin.post(`/api/v1/bulk-operations/00000000-0000-4000-8000-000000000000/undo`, {
      dryRun: 'yes',
    });
    assert.equal(created.status, 400, created.text);
  });
});
