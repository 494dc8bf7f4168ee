/**
 * CSV rows go through the change engine: a row gives the same state and the same audit event as
 * the same change made by the command, the writers' rules refuse what they refuse everywhere, each
 * applied row keeps its state before and after (with ids and names, for undo), and edit-users
 * batches in flight at once on PostgreSQL neither deadlock nor lose a row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runBulk } from '../../test/support/bulk.ts';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import type { Client } from '../../test/support/client.ts';
import { startTestInstance, systemAdminActor, type TestInstance } from '../../test/support/instance.ts';
import type { Actor } from '../roles/policy.ts';
import { setUsersCommand, snapshotUsers, type UserState } from '../users/users.commands.ts';

describe('bulk rows through the change engine', () => {
  let instance: TestInstance;
  let admin: Client;
  let actor: Actor;
  const groupIds = { Finance: '', Legal: '' };

  before(async () => {
    instance = await startTestInstance({ USHER_BULK_BATCH_ROWS: '40', USHER_BULK_CONCURRENT_BATCHES: '2' });
    admin = await instance.signIn();
    await createProductWithProfiles(admin, 'Acrobat', 500, ['Acrobat Std', 'Acrobat Pro']);
    for (const name of ['Finance', 'Legal'] as const) {
      groupIds[name] = (await admin.post<{ id: string }>('/api/v1/groups', { name })).body.id;
    }
    await admin.post(`/api/v1/groups/${groupIds.Legal}/profiles`, {
      profileIds: [(await profileId('Acrobat Pro')) ?? ''],
    });
    actor = await systemAdminActor(instance, 'bulk-engine-test');
  });
  after(() => instance.close());

  async function profileId(name: string): Promise<string | undefined> {
    const row = await instance.app.ctx.db
      .selectFrom('product_profiles')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.id;
  }

  async function addUsers(users: { email: string; profiles?: string[]; groups?: string[] }[]): Promise<string[]> {
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', { users });
    assert.equal(added.status, 201, added.text);
    return added.body.items.map((user) => user.id);
  }

  const state = async (id: string): Promise<UserState> => {
    const found = (await snapshotUsers(instance.app.ctx.db, instance.organizationId, [id])).get(id);
    assert.ok(found);
    return found;
  };

  /** What is the same for two users given the same change: everything but who they are. */
  const comparable = ({ id, email, username, version, ...rest }: UserState) => rest;

  const storedChanges = async (operationId: string) =>
    (
      await instance.app.ctx.db
        .selectFrom('bulk_operation_rows')
        .select(['row_number', 'changes'])
        .where('operation_id', '=', operationId)
        .orderBy('row_number')
        .execute()
    ).map((row) => row.changes as { before: UserState; after: UserState } | null);

  test('an edit-users row and setUsersCommand give the same state, the same audit event and the same e-mails', async () => {
    const [byCsv = '', byCommand = ''] = await addUsers([
      { email: 'twin.csv@engine.example', profiles: ['Acrobat Std'], groups: ['Finance'] },
      { email: 'twin.cmd@engine.example', profiles: ['Acrobat Std'], groups: ['Finance'] },
    ]);
    const result = await runBulk(
      admin,
      { type: 'edit-users' },
      [
        'Email,Last Name,Country Code,Product Configurations,User Groups,Admin Roles,User Groups Administered',
        'twin.csv@engine.example,Twin,de,,Legal,User Group Admin,Finance',
      ].join('\n'),
    );
    assert.equal(result.rows[0]?.status, 'succeeded', result.rows[0]?.message ?? '');
    assert.equal(
      result.rows[0]?.message,
      'updated twin.csv@engine.example; unassigned Acrobat Std; added to Legal; removed from Finance; granted User Group Admin (Finance)',
    );
    const [outcome] = await setUsersCommand(instance.app.ctx, actor, [
      {
        user: { id: byCommand },
        lastName: 'Twin',
        country: 'DE',
        profiles: [],
        groups: ['Legal'],
        adminRoles: [{ role: 'group-admin', scope: 'Finance' }],
      },
    ]);
    assert.equal(outcome?.status, 'applied', outcome?.message ?? '');
    const csvState = await state(byCsv);
    assert.deepEqual(comparable(csvState), comparable(await state(byCommand)));
    assert.deepEqual(csvState.groups, ['Legal']);
    assert.deepEqual(csvState.profiles, []);

    const events = async (id: string) =>
      (
        await instance.app.ctx.db
          .selectFrom('audit_events')
          .select(['action', 'before', 'after'])
          .where('target_id', '=', id)
          .where('action', '!=', 'user.create')
          .orderBy('action')
          .execute()
      ).map((event) => ({ action: event.action, before: rowless(event.before), after: rowless(event.after) }));
    // An admin-role event names its assignment's row, which differs between two users by nature.
    const rowless = (value: unknown) =>
      value !== null && typeof value === 'object' && 'id' in value && 'role' in value
        ? { ...value, id: '<row>' }
        : value;
    const csvEvents = await events(byCsv);
    assert.deepEqual(
      csvEvents.map((event) => event.action),
      ['admin_role.assign', 'user.update'],
    );
    assert.deepEqual(csvEvents, await events(byCommand));

    // The same e-mails, but for their one-time links.
    const mail = async (id: string) =>
      (
        await instance.app.ctx.db
          .selectFrom('outbox_messages')
          .select(['kind', 'data'])
          .where('user_id', '=', id)
          .execute()
      )
        .map((message) => {
          const { token, expiresAt, ...data } = message.data as Record<string, unknown>;
          return JSON.stringify({ kind: message.kind, data, link: token !== undefined && expiresAt !== undefined });
        })
        .sort();
    assert.deepEqual(await mail(byCsv), await mail(byCommand));

    // The row keeps the state before and after, as the command answered them.
    const [changes] = await storedChanges(result.operation.id);
    assert.deepEqual(changes?.after, csvState);
    assert.deepEqual(changes?.before.profiles, ['Acrobat Std']);
    assert.deepEqual(changes?.before.groups, ['Finance']);
    assert.deepEqual(changes?.before.groupIds, [groupIds.Finance]);
  });

  test('a removed user in an edit-users row with groups or profiles is refused by the writers, and the other rows apply', async () => {
    const [gone = '', kept = '', goneToo = ''] = await addUsers([
      { email: 'gone@engine.example' },
      { email: 'kept@engine.example' },
      { email: 'gone.too@engine.example' },
    ]);
    assert.equal((await admin.post('/api/v1/users/remove', { userIds: [gone, goneToo] })).status, 200);
    const result = await runBulk(
      admin,
      { type: 'edit-users' },
      [
        'Email;User Groups;Product Configurations',
        "gone@engine.example;'Legal';",
        "kept@engine.example;'Legal';",
        "gone.too@engine.example;;'Acrobat Pro'",
      ].join('\n'),
    );
    assert.deepEqual(
      result.rows.map((row) => row.status),
      ['failed', 'succeeded', 'failed'],
    );
    // The refusals are the membership writer's and the profile writer's, as on every other path.
    assert.match(result.rows[0]?.message ?? '', /^Removed users cannot join a group: restore them first\./);
    assert.match(result.rows[0]?.message ?? '', /gone@engine\.example is removed/);
    assert.equal(
      result.rows[2]?.message,
      'gone.too@engine.example is removed: restore the user first, then give profiles or groups.',
    );
    assert.deepEqual((await state(gone)).groups, []);
    assert.deepEqual((await state(goneToo)).profiles, []);
    assert.deepEqual((await state(kept)).groups, ['Legal']);
    assert.deepEqual(await storedChanges(result.operation.id).then((rows) => rows.map((row) => row !== null)), [
      false,
      true,
      false,
    ]);
    assert.deepEqual(
      result.rows.map((row) => row.changes),
      await storedChanges(result.operation.id),
      "the rows API answers each row's before and after, null for rows that changed nothing",
    );
  });

  test('a remove-users row keeps the profiles, groups and admin roles it took, with ids and names', async () => {
    const [leaving = ''] = await addUsers([
      { email: 'leaving@engine.example', profiles: ['Acrobat Std'], groups: ['Finance'] },
    ]);
    const granted = await admin.post(`/api/v1/users/${leaving}/admin-roles`, {
      role: 'group-admin',
      scopeId: groupIds.Legal,
    });
    assert.ok([200, 201].includes(granted.status), granted.text);
    const result = await runBulk(admin, { type: 'remove-users' }, 'Email\nleaving@engine.example');
    assert.equal(result.rows[0]?.status, 'succeeded', result.rows[0]?.message ?? '');
    const [changes] = await storedChanges(result.operation.id);
    assert.deepEqual(result.rows[0]?.changes, changes, 'the rows API answers what the row changed');
    assert.equal(changes?.before.status, 'active');
    assert.deepEqual(
      [changes?.before.profiles, changes?.before.profileIds],
      [['Acrobat Std'], [await profileId('Acrobat Std')]],
    );
    assert.deepEqual([changes?.before.groups, changes?.before.groupIds], [['Finance'], [groupIds.Finance]]);
    assert.deepEqual(
      [changes?.before.adminRoles, changes?.before.adminRoleScopeIds],
      [[{ role: 'group-admin', scope: 'Legal' }], [groupIds.Legal]],
    );
    assert.equal(changes?.after.status, 'removed');
    assert.deepEqual([changes?.after.profiles, changes?.after.groups, changes?.after.adminRoles], [[], [], []]);
  });

  test('add-users and add-group-members rows keep the state they made', async () => {
    const added = await runBulk(
      admin,
      { type: 'add-users' },
      [
        'Email,Product Configurations,User Groups,Admin Roles',
        'fresh@engine.example,Acrobat Std,Finance,Support Admin',
      ].join('\n'),
    );
    assert.equal(added.rows[0]?.status, 'succeeded', added.rows[0]?.message ?? '');
    const [created] = await storedChanges(added.operation.id);
    assert.equal(created?.before, null);
    assert.equal(created?.after.email, 'fresh@engine.example');
    assert.deepEqual(
      [created?.after.profiles, created?.after.groups, created?.after.adminRoles],
      [['Acrobat Std'], ['Finance'], [{ role: 'support-admin', scope: null }]],
    );
    const freshId = created?.after.id ?? '';

    const joined = await runBulk(
      admin,
      { type: 'add-group-members', groupId: groupIds.Legal },
      ['Email', 'fresh@engine.example', 'FRESH@engine.example', 'nobody@engine.example'].join('\n'),
    );
    assert.deepEqual(
      joined.rows.map((row) => row.outcomes.map((outcome) => outcome.code).join()),
      ['bulk.added_member', 'bulk.duplicate_row', 'bulk.unknown_user'],
    );
    const rows = await storedChanges(joined.operation.id);
    assert.deepEqual(rows[0], {
      before: { groupId: groupIds.Legal, group: 'Legal', userId: freshId, member: false },
      after: { groupId: groupIds.Legal, group: 'Legal', userId: freshId, member: true },
    });
    assert.deepEqual((await state(freshId)).groups, ['Finance', 'Legal']);
  });

  test('add-groups and edit-groups rows keep the group before and after', async () => {
    const added = await runBulk(
      admin,
      { type: 'add-groups' },
      ['User Group Name,Description,Assigned Product Profiles', 'Auditors,Checks,acrobat std'].join('\n'),
    );
    assert.deepEqual(
      added.rows[0]?.outcomes.map((outcome) => outcome.code),
      ['bulk.added_group', 'bulk.assigned_profile'],
    );
    assert.equal(added.rows[0]?.message, 'added group Auditors; assigned Acrobat Std');
    const edited = await runBulk(
      admin,
      { type: 'edit-groups' },
      ['User Group Name,Description,Assigned Product Profiles', 'auditors,Reviews,Acrobat Pro'].join('\n'),
    );
    assert.equal(edited.rows[0]?.message, 'updated group Auditors; assigned Acrobat Pro; unassigned Acrobat Std');
    const [changes] = (await storedChanges(edited.operation.id)) as unknown as {
      before: { description: string; profiles: string[] };
      after: { description: string; profiles: string[] };
    }[];
    assert.deepEqual(
      [changes?.before.description, changes?.before.profiles, changes?.after.description, changes?.after.profiles],
      ['Checks', ['Acrobat Std'], 'Reviews', ['Acrobat Pro']],
    );
  });

  test('edit-users batches in flight at once, moving users between groups, apply every row once', async () => {
    const emails = Array.from({ length: 200 }, (_, index) => `mover${index}@engine.example`);
    const ids = await addUsers(emails.map((email, index) => ({ email, groups: [index % 2 ? 'Finance' : 'Legal'] })));
    // Half of the rows move Finance → Legal, the other half Legal → Finance, in batches of 40.
    const file = [
      'Email;User Groups',
      ...emails.map((email, index) => `${email};'${index % 2 ? 'Legal' : 'Finance'}'`),
    ];
    const result = await runBulk(admin, { type: 'edit-users' }, file.join('\n'));
    assert.deepEqual(
      [result.operation.status, result.operation.succeededRows, result.operation.failedRows],
      ['completed', 200, 0],
    );
    const states = await snapshotUsers(instance.app.ctx.db, instance.organizationId, ids);
    assert.deepEqual(
      ids.map((id) => states.get(id)?.groups),
      ids.map((_, index) => [index % 2 ? 'Legal' : 'Finance']),
    );
    const audited = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('operation_id', '=', result.operation.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(audited.count), 200);
  });
});
