import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import type { Client, TestResponse } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { type ScimClient, scimClient } from '../../test/support/scim.ts';

/**
 * Changes that lock users and groups, run at once again and again on a PostgreSQL server: they
 * take their row locks in one order (changes/locks.ts), so none waits on another in a cycle
 * (a deadlock, 40P01, would be a 500) and the seat counters stay equal to the licenses held.
 */
describe('lock order of changes in flight at once', {
  skip:
    !process.env.TEST_DATABASE_URL &&
    'the embedded database runs one transaction at a time: changes never hold locks at once',
}, () => {
  let instance: TestInstance;
  let admin: Client;
  let scim: ScimClient;
  let productId: string;
  const groups: string[] = [];
  let users: { id: string; email: string }[] = [];

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    ({ scim } = await scimClient(instance));
    const catalog = await createProductWithProfiles(admin, 'Lockshop', 1_000, ['Lockshop A', 'Lockshop B']);
    productId = catalog.productId;
    for (const [index, name] of ['Locks One', 'Locks Two', 'Locks Three'].entries()) {
      const group = await admin.post<{ id: string }>('/api/v1/groups', { name });
      assert.equal(group.status, 201, group.text);
      const profile = Object.values(catalog.profiles)[index % 2] ?? '';
      const assigned = await admin.post(`/api/v1/groups/${group.body.id}/profiles`, { profileIds: [profile] });
      assert.equal(assigned.status, 200, assigned.text);
      groups.push(group.body.id);
    }
    const added = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: Array.from({ length: 6 }, (_, index) => ({ email: `lock${index}@locks.example` })),
    });
    assert.equal(added.status, 201, added.text);
    users = added.body.items;
  });
  after(() => instance.close());

  /** A change's answer: anything but a server error (a deadlock or a lock wait timeout is one). */
  const settled = (what: string, response: TestResponse) => {
    assert.ok(response.status < 500, `${what}: ${response.status} ${response.text}`);
    return response;
  };

  test('adding users to groups (group page, SCIM, user page) while removing, restoring and deleting never deadlocks', async () => {
    const ids = users.map((user) => user.id);
    const [one = '', two = '', three = ''] = groups;
    const deadlocks = async () =>
      Number(
        (
          await sql<{
            n: number;
          }>`select deadlocks::int as n from pg_stat_database where datname = current_database()`.execute(
            instance.app.ctx.db,
          )
        ).rows[0]?.n ?? 0,
      );
    const before = await deadlocks();
    for (let round = 0; round < 12; round += 1) {
      // Each round in another order of users, so the set-based changes do not happen to agree.
      const shuffled = round % 2 === 0 ? ids : [...ids].reverse();
      const scratch = await admin.post<{ id: string }>('/api/v1/groups', { name: `Locks scratch ${round}` });
      assert.equal(scratch.status, 201, scratch.text);
      await Promise.all([
        admin
          .post(`/api/v1/groups/${one}/members`, { userIds: shuffled })
          .then((response) => settled('group page add', response)),
        scim
          .patch(`/Groups/${two}`, [{ op: 'add', path: 'members', value: shuffled.map((value) => ({ value })) }])
          .then((response) => settled('SCIM add', response)),
        admin
          .post(`/api/v1/groups/${scratch.body.id}/members`, { userIds: shuffled.slice(0, 3) })
          .then((response) => settled('scratch add', response)),
        ...shuffled
          .slice(0, 2)
          .map((id) =>
            admin
              .patch(`/api/v1/users/${id}`, { groups: ['Locks Three', 'Locks One'] })
              .then((response) => settled('user page groups', response)),
          ),
        admin
          .post(`/api/v1/groups/${three}/members/remove`, { userIds: shuffled.slice(2) })
          .then((response) => settled('group page remove', response)),
        admin
          .post('/api/v1/users/remove', {
            userIds: shuffled.slice(round % 3, (round % 3) + 3),
            contentAction: 'delete',
          })
          .then((response) => settled('remove users', response)),
        admin
          .post('/api/v1/groups/delete', { groupIds: [scratch.body.id] })
          .then((response) => settled('delete group', response)),
      ]);
      await Promise.all(
        ids.map((id) => admin.post(`/api/v1/users/${id}/restore`).then((response) => settled('restore', response))),
      );
    }
    assert.equal(await deadlocks(), before, 'the server detected a deadlock');
    const counted = await sql<{ used: number; held: number; due: number }>`
      select p.licenses_used as used,
        (select count(*)::int from product_licenses pl where pl.product_id = p.id) as held,
        (select count(distinct u.id)::int from users u
          join group_members gm on gm.organization_id = u.organization_id and gm.user_id = u.id
          join group_profiles gp on gp.organization_id = gm.organization_id and gp.group_id = gm.group_id
          join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
          where pp.product_id = p.id and u.status <> 'removed') as due
      from products p where p.id = ${productId}`.execute(instance.app.ctx.db);
    const [seats] = counted.rows;
    assert.ok(seats);
    // Every seat is counted once, and none is written as a row: these users hold the product
    // through groups only (licenses.ts).
    assert.deepEqual([seats.used, seats.held], [seats.due, 0]);
  });
});
