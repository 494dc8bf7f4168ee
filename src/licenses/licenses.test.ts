/**
 * Seats counted without a license row per group member (issue 22): a user holds a product when
 * active and holding it directly or through any group, and counts once however many sources give
 * it. Every change counts after its writes under the products' locks, so changes in flight at once
 * count a user once too. Through the API, on a real database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';

interface User {
  id: string;
  email: string;
}

describe('seats through groups and direct profiles', () => {
  let instance: TestInstance;
  let admin: Client;
  let catalog: { productId: string; profiles: Record<string, string> };
  let scarce: { productId: string; profiles: Record<string, string> };
  let serial = 0;

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    catalog = await createProductWithProfiles(admin, 'Illustrator', 100, ['Illustrator A', 'Illustrator B']);
    scarce = await createProductWithProfiles(admin, 'Scarce', 2, ['Scarce Team']);
  });
  after(() => instance.close());

  const used = async (productId = catalog.productId) =>
    (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${productId}`)).body.licensesUsed;
  const profile = (name: string) => catalog.profiles[name] ?? '';

  /** New users with no profile and no group. */
  async function addUsers(count: number): Promise<User[]> {
    const added = await admin.post<{ items: User[] }>('/api/v1/users', {
      users: Array.from({ length: count }, () => ({ email: `seat${++serial}@seats.example` })),
    });
    assert.equal(added.status, 201, added.text);
    return added.body.items;
  }

  /** A group giving these profiles. */
  async function group(name: string, profileIds: string[]): Promise<string> {
    const created = await admin.post<{ id: string }>('/api/v1/groups', { name });
    assert.equal(created.status, 201, created.text);
    if (profileIds.length > 0) {
      const assigned = await admin.post(`/api/v1/groups/${created.body.id}/profiles`, { profileIds });
      assert.equal(assigned.status, 200, assigned.text);
    }
    return created.body.id;
  }

  const join = async (groupId: string, users: User[]) =>
    assert.equal(
      (await admin.post(`/api/v1/groups/${groupId}/members`, { userIds: users.map((user) => user.id) })).status,
      200,
    );
  const leave = async (groupId: string, users: User[]) =>
    assert.equal(
      (await admin.post(`/api/v1/groups/${groupId}/members/remove`, { userIds: users.map((user) => user.id) })).status,
      200,
    );
  const products = async (user: User) =>
    (await admin.get<{ products: string[] }>(`/api/v1/users/${user.id}`)).body.products;
  const listed = async (productId: string) =>
    (await admin.get<{ items: User[] }>(`/api/v1/users?product=${productId}&limit=100`)).body.items.map(
      (user) => user.email,
    );

  test('a user in two groups giving one product counts once; leaving one keeps the seat, leaving both frees it', async () => {
    const start = await used();
    const [ola, piotr] = await addUsers(2);
    assert.ok(ola && piotr);
    const first = await group('Seats First', [profile('Illustrator A')]);
    const second = await group('Seats Second', [profile('Illustrator B')]);
    await join(first, [ola, piotr]);
    assert.equal(await used(), start + 2);
    await join(second, [ola]);
    assert.equal(await used(), start + 2, 'the second group gives ola nothing new');
    assert.deepEqual(await products(ola), ['Illustrator']);
    assert.ok((await listed(catalog.productId)).includes(ola.email));
    await leave(first, [ola]);
    assert.equal(await used(), start + 2, 'the second group still gives it');
    assert.deepEqual(await products(ola), ['Illustrator']);
    await leave(second, [ola]);
    assert.equal(await used(), start + 1);
    assert.deepEqual(await products(ola), []);
    assert.ok(!(await listed(catalog.productId)).includes(ola.email));
    // Taking the profile from the group frees the seats of members holding it only through it.
    assert.equal(
      (await admin.request('DELETE', `/api/v1/groups/${first}/profiles/${profile('Illustrator A')}`)).status,
      204,
    );
    assert.equal(await used(), start);
    // No license row is written for a license through a group.
    const rows = await instance.app.ctx.db
      .selectFrom('product_licenses')
      .select('user_id')
      .where('organization_id', '=', instance.organizationId)
      .where('user_id', 'in', [ola.id, piotr.id])
      .execute();
    assert.deepEqual(rows, []);
  });

  test('a direct profile plus a group: one seat, kept while either source stays', async () => {
    const start = await used();
    const [rafal] = await addUsers(1);
    assert.ok(rafal);
    const team = await group('Seats Direct', [profile('Illustrator A')]);
    assert.equal((await admin.patch(`/api/v1/users/${rafal.id}`, { profiles: ['Illustrator B'] })).status, 200);
    assert.equal(await used(), start + 1);
    await join(team, [rafal]);
    assert.equal(await used(), start + 1);
    assert.equal((await admin.patch(`/api/v1/users/${rafal.id}`, { profiles: [] })).status, 200);
    assert.equal(await used(), start + 1, 'the group still gives it');
    assert.deepEqual(await products(rafal), ['Illustrator']);
    assert.equal((await admin.patch(`/api/v1/users/${rafal.id}`, { profiles: ['Illustrator A'] })).status, 200);
    assert.equal(await used(), start + 1);
    // Deleting the group: the direct profile keeps the seat; deleting that profile frees it.
    assert.equal((await admin.request('DELETE', `/api/v1/groups/${team}`)).status, 204);
    assert.equal(await used(), start + 1);
    // One edit leaving groups and changing profiles at once counts every part of it.
    const other = await group('Seats Edit', [profile('Illustrator B')]);
    await join(other, [rafal]);
    assert.equal(
      (await admin.patch(`/api/v1/users/${rafal.id}`, { profiles: ['Illustrator B'], groups: [] })).status,
      200,
    );
    assert.equal(await used(), start + 1);
    assert.equal(
      (await admin.patch(`/api/v1/users/${rafal.id}`, { profiles: [], groups: ['Seats Edit'] })).status,
      200,
    );
    assert.equal(await used(), start + 1);
    assert.equal((await admin.request('DELETE', `/api/v1/product-profiles/${profile('Illustrator B')}`)).status, 204);
    assert.equal(await used(), start);
    assert.deepEqual(await products(rafal), []);
  });

  test('refuses past the seats as before, naming the deficit, and changes nothing', async () => {
    const users = await addUsers(3);
    const team = await group('Seats Scarce', [scarce.profiles['Scarce Team'] ?? '']);
    await join(team, users.slice(0, 2));
    assert.equal(await used(scarce.productId), 2);
    const refused = expectProblem(
      await admin.post(`/api/v1/groups/${team}/members`, { userIds: [users[2]?.id] }),
      422,
      'licenses.insufficient',
    );
    assert.deepEqual(
      (refused.deficits as { missing: number }[]).map((deficit) => deficit.missing),
      [1],
    );
    assert.equal(await used(scarce.productId), 2);
    // A member who holds it already (directly) takes no new seat: one more source is not a seat.
    const bigger = await group('Seats Scarce Two', []);
    await join(bigger, users.slice(0, 3));
    expectProblem(
      await admin.post(`/api/v1/groups/${bigger}/profiles`, { profileIds: [scarce.profiles['Scarce Team']] }),
      422,
      'licenses.insufficient',
    );
    await leave(bigger, users.slice(2));
    assert.equal(
      (await admin.post(`/api/v1/groups/${bigger}/profiles`, { profileIds: [scarce.profiles['Scarce Team']] })).status,
      200,
    );
    assert.equal(await used(scarce.productId), 2);
  });

  test('removal frees every seat a user held by any source, restore gives back none', async () => {
    const start = await used();
    const [sara, tomek] = await addUsers(2);
    assert.ok(sara && tomek);
    const team = await group('Seats Removal', [profile('Illustrator A')]);
    await join(team, [sara, tomek]);
    assert.equal((await admin.patch(`/api/v1/users/${sara.id}`, { profiles: ['Illustrator A'] })).status, 200);
    assert.equal(await used(), start + 2);
    const removed = await admin.post('/api/v1/users/remove', { userIds: [sara.id], contentAction: 'delete' });
    assert.equal(removed.status, 200, removed.text);
    assert.equal(await used(), start + 1);
    assert.deepEqual(await products(sara), []);
    assert.equal((await admin.post(`/api/v1/users/${sara.id}/restore`, {})).status, 200);
    assert.equal(await used(), start + 1, 'removal took her profiles and groups');
    await join(team, [sara]);
    assert.equal(await used(), start + 2);
  });

  test('joins of one user to two groups in flight at once count the user once (PostgreSQL)', async (t) => {
    if (instance.app.ctx.database.kind !== 'postgres') {
      t.skip('the embedded database runs one transaction at a time');
      return;
    }
    const race = await createProductWithProfiles(admin, 'Race', 10, ['Race One', 'Race Two']);
    const first = await group('Seats Race One', [race.profiles['Race One'] ?? '']);
    const second = await group('Seats Race Two', [race.profiles['Race Two'] ?? '']);
    const db = instance.app.ctx.db;
    for (let round = 0; round < 3; round += 1) {
      const [racer] = await addUsers(1);
      assert.ok(racer);
      const start = await used(race.productId);
      // The product's row is held by another transaction while both joins write their memberships:
      // each then waits for it before counting, so both wrote before either counted.
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const holding = db.transaction().execute(async (trx) => {
        await sql`select id from products where id = ${race.productId} for no key update`.execute(trx);
        await released;
      });
      const joins = Promise.all([
        admin.post(`/api/v1/groups/${first}/members`, { userIds: [racer.id] }),
        admin.post(`/api/v1/groups/${second}/members`, { userIds: [racer.id] }),
      ]);
      const deadline = Date.now() + 60_000;
      let waiting = 0;
      while (waiting < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const found = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%for no key update%'`.execute(
          db,
        );
        waiting = found.rows[0]?.n ?? 0;
      }
      release();
      assert.equal(waiting, 2, 'both joins waited for the product with their memberships written');
      await holding;
      const answers = await joins;
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200],
      );
      assert.equal(await used(race.productId), start + 1, `round ${round}: the user counted once`);
      // And leaving both at once frees the seat once.
      await Promise.all([leave(first, [racer]), leave(second, [racer])]);
      assert.equal(await used(race.productId), start, `round ${round}: the seat freed once`);
    }
  });
});
