/**
 * The rules of the writers of users, memberships, profiles and admin roles, tried on every path
 * that reaches them: the group page, PATCH /users/{id}, bulk CSV rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runBulk } from '../../test/support/bulk.ts';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { scimClient, scimUser } from '../../test/support/scim.ts';

interface Detail {
  id: string;
  email: string;
  status: string;
  products: string[];
  groups: { name: string }[];
  profiles: { name: string; via: string }[];
  version: number;
}

describe('the rules of the change writers', () => {
  let instance: TestInstance;
  let admin: Client;
  let acrobat: { productId: string; profiles: Record<string, string> };
  let photoshop: { productId: string; profiles: Record<string, string> };
  let designersId: string;
  let retouchId: string;

  const addUser = async (email: string, extra: Record<string, unknown> = {}): Promise<Detail> => {
    const added = await admin.post<{ items: Detail[] }>('/api/v1/users', { users: [{ email, ...extra }] });
    assert.equal(added.status, 201, added.text);
    return added.body.items[0] as Detail;
  };
  const detail = async (id: string): Promise<Detail> => (await admin.get<Detail>(`/api/v1/users/${id}`)).body;
  const remove = async (ids: string[]) => {
    const removed = await admin.post('/api/v1/users/remove', { userIds: ids });
    assert.equal(removed.status, 200, removed.text);
  };
  const membershipsOf = async (userIds: string[]) =>
    instance.app.ctx.db.selectFrom('group_members').select('user_id').where('user_id', 'in', userIds).execute();

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    acrobat = await createProductWithProfiles(admin, 'Acrobat', 500, ['Acrobat Pro']);
    photoshop = await createProductWithProfiles(admin, 'Photoshop', 500, ['Photoshop Std']);
    const designers = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Designers' });
    designersId = designers.body.id;
    assert.equal(
      (
        await admin.post(`/api/v1/groups/${designersId}/profiles`, {
          profileIds: [acrobat.profiles['Acrobat Pro'], photoshop.profiles['Photoshop Std']],
        })
      ).status,
      200,
    );
    const retouch = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Retouch' });
    retouchId = retouch.body.id;
    await admin.post(`/api/v1/groups/${retouchId}/profiles`, { profileIds: [photoshop.profiles['Photoshop Std']] });
  });
  after(() => instance.close());

  test('a removed user joins no group and gets no profile: PATCH /users, bulk edit-users; restore leaves licenses right', async () => {
    const user = await addUser('gone@rules.example');
    await remove([user.id]);
    const patched = await admin.patch(`/api/v1/users/${user.id}`, { groups: ['Designers'] });
    expectProblem(patched, 422, 'groups.removed_users');
    expectProblem(await admin.patch(`/api/v1/users/${user.id}`, { profiles: ['Acrobat Pro'] }), 409, 'users.removed');
    const bulk = await runBulk(
      admin,
      { type: 'edit-users' },
      ['Email;User Groups;Product Profiles', "gone@rules.example;'Designers';'Acrobat Pro'"].join('\n'),
    );
    assert.deepEqual([bulk.operation.succeededRows, bulk.operation.failedRows], [0, 1]);
    assert.deepEqual(await membershipsOf([user.id]), []);

    assert.equal((await admin.post(`/api/v1/users/${user.id}/restore`)).status, 200);
    const restored = await detail(user.id);
    assert.deepEqual([restored.status, restored.groups, restored.products], ['active', [], []]);
  });

  test('removal records the profiles, groups and admin roles it takes, with ids and names', async () => {
    const user = await addUser('leaver@rules.example', { profiles: ['Acrobat Pro'], groups: ['Retouch'] });
    assert.equal(
      (await admin.post(`/api/v1/users/${user.id}/admin-roles`, { role: 'group-admin', scopeId: retouchId })).status,
      200,
    );
    await remove([user.id]);
    const event = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('before')
      .where('action', '=', 'user.remove')
      .where('target_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(event.before, {
      status: 'active',
      adminRoles: [{ role: 'group-admin', scope: { id: retouchId, name: 'Retouch' } }],
      profiles: [{ id: acrobat.profiles['Acrobat Pro'], name: 'Acrobat Pro', product: 'Acrobat' }],
      groups: [{ id: retouchId, name: 'Retouch' }],
    });
  });

  test("a product admin cannot spend another product's seats through a group: group page, PATCH /users, bulk", async () => {
    const { email } = await createAdmin(instance, instance.organizationId, 'product-admin', {
      productId: photoshop.productId,
    });
    const productAdmin = await instance.signIn(email);
    const user = await addUser('designer@rules.example');

    const viaGroup = expectProblem(
      await productAdmin.post(`/api/v1/groups/${designersId}/members`, { userIds: [user.id] }),
      403,
      'auth.forbidden',
    );
    assert.match(String(viaGroup.detail), /Acrobat/);
    expectProblem(
      await productAdmin.patch(`/api/v1/users/${user.id}`, { groups: ['Designers'] }),
      403,
      'auth.forbidden',
    );
    const bulk = await runBulk(
      productAdmin,
      { type: 'add-group-members', groupId: designersId },
      'Email\ndesigner@rules.example\n',
    );
    assert.deepEqual([bulk.operation.succeededRows, bulk.operation.failedRows], [0, 1]);
    assert.equal(bulk.rows[0]?.outcomes[0]?.code, 'bulk.not_allowed');
    assert.match(bulk.rows[0]?.message ?? '', /Acrobat/);
    assert.deepEqual((await detail(user.id)).products, []);

    // A group giving only their own product's profiles is theirs to fill.
    const own = await productAdmin.post(`/api/v1/groups/${retouchId}/members`, { userIds: [user.id] });
    assert.equal(own.status, 200, own.text);
    assert.deepEqual((await detail(user.id)).products, ['Photoshop']);
  });

  test('making a group admin from the group page sends the welcome e-mail naming the role', async () => {
    const user = await addUser('lead@rules.example');
    const added = await admin.post(`/api/v1/groups/${retouchId}/admins`, { userIds: [user.id] });
    assert.equal(added.status, 200, added.text);
    const welcome = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('user_id', '=', user.id)
      .where('kind', '=', 'welcome')
      .execute();
    assert.deepEqual(
      welcome.map((message) => (message.data as { adminRoles?: unknown }).adminRoles),
      [[{ role: 'group-admin', scope: { type: 'group', id: retouchId, name: 'Retouch' } }]],
    );
  });

  test('a stale edit of a user is refused with the current state; If-Match is honoured', async () => {
    const user = await addUser('edited@rules.example');
    const opened = await admin.get<Detail>(`/api/v1/users/${user.id}`);
    assert.equal(opened.headers.get('etag'), `W/"${opened.body.version}"`);
    const first = await admin.patch<Detail>(`/api/v1/users/${user.id}`, {
      profiles: ['Acrobat Pro'],
      version: opened.body.version,
    });
    assert.equal(first.status, 200, first.text);
    assert.ok(first.body.version > opened.body.version);
    const stale = expectProblem(
      await admin.patch(`/api/v1/users/${user.id}`, { profiles: [], version: opened.body.version }),
      409,
      'users.version_conflict',
    );
    assert.deepEqual((stale.current as Detail).products, ['Acrobat']);
    expectProblem(
      await admin.request('PATCH', `/api/v1/users/${user.id}`, {
        body: { firstName: 'Late' },
        headers: { 'if-match': `W/"${opened.body.version}"` },
      }),
      409,
      'users.version_conflict',
    );
    const current = await admin.request<Detail>('PATCH', `/api/v1/users/${user.id}`, {
      body: { firstName: 'Fresh' },
      headers: { 'if-match': `W/"${first.body.version}"` },
    });
    assert.equal(current.status, 200, current.text);
    assert.deepEqual((await detail(user.id)).products, ['Acrobat']);
  });

  test('users removed while an edit-users file runs end up in no group', async () => {
    const count = 150;
    const emails = Array.from({ length: count }, (_, index) => `race${index}@rules.example`);
    const added = await admin.post<{ items: Detail[] }>('/api/v1/users', {
      users: emails.map((email) => ({ email })),
    });
    assert.equal(added.status, 201, added.text);
    const ids = added.body.items.map((user) => user.id);
    const file = ['Email;User Groups', ...emails.map((email) => `${email};'Retouch'`)].join('\n');
    const removing = (async () => {
      for (let index = 0; index < count; index += 10) {
        await admin.post('/api/v1/users/remove', { userIds: ids.slice(index, index + 10) });
      }
    })();
    const [result] = await Promise.all([runBulk(admin, { type: 'edit-users' }, file), removing]);
    assert.ok(['completed', 'completed_with_errors'].includes(result.operation.status), result.operation.status);
    const removed = await instance.app.ctx.db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', ids)
      .where('status', '=', 'removed')
      .execute();
    assert.equal(removed.length, count);
    assert.deepEqual(await membershipsOf(ids), []);
  });

  test("SCIM's userName, externalId and enterprise data are in the audited create and update", async () => {
    const { scim } = await scimClient(instance);
    const created = await scim.post<{ id: string }>(
      '/Users',
      scimUser('ada@rules.example', {
        userName: 'ada.login@rules.example',
        externalId: 'idp-ada',
      }),
    );
    assert.equal(created.status, 201, created.text);
    const events = async (action: string) =>
      instance.app.ctx.db
        .selectFrom('audit_events')
        .select(['before', 'after'])
        .where('action', '=', action)
        .where('target_id', '=', created.body.id)
        .execute();
    const [create] = await events('user.create');
    assert.equal(((create?.after ?? {}) as Record<string, unknown>).username, 'ada.login@rules.example');
    assert.equal(((create?.after ?? {}) as Record<string, unknown>).externalId, 'idp-ada');
    const replaced = await scim.put(
      `/Users/${created.body.id}`,
      scimUser('ada@rules.example', { userName: 'ada.new@rules.example', externalId: 'idp-ada-2' }),
    );
    assert.equal(replaced.status, 200, replaced.text);
    const updates = await events('user.update');
    assert.deepEqual(
      updates.map((event) => [event.before, event.after]),
      [
        [
          { username: 'ada.login@rules.example', externalId: 'idp-ada' },
          { username: 'ada.new@rules.example', externalId: 'idp-ada-2' },
        ],
      ],
    );
  });
});
