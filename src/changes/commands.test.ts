/**
 * The change engine's commands and runner: typed outcomes per item with before and after, each
 * item all or nothing, dry runs that change nothing, seats counted across the items of a run,
 * names resolved case-insensitively, and the same rules as every other path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import type { Client } from '../../test/support/client.ts';
import { startTestInstance, systemAdminActor, type TestInstance } from '../../test/support/instance.ts';
import { transaction } from '../db/database.ts';
import { createGroupsCommand, deleteGroupsCommand, updateGroupsCommand } from '../groups/groups.commands.ts';
import type { Actor } from '../roles/policy.ts';
import {
  createUsersCommand,
  deleteUsersCommand,
  removeUsersCommand,
  restoreUsersCommand,
  setUsersCommand,
} from '../users/users.commands.ts';
import { type Resolution, resolveForChange } from './resolution.ts';

describe('change engine commands', () => {
  let instance: TestInstance;
  let admin: Client;
  let actor: Actor;
  let acrobatId: string;

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    acrobatId = (await createProductWithProfiles(admin, 'Acrobat', 2, ['Acrobat Pro'])).productId;
    await createProductWithProfiles(admin, 'Photoshop', 100, ['Photoshop Std']);
    actor = await systemAdminActor(instance, 'engine-test');
  });
  after(() => instance.close());

  test('create users: set-based, typed outcomes with the new state; a bad item fails alone', async () => {
    const ctx = instance.app.ctx;
    const outcomes = await createUsersCommand(ctx, actor, [
      { email: 'one@engine.example', profiles: ['photoshop std'] },
      { email: 'two@engine.example', profiles: ['No Such Profile'] },
      { email: 'three@engine.example' },
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.index, outcome.status, outcome.code]),
      [
        [0, 'applied', 'users.created'],
        [1, 'failed', 'users.unknown_profile'],
        [2, 'applied', 'users.created'],
      ],
    );
    assert.deepEqual(outcomes[0]?.after?.profiles, ['Photoshop Std']);
    assert.equal(outcomes[0]?.before, null);
    const stored = await ctx.db
      .selectFrom('users')
      .select('email')
      .where('email', 'like', '%@engine.example')
      .execute();
    assert.deepEqual(stored.map((row) => row.email).sort(), ['one@engine.example', 'three@engine.example']);
  });

  test('bring users to a state: before and after, fields left out untouched, seats counted across items, dry run', async () => {
    const ctx = instance.app.ctx;
    await createUsersCommand(ctx, actor, [
      { email: 'a@engine.example' },
      { email: 'b@engine.example' },
      { email: 'c@engine.example' },
    ]);
    const items = ['a', 'b', 'c'].map((name) => ({
      user: { login: `${name.toUpperCase()}@ENGINE.EXAMPLE` },
      profiles: ['ACROBAT PRO'],
      lastName: 'Engine',
    }));
    const dry = await setUsersCommand(ctx, actor, items, { dryRun: true });
    assert.deepEqual(
      dry.map((outcome) => [outcome.status, outcome.code]),
      [
        ['applied', 'users.updated'],
        ['applied', 'users.updated'],
        ['failed', 'licenses.insufficient'],
      ],
    );
    const untouched = await ctx.db
      .selectFrom('users')
      .select('last_name')
      .where('email', 'in', ['a@engine.example', 'b@engine.example'])
      .execute();
    assert.deepEqual(
      untouched.map((row) => row.last_name),
      [null, null],
    );

    const real = await setUsersCommand(ctx, actor, items);
    assert.deepEqual(
      real.map((outcome) => outcome.status),
      ['applied', 'applied', 'failed'],
    );
    assert.deepEqual(
      [real[0]?.before?.profiles, real[0]?.after?.profiles, real[0]?.after?.lastName, real[0]?.after?.firstName],
      [[], ['Acrobat Pro'], 'Engine', null],
    );
    const again = await setUsersCommand(ctx, actor, [items[0] as (typeof items)[number]]);
    assert.deepEqual([again[0]?.status, again[0]?.code], ['unchanged', 'users.unchanged']);

    const stale = await setUsersCommand(ctx, actor, [
      { user: { login: 'a@engine.example' }, lastName: 'X', version: 1 },
    ]);
    assert.equal(stale[0]?.code, 'users.version_conflict');
  });

  test('admin roles by scope name, removal and restore with before-state', async () => {
    const ctx = instance.app.ctx;
    await createGroupsCommand(ctx, actor, [{ name: 'Engine Crew' }]);
    const granted = await setUsersCommand(ctx, actor, [
      { user: { login: 'c@engine.example' }, adminRoles: [{ role: 'group-admin', scope: 'engine crew' }] },
    ]);
    assert.deepEqual(granted[0]?.after?.adminRoles, [{ role: 'group-admin', scope: 'Engine Crew' }]);
    const welcome = await ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('to_address', '=', 'c@engine.example')
      .where('kind', '=', 'welcome')
      .execute();
    assert.equal(welcome.length, 1);

    const removed = await removeUsersCommand(ctx, actor, [{ user: { login: 'c@engine.example' } }]);
    assert.deepEqual(
      [removed[0]?.before?.adminRoles.length, removed[0]?.after?.status, removed[0]?.after?.adminRoles],
      [1, 'removed', []],
    );
    const rejoin = await setUsersCommand(ctx, actor, [
      { user: { login: 'c@engine.example' }, groups: ['Engine Crew'] },
    ]);
    assert.equal(rejoin[0]?.code, 'groups.removed_users');
    const restored = await restoreUsersCommand(ctx, actor, [{ user: { login: 'c@engine.example' } }]);
    assert.equal(restored[0]?.after?.status, 'active');
  });

  test('groups: create with profiles and members, replace members, change admins, delete', async () => {
    const ctx = instance.app.ctx;
    const ids = await ctx.db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('email', 'in', ['one@engine.example', 'three@engine.example', 'b@engine.example'])
      .orderBy('email')
      .execute();
    const [b, one, three] = ids.map((row) => row.id) as [string, string, string];
    const created = await createGroupsCommand(ctx, actor, [
      { name: 'Retouchers', profiles: ['photoshop std'], members: [one, three], admins: [b] },
    ]);
    assert.deepEqual(
      [created[0]?.code, created[0]?.after?.profiles, created[0]?.after?.membersCount, created[0]?.after?.admins],
      ['groups.created', ['Photoshop Std'], 2, [b]],
    );
    const updated = await updateGroupsCommand(ctx, actor, [
      { group: { name: 'retouchers' }, description: 'Photo team', members: { replace: [three, b] }, admins: [] },
    ]);
    assert.deepEqual(
      [updated[0]?.code, updated[0]?.before?.membersCount, updated[0]?.after?.membersCount, updated[0]?.after?.admins],
      ['groups.updated', 2, 2, []],
    );
    const members = await ctx.db
      .selectFrom('group_members')
      .select('user_id')
      .where('group_id', '=', created[0]?.after?.id ?? '')
      .execute();
    assert.deepEqual(members.map((row) => row.user_id).sort(), [three, b].sort());
    const deleted = await deleteGroupsCommand(ctx, actor, [
      { group: { name: 'Retouchers' } },
      { group: { name: 'Nope' } },
    ]);
    assert.deepEqual(
      deleted.map((outcome) => [outcome.status, outcome.code]),
      [
        ['applied', 'groups.deleted'],
        ['failed', 'request.not_found'],
      ],
    );
  });

  test('every command authorizes itself: a group admin changes only its group, never details, roles or other groups', async () => {
    const ctx = instance.app.ctx;
    const [own, other] = await createGroupsCommand(ctx, actor, [{ name: 'Auth Own' }, { name: 'Auth Other' }]);
    const [member] = await createUsersCommand(ctx, actor, [{ email: 'member@auth.example' }]);
    const memberId = member?.after?.id ?? '';
    const groupAdmin: Actor = {
      ...actor,
      id: memberId,
      label: 'group admin',
      grants: [{ role: 'group-admin', productId: null, profileId: null, groupId: own?.after?.id ?? null }],
    };
    const outcomes = await updateGroupsCommand(ctx, groupAdmin, [
      { group: { name: 'auth own' }, members: { add: [memberId] } },
      { group: { name: 'auth other' }, members: { add: [memberId] } },
      { group: { id: other?.after?.id ?? '' }, members: { remove: [memberId] } },
      { group: { name: 'auth own' }, name: 'Renamed by a group admin' },
      { group: { name: 'auth own' }, adminsChange: { add: [memberId] } },
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => [outcome.status, outcome.code]),
      [
        ['applied', 'groups.updated'],
        ['failed', 'auth.forbidden'],
        ['failed', 'auth.forbidden'],
        ['failed', 'auth.forbidden'],
        ['failed', 'auth.forbidden'],
      ],
    );
    const edits = await setUsersCommand(ctx, groupAdmin, [
      { user: { id: memberId }, lastName: 'Not yours' },
      { user: { id: memberId }, lastName: null, groups: ['Auth Own'] },
      { user: { id: memberId }, adminRoles: [{ role: 'support-admin' }] },
    ]);
    assert.deepEqual(
      edits.map((outcome) => [outcome.status, outcome.code]),
      [
        ['failed', 'auth.forbidden'],
        ['unchanged', 'users.unchanged'],
        ['failed', 'auth.forbidden'],
      ],
    );
    await assert.rejects(
      deleteUsersCommand(ctx, groupAdmin, [{ user: { id: memberId } }]),
      (error: Error & { code?: string }) => error.code === 'auth.forbidden',
    );
    await assert.rejects(
      createGroupsCommand(ctx, groupAdmin, [{ name: 'Not by a group admin' }]),
      (error: Error & { code?: string }) => error.code === 'auth.forbidden',
    );
    const stored = await ctx.db
      .selectFrom('user_groups')
      .select('name')
      .where('organization_id', '=', instance.organizationId)
      .where('name', 'like', '%group admin%')
      .execute();
    assert.deepEqual(stored, []);
  });

  test('names resolved once by the caller: trusted only from resolveForChange in the same transaction, rules as without', async () => {
    const ctx = instance.app.ctx;
    const org = instance.organizationId;
    const withResolution = (who: Actor, email: string, profiles: string[]) =>
      transaction(ctx.db, async (trx) => {
        const resolution = await resolveForChange(trx, org, {
          profiles,
          groups: [],
          domains: [email.split('@')[1] ?? ''],
        });
        return createUsersCommand({ ...ctx, db: trx }, who, [{ email, profiles }], { resolution });
      });
    const [created] = await withResolution(actor, 'once@resolved.example', ['PHOTOSHOP STD']);
    assert.equal(created?.status, 'applied');
    assert.deepEqual(created?.after?.profiles, ['Photoshop Std']);
    const stored = await ctx.db
      .selectFrom('users')
      .select(['id', 'version'])
      .where('email', '=', 'once@resolved.example')
      .executeTakeFirstOrThrow();
    assert.deepEqual([created?.after?.id, created?.after?.version], [stored.id, stored.version]);

    // The command still authorizes what the resolution names: an Acrobat admin gives no Photoshop.
    const acrobatAdmin: Actor = {
      ...actor,
      label: 'acrobat admin',
      grants: [{ role: 'product-admin', productId: acrobatId, profileId: null, groupId: null }],
    };
    const [denied] = await withResolution(acrobatAdmin, 'denied@resolved.example', ['Photoshop Std']);
    assert.equal(denied?.code, 'auth.forbidden');

    // Read outside the command's transaction: not trusted, the names are read again.
    await createProductWithProfiles(admin, 'Stale', 10, ['Stale Profile']);
    const stale = await resolveForChange(ctx.db, org, { profiles: ['stale profile'] });
    await ctx.db
      .updateTable('product_profiles')
      .set({ name: 'Fresh Profile' })
      .where('name', '=', 'Stale Profile')
      .execute();
    const [refused] = await createUsersCommand(
      ctx,
      actor,
      [{ email: 'stale@resolved.example', profiles: ['Stale Profile'] }],
      {
        resolution: stale,
      },
    );
    assert.equal(refused?.code, 'users.unknown_profile');

    // An object that only looks like a resolution is a bug, never input.
    const forged = { ...stale } as Resolution;
    await assert.rejects(
      createUsersCommand(ctx, actor, [{ email: 'forged@resolved.example' }], { resolution: forged }),
      /not made by resolveForChange/,
    );
  });
});
