/**
 * A removal writes its audit events before it locks the groups its users leave (so removals in
 * flight at once wait less on each other's groups): the memberships it names are read first, and
 * a member's removal by another change (which locks only the group) may come in between. The
 * event then names what the removal took, and the seats are counted from what it took.
 * Through the services and the API, on a real database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import type { Client } from '../../test/support/client.ts';
import { startTestInstance, systemAdminActor, type TestInstance } from '../../test/support/instance.ts';
import { findNamedMembershipsByUserIds } from '../groups/groups.members.ts';
import { removeUsers } from './users.removal.ts';

describe('removal of users', () => {
  let instance: TestInstance;
  let admin: Client;

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
  });
  after(() => instance.close());

  async function group(name: string, profileIds: string[]): Promise<string> {
    const created = await admin.post<{ id: string }>('/api/v1/groups', { name });
    assert.equal(created.status, 201, created.text);
    const assigned = await admin.post(`/api/v1/groups/${created.body.id}/profiles`, { profileIds });
    assert.equal(assigned.status, 200, assigned.text);
    return created.body.id;
  }

  test('a membership another change took after the removal read it is not in its audit event, nor freed twice', async () => {
    const catalog = await createProductWithProfiles(admin, 'Removal Seats', 10, ['Removal Team']);
    const used = async () =>
      (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${catalog.productId}`)).body.licensesUsed;
    const profileId = catalog.profiles['Removal Team'] ?? '';
    const first = await group('Removal First', [profileId]);
    const second = await group('Removal Second', [profileId]);
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [{ email: 'leaving@removal.example' }, { email: 'staying@removal.example' }],
    });
    assert.equal(added.status, 201, added.text);
    const [leaving, staying] = added.body.items;
    assert.ok(leaving && staying);
    for (const groupId of [first, second]) {
      const joined: { status: number; text: string } = await admin.post(`/api/v1/groups/${groupId}/members`, {
        userIds: [leaving.id, staying.id],
      });
      assert.equal(joined.status, 200, joined.text);
    }
    assert.equal(await used(), 2);

    // Read as a removal reads them, then one taken by a member's removal before the removal's own.
    const read = await findNamedMembershipsByUserIds(instance.app.ctx.db, instance.organizationId, [leaving.id]);
    assert.deepEqual(read.map((row) => row.group_id).sort(), [first, second].sort());
    const taken = await admin.post(`/api/v1/groups/${second}/members/remove`, { userIds: [leaving.id] });
    assert.equal(taken.status, 200, taken.text);
    assert.equal(await used(), 2, 'the first group still gives the product');

    const actor = await systemAdminActor(instance, 'removal-test');
    await removeUsers(instance.app.ctx, actor, {
      userIds: [leaving.id],
      contentAction: 'delete',
      memberships: read,
    });

    assert.equal(await used(), 1, 'the seat is freed once');
    const event = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('before')
      .where('organization_id', '=', instance.organizationId)
      .where('action', '=', 'user.remove')
      .where('target_id', '=', leaving.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual((event.before as { groups: unknown }).groups, [{ id: first, name: 'Removal First' }]);
    const left = await findNamedMembershipsByUserIds(instance.app.ctx.db, instance.organizationId, [
      leaving.id,
      staying.id,
    ]);
    assert.deepEqual(
      left.map((row) => [row.user_id, row.group_id]).sort(),
      [
        [staying.id, first],
        [staying.id, second],
      ].sort(),
    );
  });
});
