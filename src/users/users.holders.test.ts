import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase } from '../../test/support/instance.ts';
import { inListOrder } from '../../test/support/users-order.ts';
import {
  CREATED_KEY,
  findUsersByOrganizationId,
  type HolderFilter,
  type ListedUser,
  narrowUserFilter,
  sortKeyOf,
  USER_SORTS,
  type UserFilter,
  type UserPosition,
  type UserSort,
} from './users.queries.ts';

/**
 * The group, profile and product filters of the users list read the holders when few users hold
 * them and walk the list in order when many do. Whichever plan `narrowUserFilter` picks, every page
 * must hold exactly the users the filter selects, in order: checked against the list filtered in
 * the process, with both plans forced for each filter.
 */
describe('users list filters by what users hold', () => {
  let fresh: Awaited<ReturnType<typeof openTestDatabase>>;
  let organizationId: string;
  let everyone: ListedUser[];
  /** Who holds each filter's group, profile or product, computed here from the rows. */
  const held = new Map<string, Set<string>>();
  const ids: Record<'bigGroup' | 'smallGroup' | 'wideProfile' | 'rareProfile' | 'wideProduct' | 'rareProduct', string> =
    {
      bigGroup: '',
      smallGroup: '',
      wideProfile: '',
      rareProfile: '',
      wideProduct: '',
      rareProduct: '',
    };
  /** The most holders read instead of walking, in this test (`FEW_HOLDERS` in the product). */
  const FEW = 400;
  const USERS = 1000;

  before(async () => {
    fresh = await openTestDatabase({ migrated: true });
    const db = fresh.database.db;
    organizationId = (
      await db.insertInto('organizations').values({ name: 'Holders' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const org = organizationId;
    await sql`insert into users (organization_id, email, username, first_name, last_name, alias, identity_type, status, created_at)
      select ${org}, 'user' || i || '@mail' || (i % 7) || '.example', 'user' || i || '@mail.example',
        'First' || (i % 500), 'Last' || lpad((i * 7919 % 10000)::text, 4, '0'), 'u' || i,
        (array['personal', 'enterprise', 'federated'])[1 + i % 3],
        case i % 5 when 0 then 'removed' when 1 then 'invited' else 'active' end,
        now() - (i % 37) * interval '1.000001 second'
      from generate_series(1, ${USERS}) i`.execute(db);
    const one = async (query: ReturnType<typeof sql<{ id: string }>>) => {
      const row = (await query.execute(db)).rows[0];
      assert.ok(row);
      return row.id;
    };
    ids.wideProduct = await one(
      sql`insert into products (organization_id, name, license_quantity) values (${org}, 'Wide', 100000) returning id`,
    );
    ids.rareProduct = await one(
      sql`insert into products (organization_id, name, license_quantity) values (${org}, 'Rare', 100000) returning id`,
    );
    ids.wideProfile = await one(
      sql`insert into product_profiles (organization_id, product_id, name) values (${org}, ${ids.wideProduct}, 'Wide profile') returning id`,
    );
    ids.rareProfile = await one(
      sql`insert into product_profiles (organization_id, product_id, name) values (${org}, ${ids.rareProduct}, 'Rare profile') returning id`,
    );
    ids.bigGroup = await one(sql`insert into user_groups (organization_id, name) values (${org}, 'Big') returning id`);
    ids.smallGroup = await one(
      sql`insert into user_groups (organization_id, name) values (${org}, 'Small') returning id`,
    );
    await sql`insert into group_profiles (organization_id, group_id, profile_id) values
      (${org}, ${ids.bigGroup}, ${ids.wideProfile}), (${org}, ${ids.smallGroup}, ${ids.rareProfile})`.execute(db);
    // Removed users are in no group and hold nothing (as the engine keeps them). The big group has
    // more members than FEW; the small one about 20, spread over the list; the rare profile
    // is also held directly by 30 users, some of them members of the small group too (counted once).
    const active = (
      await sql<{ id: string; n: number }>`
      select id, row_number() over (order by id)::int as n from users where organization_id = ${org} and status <> 'removed'`.execute(
        db,
      )
    ).rows;
    const big = active.filter((user) => user.n <= FEW + 50).map((user) => user.id);
    const small = active.filter((user) => user.n % 40 === 7).map((user) => user.id);
    const direct = active
      .filter((user) => user.n % 200 === 7 || user.n % 377 === 3)
      .slice(0, 30)
      .map((user) => user.id);
    const insertMembers = (group: string, users: string[]) =>
      sql`insert into group_members (organization_id, group_id, user_id)
        select ${org}, ${group}, unnest(${users}::uuid[])`.execute(db);
    await insertMembers(ids.bigGroup, big);
    await insertMembers(ids.smallGroup, small);
    await sql`insert into user_profiles (organization_id, user_id, profile_id)
      select ${org}, unnest(${direct}::uuid[]), ${ids.rareProfile}`.execute(db);
    await sql`insert into product_licenses (organization_id, user_id, product_id)
      select ${org}, unnest(${direct}::uuid[]), ${ids.rareProduct}`.execute(db);
    held.set(ids.bigGroup, new Set(big));
    held.set(ids.smallGroup, new Set(small));
    held.set(ids.wideProfile, new Set(big));
    held.set(ids.wideProduct, new Set(big));
    held.set(ids.rareProfile, new Set([...small, ...direct]));
    held.set(ids.rareProduct, new Set([...small, ...direct]));
    await sql`analyze`.execute(db);
    everyone = await db
      .selectFrom('users')
      .selectAll()
      .select(CREATED_KEY.as('created_key'))
      .where('organization_id', '=', org)
      .execute();
  });
  after(() => fresh.drop());

  /** What a page sequence must give: the users holding `id` (and of `status`, if set), in order. */
  function expected(id: string, sort: UserSort, status?: string): string[] {
    const holders = held.get(id) ?? new Set();
    return inListOrder(
      everyone.filter((user) => holders.has(user.id) && (status === undefined || user.status === status)),
      sort,
    );
  }

  /** Every page of the list, followed to its end as a client does. */
  async function allPages(filter: UserFilter, sort: UserSort, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let position: UserPosition | undefined;
    for (;;) {
      const rows = await findUsersByOrganizationId(fresh.database.db, organizationId, filter, {
        sort,
        limit: limit + 1,
        after: position,
      });
      const shown = rows.slice(0, limit);
      seen.push(...shown.map((user) => user.id));
      const last = shown.at(-1);
      if (rows.length <= limit || !last) {
        return seen;
      }
      position = { k: sortKeyOf(last, sort), id: last.id };
    }
  }

  const cases: [string, HolderFilter['kind'], keyof typeof ids, boolean][] = [
    ['a small group', 'group', 'smallGroup', true],
    ['a group of more than FEW', 'group', 'bigGroup', false],
    ['a profile held directly and through a group by few', 'profile', 'rareProfile', true],
    ['a profile given to a big group', 'profile', 'wideProfile', false],
    ['a product held directly and through a group by few', 'product', 'rareProduct', true],
    ['a product given to a big group', 'product', 'wideProduct', false],
  ];
  for (const [name, kind, key, few] of cases) {
    test(`${name}: ${few ? 'reads its holders' : 'walks the list'}; both plans give every page in order`, async () => {
      const id = ids[key];
      const filter: UserFilter =
        kind === 'group' ? { groupId: id } : kind === 'profile' ? { profileId: id } : { productId: id };
      const narrowed = await narrowUserFilter(fresh.database.db, organizationId, filter, FEW);
      assert.deepEqual(narrowed.fewHolders, few ? { kind, id } : undefined);
      for (const plan of [filter, { ...filter, fewHolders: { kind, id } }]) {
        for (const sort of USER_SORTS) {
          const limit = few ? 7 : 150;
          assert.deepEqual(await allPages(plan, sort, limit), expected(id, sort), `${name} by ${sort}`);
        }
        assert.deepEqual(
          await allPages({ ...plan, status: 'invited' }, 'email', 50),
          expected(id, 'email', 'invited'),
          `${name}, invited only`,
        );
      }
    });
  }

  test('a holder filter combined with another keeps both', async () => {
    const filter: UserFilter = { groupId: ids.bigGroup, productId: ids.rareProduct };
    const narrowed = await narrowUserFilter(fresh.database.db, organizationId, filter, FEW);
    assert.deepEqual(narrowed.fewHolders, { kind: 'product', id: ids.rareProduct });
    const both = expected(ids.rareProduct, 'name').filter((id) => held.get(ids.bigGroup)?.has(id));
    assert.ok(both.length > 0 && both.length < expected(ids.rareProduct, 'name').length);
    assert.deepEqual(await allPages(narrowed, 'name', 5), both);
    assert.deepEqual(await allPages(filter, 'name', 5), both);
  });
});
