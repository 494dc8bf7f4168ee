import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { queueWelcomeForGroupGrant } from '../outbox/welcome.ts';
import { USER_CSV_HEADERS } from '../users/users.csv.ts';
import { findDeletedGroupMemberIds } from './groups.deletions.ts';

interface Group {
  id: string;
  name: string;
  description: string | null;
  membersCount: number;
  version: number;
  profiles: { name: string }[];
  admins: { email: string }[];
}
type AuditJson = Record<string, unknown>;
interface User {
  id: string;
  email: string;
}
interface Detail {
  profiles: { name: string; via: string }[];
  groups: { name: string }[];
}

describe('user groups', () => {
  let instance: TestInstance;
  let admin: Client;
  let catalog: { productId: string; profiles: Record<string, string> };
  const user: Record<string, User> = {};

  before(async () => {
    instance = await startTestInstance({ USHER_GROUP_WARN_MEMBERS: '2', USHER_GROUP_MAX_MEMBERS: '4' });
    admin = await instance.signIn();
    catalog = await createProductWithProfiles(admin, 'Photoshop', 4, [
      'Photoshop Team',
      'Photoshop Extra',
      'Photoshop Late',
    ]);
    const added = await admin.post<{ items: User[] }>('/api/v1/users', {
      users: ['ala', 'bartek', 'celina', 'darek', 'ewa'].map((name) => ({ email: `${name}@groups.example` })),
    });
    for (const item of added.body.items) {
      user[item.email.split('@')[0] ?? ''] = item;
    }
  });
  after(() => instance.close());

  const used = async () =>
    (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${catalog.productId}`)).body.licensesUsed;
  const idsOf = (...names: string[]) => names.map((name) => user[name]?.id ?? '');
  const profile = (name: string) => catalog.profiles[name] ?? '';

  test('creates, renames with optimistic concurrency, refuses duplicates and over-long names', async () => {
    const created = await admin.post<Group>('/api/v1/groups', { name: 'Designers', description: 'Creative team' });
    assert.equal(created.status, 201);
    expectProblem(await admin.post('/api/v1/groups', { name: 'designers' }), 409, 'groups.name_taken');
    const long = expectProblem(
      await admin.post('/api/v1/groups', { name: 'x'.repeat(256) }),
      400,
      'request.validation_failed',
    );
    assert.equal((long.errors as { field: string }[])[0]?.field, 'body.name');
    expectProblem(
      await admin.post('/api/v1/groups', { name: 'ok', description: 'y'.repeat(256) }),
      400,
      'request.validation_failed',
    );
    const renamed = await admin.patch<Group>(`/api/v1/groups/${created.body.id}`, {
      name: 'Design',
      version: created.body.version,
    });
    assert.deepEqual([renamed.body.name, renamed.body.version], ['Design', 2]);
    expectProblem(
      await admin.patch(`/api/v1/groups/${created.body.id}`, {
        description: 'stale edit',
        version: created.body.version,
      }),
      409,
      'groups.version_conflict',
    );
    const cleared = await admin.patch<Group>(`/api/v1/groups/${created.body.id}`, { description: null, version: 2 });
    assert.equal(cleared.body.description, null);
  });

  test('lists by name, A to Z or Z to A; a cursor of one order is refused by the other', async () => {
    for (const name of ['Sort b', 'sort C', 'Sort a']) {
      assert.equal((await admin.post('/api/v1/groups', { name })).status, 201);
    }
    const pages = async (sort: string) => {
      const names: string[] = [];
      const cursors: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; text: string; body: { items: Group[]; nextCursor: string | null } } =
          await admin.get(`/api/v1/groups?search=sort&sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(page.status, 200, page.text);
        names.push(...page.body.items.map((group) => group.name));
        cursor = page.body.nextCursor;
        if (cursor) {
          cursors.push(cursor);
        }
      } while (cursor);
      return { names, cursors };
    };
    const ascending = await pages('name');
    assert.deepEqual(ascending.names, ['Sort a', 'Sort b', 'sort C']);
    const descending = await pages('-name');
    assert.deepEqual(descending.names, ['sort C', 'Sort b', 'Sort a']);
    // The first page counts the groups of the search; the next pages do not count again.
    const first = await admin.get<{ nextCursor: string; total: unknown }>('/api/v1/groups?search=sort&limit=1');
    assert.deepEqual(first.body.total, { total: 3, exact: true });
    const next = await admin.get<{ total: unknown }>(
      `/api/v1/groups?search=sort&limit=1&cursor=${first.body.nextCursor}`,
    );
    assert.equal(next.body.total, null);
    expectProblem(
      await admin.get(`/api/v1/groups?sort=-name&cursor=${ascending.cursors[0]}`),
      400,
      'request.validation_failed',
    );
    expectProblem(await admin.get(`/api/v1/groups?cursor=${descending.cursors[0]}`), 400, 'request.validation_failed');
    expectProblem(await admin.get('/api/v1/groups?sort=members'), 400, 'request.validation_failed');
  });

  test("members get the group's profiles, one license each; seats, warning and guard hold; removal takes them back", async () => {
    const id = (await admin.post<Group>('/api/v1/groups', { name: 'Photo' })).body.id;
    assert.deepEqual(
      (await admin.post(`/api/v1/groups/${id}/members`, { userIds: idsOf('ala', 'bartek', 'celina') })).body,
      {
        added: 3,
        created: 0,
      },
    );
    const assigned = await admin.post<{ assigned: number; membersCount: number; warning: string | null }>(
      `/api/v1/groups/${id}/profiles`,
      {
        profileIds: [profile('Photoshop Team'), profile('Photoshop Extra')],
      },
    );
    assert.equal(assigned.status, 200, assigned.text);
    assert.equal(assigned.body.assigned, 2);
    assert.match(assigned.body.warning ?? '', /3 members/);
    assert.equal(await used(), 3, 'two profiles of one product: one license per member');
    // Welcome e-mails of a group grant are written by a background job after the commit.
    let welcomes: { to_address: string }[] = [];
    for (let attempt = 0; attempt < 100 && welcomes.length < 3; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      welcomes = await instance.app.ctx.db
        .selectFrom('outbox_messages')
        .select('to_address')
        .where('kind', '=', 'welcome')
        .execute();
    }
    assert.deepEqual(welcomes.map((row) => row.to_address).sort(), [
      'ala@groups.example',
      'bartek@groups.example',
      'celina@groups.example',
    ]);

    const refused = expectProblem(
      await admin.post(`/api/v1/groups/${id}/members`, {
        userIds: idsOf('darek'),
        newUsers: [{ email: 'new.member@groups.example' }],
      }),
      422,
      'licenses.insufficient',
    );
    assert.match(String(refused.detail), /needs 1 more license of Photoshop/);
    assert.equal((await admin.get<Group>(`/api/v1/groups/${id}`)).body.membersCount, 3, 'nothing half-applied');
    const created = await admin.get<{ items: unknown[] }>('/api/v1/users?search=new.member');
    assert.deepEqual(created.body.items, [], 'the new user was not created either');

    assert.deepEqual((await admin.post(`/api/v1/groups/${id}/members`, { userIds: idsOf('darek') })).body, {
      added: 1,
      created: 0,
    });
    assert.equal(await used(), 4);
    const darek = await admin.get<Detail>(`/api/v1/users/${user.darek?.id}`);
    assert.deepEqual(
      darek.body.profiles.map((entry) => [entry.name, entry.via]),
      [
        ['Photoshop Extra', 'Photo'],
        ['Photoshop Team', 'Photo'],
      ],
    );

    // The grant's welcome job may run after a later join: it welcomes those who were members at
    // the grant only (darek joined later and has his own welcome, from his join).
    const darekWelcomes = async () =>
      (
        await instance.app.ctx.db
          .selectFrom('outbox_messages')
          .select('id')
          .where('kind', '=', 'welcome')
          .where('to_address', '=', 'darek@groups.example')
          .execute()
      ).length;
    for (let attempt = 0; attempt < 100 && (await darekWelcomes()) === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const grant = await instance.app.ctx.db
      .selectFrom('group_profiles')
      .select(sql<string>`max(created_at)::text`.as('at'))
      .where('group_id', '=', id)
      .executeTakeFirstOrThrow();
    await queueWelcomeForGroupGrant(
      instance.app.ctx.db,
      {
        organizationId: instance.organizationId,
        groupId: id,
        productIds: [catalog.productId],
        grantedAt: grant.at,
        joinedOnly: false,
      },
      null,
      null,
    );
    assert.equal(await darekWelcomes(), 1, 'one welcome for darek: his join, not the earlier grant');

    assert.equal((await admin.delete(`/api/v1/groups/${id}/members/${user.ala?.id}`)).status, 204);
    assert.equal(await used(), 3);
    assert.deepEqual((await admin.get<Detail>(`/api/v1/users/${user.ala?.id}`)).body.profiles, []);

    await admin.patch(`/api/v1/products/${catalog.productId}`, { licenseQuantity: 10 });
    await admin.post(`/api/v1/groups/${id}/members`, { userIds: idsOf('ala', 'ewa') });
    const guarded = expectProblem(
      await admin.post(`/api/v1/groups/${id}/profiles`, { profileIds: [profile('Photoshop Late')] }),
      422,
      'groups.too_large',
    );
    assert.match(String(guarded.detail), /USHER_GROUP_MAX_MEMBERS/);

    assert.equal((await admin.delete(`/api/v1/groups/${id}/profiles/${profile('Photoshop Extra')}`)).status, 204);
    assert.equal(await used(), 5, 'the other profile of the product still gives the license');
    assert.equal((await admin.delete(`/api/v1/groups/${id}/profiles/${profile('Photoshop Team')}`)).status, 204);
    assert.equal(await used(), 0);
    expectProblem(
      await admin.delete(`/api/v1/groups/${id}/profiles/${profile('Photoshop Team')}`),
      404,
      'request.not_found',
    );
  });

  test('deleting groups previews and takes only the profiles that came from them', async () => {
    const a = (await admin.post<Group>('/api/v1/groups', { name: 'Alpha' })).body.id;
    const b = (await admin.post<Group>('/api/v1/groups', { name: 'Beta' })).body.id;
    await admin.post(`/api/v1/groups/${a}/members`, { userIds: idsOf('ala', 'bartek', 'celina') });
    await admin.post(`/api/v1/groups/${b}/members`, { userIds: idsOf('bartek') });
    await admin.patch(`/api/v1/users/${user.celina?.id}`, { profiles: ['Photoshop Team'] });
    await admin.post(`/api/v1/groups/${a}/profiles`, { profileIds: [profile('Photoshop Team')] });
    await admin.post(`/api/v1/groups/${b}/profiles`, { profileIds: [profile('Photoshop Team')] });
    assert.equal(await used(), 3);
    const preview = await admin.post<{
      losses: { profileName: string; users: number }[];
      groups: { membersCount: number }[];
    }>('/api/v1/groups/deletion-preview', { groupIds: [a] });
    assert.deepEqual(
      preview.body.losses.map((loss) => [loss.profileName, loss.users]),
      [['Photoshop Team', 1]],
      'only ala loses it',
    );
    assert.deepEqual(
      preview.body.groups.map((group) => group.membersCount),
      [3],
    );
    assert.deepEqual((await admin.post('/api/v1/groups/delete', { groupIds: [a] })).body, { deleted: 1 });
    assert.equal(await used(), 2);
    const deletion = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'before'])
      .where('target_id', '=', a)
      .where('action', 'like', 'group.delete%')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      deletion.map((event) => [
        event.action,
        (event.before as AuditJson).profiles,
        (event.before as AuditJson).membersCount,
      ]),
      [['group.delete', [{ id: profile('Photoshop Team'), name: 'Photoshop Team', product: 'Photoshop' }], 3]],
    );
    assert.deepEqual(
      await findDeletedGroupMemberIds(instance.app.ctx.db, instance.organizationId, a),
      idsOf('ala', 'bartek', 'celina').sort(),
      'the members are kept once, with the deleted group',
    );
    assert.deepEqual((await admin.get<Detail>(`/api/v1/users/${user.ala?.id}`)).body.profiles, []);
    assert.equal((await admin.get<Detail>(`/api/v1/users/${user.bartek?.id}`)).body.profiles[0]?.via, 'Beta');
    expectProblem(await admin.get(`/api/v1/groups/${a}`), 404, 'request.not_found');
    assert.equal((await admin.delete(`/api/v1/groups/${b}`)).status, 204);
    assert.equal(await used(), 1, 'celina keeps her direct profile');
  });

  test("group admins manage their group's members only; product admins add existing users only", async () => {
    const mine = (await admin.post<Group>('/api/v1/groups', { name: 'Mine' })).body.id;
    const other = (await admin.post<Group>('/api/v1/groups', { name: 'Other' })).body.id;
    const groupAdmin = await createAdmin(instance, instance.organizationId, 'group-admin', { groupId: mine });
    const ga = await instance.signIn(groupAdmin.email);
    assert.deepEqual(
      (
        await ga.post(`/api/v1/groups/${mine}/members`, {
          userIds: idsOf('ewa'),
          newUsers: [{ email: 'by.ga@groups.example' }],
        })
      ).body,
      {
        added: 1,
        created: 1,
      },
    );
    expectProblem(await ga.post(`/api/v1/groups/${other}/members`, { userIds: idsOf('ewa') }), 403, 'auth.forbidden');
    expectProblem(
      await ga.post(`/api/v1/groups/${mine}/profiles`, { profileIds: [profile('Photoshop Late')] }),
      403,
      'auth.forbidden',
    );
    expectProblem(await ga.patch(`/api/v1/groups/${mine}`, { name: 'Renamed' }), 403, 'auth.forbidden');
    assert.deepEqual(
      (await ga.get<{ items: Group[] }>('/api/v1/groups')).body.items.map((group) => group.name),
      ['Mine'],
    );
    assert.equal((await ga.post(`/api/v1/groups/${mine}/members/remove`, { userIds: idsOf('ewa') })).status, 200);

    const productAdmin = await createAdmin(instance, instance.organizationId, 'product-admin', {
      productId: catalog.productId,
    });
    const pa = await instance.signIn(productAdmin.email);
    assert.equal((await pa.post(`/api/v1/groups/${other}/members`, { userIds: idsOf('ewa') })).status, 200);
    expectProblem(
      await pa.post(`/api/v1/groups/${other}/members`, { newUsers: [{ email: 'by.pa@groups.example' }] }),
      403,
      'auth.forbidden',
    );

    const withAdmins = await admin.post<Group>(`/api/v1/groups/${other}/admins`, {
      userIds: idsOf('darek'),
      newUsers: [{ email: 'lead@groups.example' }],
    });
    assert.deepEqual(
      withAdmins.body.admins.map((entry) => entry.email),
      ['darek@groups.example', 'lead@groups.example'],
    );
    const fewer = await admin.delete<Group>(`/api/v1/groups/${other}/admins/${user.darek?.id}`);
    assert.deepEqual(
      fewer.body.admins.map((entry) => entry.email),
      ['lead@groups.example'],
    );
    expectProblem(
      await admin.post(`/api/v1/groups/${other}/admins`, {
        newUsers: Array.from({ length: 11 }, (_, i) => ({ email: `n${i}@groups.example` })),
      }),
      400,
      'request.validation_failed',
    );
  });

  test('exports members in the user CSV format', async () => {
    const id = (await admin.post<Group>('/api/v1/groups', { name: 'Export me' })).body.id;
    await admin.post(`/api/v1/groups/${id}/members`, { userIds: idsOf('bartek', 'celina') });
    await admin.post(`/api/v1/groups/${id}/profiles`, { profileIds: [profile('Photoshop Late')] });
    const csv = await admin.get(`/api/v1/groups/${id}/members.csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition') ?? '', /Export%20me-members\.csv/);
    const rows: string[][] = parse(csv.text, { bom: true });
    assert.deepEqual(rows[0], USER_CSV_HEADERS);
    const celina = rows.find((row) => row[3] === 'celina@groups.example');
    assert.ok(celina);
    assert.deepEqual(
      [celina[0], celina[2], celina[7], celina[8]],
      ['Personal ID', 'groups.example', user.celina?.id, 'Photoshop Team'],
    );
    assert.match(celina[11] ?? '', /Export me/);
    assert.equal(rows.length, 3);
  });

  test("another organization's groups, users and profiles are out of reach", async () => {
    const other = await createOrganization(instance, 'Groups Rival');
    const b = await instance.signIn(other.email);
    const theirs = (await b.post<Group>('/api/v1/groups', { name: 'Photo' })).body;
    assert.ok(theirs.id, 'group names are unique per organization only');
    const theirUser = (await b.post<{ items: User[] }>('/api/v1/users', { users: [{ email: 'rival@rival.example' }] }))
      .body.items[0];
    const theirProduct = await createProductWithProfiles(b, 'Rival product', 1, ['Rival profile']);
    const mine = (await admin.post<Group>('/api/v1/groups', { name: 'Isolation' })).body.id;
    expectProblem(await admin.get(`/api/v1/groups/${theirs.id}`), 404, 'request.not_found');
    expectProblem(
      await admin.post(`/api/v1/groups/${theirs.id}/members`, { userIds: idsOf('ala') }),
      404,
      'request.not_found',
    );
    expectProblem(await admin.post('/api/v1/groups/delete', { groupIds: [theirs.id] }), 404, 'request.not_found');
    const unknown = expectProblem(
      await admin.post(`/api/v1/groups/${mine}/members`, { userIds: [theirUser?.id] }),
      422,
      'groups.unknown_users',
    );
    assert.equal((unknown.errors as { field: string }[])[0]?.field, 'body.userIds.0');
    // A removed user cannot join; the request names it and adds nobody, not even the valid id.
    const gone = await admin.post<{ items: User[] }>('/api/v1/users', { users: [{ email: 'gone@groups.example' }] });
    const goneId = gone.body.items[0]?.id ?? '';
    await admin.post('/api/v1/users/remove', { userIds: [goneId] });
    const fresh = await admin.post<{ items: User[] }>('/api/v1/users', { users: [{ email: 'fresh@groups.example' }] });
    const freshId = fresh.body.items[0]?.id ?? '';
    const refused = expectProblem(
      await admin.post(`/api/v1/groups/${mine}/members`, { userIds: [freshId, goneId] }),
      422,
      'groups.removed_users',
    );
    assert.equal((refused.errors as { field: string }[])[0]?.field, 'body.userIds.1');
    const members = await admin.get<{ items: { id: string }[] }>(`/api/v1/groups/${mine}/members`);
    assert.ok(!members.body.items.some((member) => member.id === freshId), 'nothing half-applied');
    expectProblem(
      await admin.post(`/api/v1/groups/${mine}/profiles`, { profileIds: [theirProduct.profiles['Rival profile']] }),
      422,
      'groups.unknown_profiles',
    );
    expectProblem(
      await admin.post(`/api/v1/groups/${mine}/admins`, { userIds: [theirUser?.id] }),
      422,
      'groups.unknown_users',
    );
  });

  test("every id is kept: members added and removed in the audit, a deleted group's admins in its event and its members with it", async () => {
    const created = await admin.post<{ items: User[] }>('/api/v1/users', {
      users: Array.from({ length: 150 }, (_, index) => ({ email: `many${index}@audit-groups.example` })),
    });
    assert.equal(created.status, 201, created.text);
    const ids = created.body.items.map((item) => item.id).sort();
    const group = await admin.post<Group>('/api/v1/groups', { name: 'Audited crowd' });
    const added = await admin.post(`/api/v1/groups/${group.body.id}/members`, { userIds: ids });
    assert.equal(added.status, 200, added.text);
    // Adding the same users again adds no one: the event names only who joined.
    await admin.post(`/api/v1/groups/${group.body.id}/members`, { userIds: ids.slice(0, 2) });
    const removed = await admin.post(`/api/v1/groups/${group.body.id}/members/remove`, {
      userIds: [...ids.slice(0, 3), user.ala?.id],
    });
    assert.deepEqual(removed.body, { removed: 3 });
    assert.equal(
      (await admin.post(`/api/v1/users/${ids[5]}/admin-roles`, { role: 'group-admin', scopeId: group.body.id })).status,
      200,
    );
    assert.equal((await admin.delete(`/api/v1/groups/${group.body.id}`)).status, 204);

    const events = (
      await instance.app.ctx.db
        .selectFrom('audit_events')
        .select(['action', 'before', 'after'])
        .where('target_id', '=', group.body.id)
        .orderBy('id')
        .execute()
    ).map((event) => ({ ...event, before: event.before as AuditJson | null, after: event.after as AuditJson | null }));
    const of = (action: string) => events.filter((event) => event.action === action);
    const [firstAdd, secondAdd] = of('group.members_add');
    assert.deepEqual([...((firstAdd?.after?.userIds as string[]) ?? [])].sort(), ids);
    assert.deepEqual([secondAdd?.after?.added, secondAdd?.after?.userIds], [0, []]);
    assert.deepEqual(of('group.members_remove')[0]?.after, { removed: 3, userIds: ids.slice(0, 3) });
    assert.deepEqual(of('group.delete')[0]?.before, {
      name: 'Audited crowd',
      description: null,
      profiles: [],
      admins: [{ id: ids[5], email: created.body.items.find((item) => item.id === ids[5])?.email }],
      membersCount: 147,
    });
    assert.deepEqual(of('group.delete_members'), [], 'the members are not repeated in events');
    assert.deepEqual(
      await findDeletedGroupMemberIds(instance.app.ctx.db, instance.organizationId, group.body.id),
      ids.slice(3),
    );
  });
});
