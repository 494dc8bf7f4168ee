import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { LicenseDeficit } from '../../shared/api/products.ts';
import { AppError } from '../core/errors.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB } from '../db/schema.ts';
import { noteSeatLevels, type ProductSeats } from './alerts.ts';

/** Error codes of license accounting. */
export const LicenseErrorCodes = {
  insufficient: 'licenses.insufficient',
} as const;

/** A product that would need more licenses than it has (declared once, in shared/api/products.ts). */
export type { LicenseDeficit };

/** A product's license counter change. */
type LicenseDelta = { product_id: string; delta: number };

/** A membership a change added or took away. */
export interface Membership {
  userId: string;
  groupId: string;
}

/**
 * What a change did to some users' sources of licenses, so that what they held before it can be
 * told from what they hold now (nothing stores a license given through a group).
 */
export interface LicenseChange {
  /** Users whose direct profiles may have changed: their direct licenses are brought in line. */
  users?: string[];
  /** Memberships this change inserted (exactly those: a membership that was there already is not one). */
  joined?: Membership[];
  /** Memberships this change deleted (exactly those). */
  left?: Membership[];
  /** Users this change restored (removed before it). */
  restored?: string[];
  /** Users this change removed (active before it). */
  removed?: string[];
  /** When given, only these products' licenses are counted. */
  productIds?: string[];
}

/**
 * Seat accounting (issue 22). `product_licenses` holds the licenses of direct profiles only, one
 * row per (user, product); a license through a group is implied by `group_members` ×
 * `group_profiles`, never written per member. A user holds a product when active and holding it
 * directly or through any group; `products.licenses_used` counts those users, exactly and in the
 * transaction of every change:
 * - each change counts after its writes, under the product rows' locks (`lockProducts`, in id
 *   order) taken before the count, so two changes giving one user the product through two groups
 *   count it once: the later one sees the earlier, committed;
 * - what a user held before the change is what they hold now with this change's own writes
 *   reverted (the memberships it inserted or deleted, the direct licenses it wrote or deleted, the
 *   status it changed): anything else was there before, or was counted by a change that committed
 *   before this one took the locks.
 *
 * `settleLicenses` counts changes to some users (edits, joins and leaves, removal, restore);
 * `countSoleHolders` counts changes to a whole group (a profile given or taken, the group
 * deleted, a profile deleted): the members who hold the product from no other source, read in one
 * statement, with no write per member.
 */

/**
 * The products these users hold, directly or through their groups, as a select of
 * (`user_id`, `product_id`) pairs, one per pair (what readers show and filter by). Removed users
 * hold none: removal takes their profiles and groups.
 */
export function productsHeldBy(
  organizationId: string,
  userIds: string[],
): RawBuilder<{ user_id: string; product_id: string }> {
  return sql<{ user_id: string; product_id: string }>`
    select pl.user_id, pl.product_id from product_licenses pl
    where pl.organization_id = ${organizationId} and pl.user_id = any(${userIds}::uuid[])
    union
    select gm.user_id, pp.product_id from group_members gm
    join group_profiles gp on gp.organization_id = gm.organization_id and gp.group_id = gm.group_id
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    where gm.organization_id = ${organizationId} and gm.user_id = any(${userIds}::uuid[])`;
}

/**
 * Brings the direct licenses of some users in line with their direct profiles and counts every
 * change the caller made to these users' sources of licenses (see `LicenseChange`). Call it once,
 * after the change's writes, in its transaction.
 * @throws AppError `licenses.insufficient` (422) with a deficit per product when a product would
 *   exceed its licenses because of this change (the caller's transaction then rolls back)
 */
export async function settleLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  change: LicenseChange,
): Promise<void> {
  const users = [...new Set(change.users ?? [])];
  const joined = change.joined ?? [];
  const left = change.left ?? [];
  const restored = [...new Set(change.restored ?? [])];
  const removed = [...new Set(change.removed ?? [])];
  if (change.productIds?.length === 0) {
    return;
  }
  const direct = users.length > 0 ? await syncDirectLicenses(trx, organizationId, users, change.productIds) : [];
  const candidates = [
    ...new Set([
      ...users,
      ...joined.map((row) => row.userId),
      ...left.map((row) => row.userId),
      ...restored,
      ...removed,
    ]),
  ];
  if (candidates.length === 0) {
    return;
  }
  // The products this change may move: those of the licenses it wrote, of the groups joined or
  // left (their rows are locked by the memberships' triggers: their profiles cannot change under
  // us), and, for users whose status changed, every product they hold.
  const statusChanged = [...restored, ...removed];
  const groups = [...new Set([...joined, ...left].map((row) => row.groupId))];
  const found = await sql<{ product_id: string }>`
    select pp.product_id from group_profiles gp
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    where gp.organization_id = ${organizationId} and (gp.group_id = any(${groups}::uuid[]) or gp.group_id in (
      select gm.group_id from group_members gm
      where gm.organization_id = ${organizationId} and gm.user_id = any(${statusChanged}::uuid[])))
    union
    select pl.product_id from product_licenses pl
    where pl.organization_id = ${organizationId} and pl.user_id = any(${statusChanged}::uuid[])`.execute(trx);
  const wanted = new Set([...found.rows.map((row) => row.product_id), ...direct.map((row) => row.product_id)]);
  const products = [...wanted].filter((id) => !change.productIds || change.productIds.includes(id));
  if (products.length === 0) {
    return;
  }
  await lockProducts(trx, organizationId, products);
  const counted = await licenseChangeCount(organizationId, {
    candidates,
    products,
    joined,
    left,
    direct,
    restored,
    removed,
  }).execute(trx);
  await applyLicenseDeltas(trx, organizationId, counted.rows);
}

/**
 * Frees every license of users a removal has just taken everything from: their direct licenses
 * are deleted here, and each product's counter goes down by the users who held it, directly or
 * through one of the memberships the removal deleted (`left`). The same count as `settleLicenses`
 * with the users `removed`, without its statement that counts what they hold now: a removed user
 * holds nothing, and what they held is exactly what the removal deleted (the users locked by it,
 * the groups left locked before their memberships were deleted, so no group's profiles changed
 * meanwhile).
 * @param trx the removal's transaction, after the users' status and memberships are written
 */
export async function releaseRemovedUsersLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
  left: Membership[],
): Promise<void> {
  const direct = await sql<{ user_id: string; product_id: string }>`
    delete from product_licenses where organization_id = ${organizationId} and user_id = any(${userIds}::uuid[])
    returning user_id, product_id`.execute(trx);
  const groups = [...new Set(left.map((row) => row.groupId))];
  const gives = new Map<string, string[]>();
  if (groups.length > 0) {
    const rows = await sql<{ group_id: string; product_id: string }>`
      select distinct gp.group_id, pp.product_id from group_profiles gp
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      where gp.organization_id = ${organizationId} and gp.group_id = any(${groups}::uuid[])`.execute(trx);
    for (const row of rows.rows) {
      gives.set(row.group_id, [...(gives.get(row.group_id) ?? []), row.product_id]);
    }
  }
  // Product → the users who held it (a user holding it from several sources counts once).
  const holders = new Map<string, Set<string>>();
  const held = (productId: string, userId: string) => {
    const users = holders.get(productId) ?? new Set<string>();
    users.add(userId);
    holders.set(productId, users);
  };
  for (const row of direct.rows) {
    held(row.product_id, row.user_id);
  }
  for (const row of left) {
    for (const productId of gives.get(row.groupId) ?? []) {
      held(productId, row.userId);
    }
  }
  if (holders.size === 0) {
    return;
  }
  await lockProducts(trx, organizationId, [...holders.keys()]);
  await applyLicenseDeltas(
    trx,
    organizationId,
    [...holders].map(([productId, users]) => ({ product_id: productId, delta: -users.size })),
  );
}

/** A direct license a change wrote (+1) or deleted (−1). */
type DirectChange = { user_id: string; product_id: string; delta: number };

/**
 * Brings the direct licenses (`product_licenses`) of these users in line with their direct
 * profiles: one row per (user, product) for an active user holding a profile of the product.
 * @returns the rows written (+1) and deleted (−1)
 */
async function syncDirectLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
  productIds?: string[],
): Promise<DirectChange[]> {
  const onlyProducts = productIds ? sql`and pp.product_id = any(${productIds}::uuid[])` : sql``;
  const onlyLicenses = productIds ? sql`and pl.product_id = any(${productIds}::uuid[])` : sql``;
  const { rows } = await sql<DirectChange>`
    with desired as materialized (
      select distinct pp.product_id, up.user_id from user_profiles up
      join product_profiles pp on pp.organization_id = ${organizationId} and pp.id = up.profile_id ${onlyProducts}
      join users u on u.organization_id = ${organizationId} and u.id = up.user_id and u.status <> 'removed'
      where up.organization_id = ${organizationId} and up.user_id = any(${userIds}::uuid[])
    ),
    gone as (
      delete from product_licenses pl
      where pl.organization_id = ${organizationId} and pl.user_id = any(${userIds}::uuid[]) ${onlyLicenses}
        and not exists (select 1 from desired d where d.product_id = pl.product_id and d.user_id = pl.user_id)
      returning pl.user_id, pl.product_id, -1 as delta
    ),
    written as (
      insert into product_licenses (organization_id, product_id, user_id)
      select ${organizationId}, product_id, user_id from desired
      order by user_id, product_id
      on conflict do nothing
      returning user_id, product_id, 1 as delta
    )
    select user_id::text, product_id::text, delta from gone union all select user_id::text, product_id::text, delta from written`.execute(
    trx,
  );
  return rows;
}

/**
 * Locks products' rows (their seat counters) in id order, last in the one lock order
 * (changes/locks.ts: users, groups, products), so concurrent changes wait in turn and never in a
 * cycle. Counts read after this see every change that counted these products before.
 */
export async function lockProducts(trx: Transaction<DB>, organizationId: string, productIds: string[]): Promise<void> {
  const ids = [...new Set(productIds)].sort();
  if (ids.length === 0) {
    return;
  }
  await sql`select id from products where organization_id = ${organizationId} and id = any(${ids}::uuid[])
    order by id for no key update`.execute(trx);
}

/** The sources a change moved, as `licenseChangeCount` reverts them. */
export interface ChangeSources {
  /** Every user the change touched. */
  candidates: string[];
  /** The products to count. */
  products: string[];
  joined: Membership[];
  left: Membership[];
  direct: DirectChange[];
  restored: string[];
  removed: string[];
}

/**
 * The statement of `settleLicenses` (exported for its plan test): per product, the users of the
 * change who hold it now less those who held it before it (now, with the change's own writes
 * reverted). Reads the candidates' rows by index; nothing per member of a group.
 * @returns the statement, selecting `product_id` and `delta`
 */
export function licenseChangeCount(organizationId: string, change: ChangeSources): RawBuilder<LicenseDelta> {
  const pairs = (rows: { first: string; second: string }[]) =>
    sql`select * from unnest(${rows.map((row) => row.first)}::uuid[], ${rows.map((row) => row.second)}::uuid[]) as t(user_id, other_id)`;
  const joined = pairs(change.joined.map((row) => ({ first: row.userId, second: row.groupId })));
  const left = pairs(change.left.map((row) => ({ first: row.userId, second: row.groupId })));
  const written = pairs(
    change.direct.filter((row) => row.delta > 0).map((row) => ({ first: row.user_id, second: row.product_id })),
  );
  const deleted = pairs(
    change.direct.filter((row) => row.delta < 0).map((row) => ({ first: row.user_id, second: row.product_id })),
  );
  return sql<LicenseDelta>`
    with gives as materialized (
      select distinct gp.group_id, pp.product_id from group_profiles gp
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      where gp.organization_id = ${organizationId} and pp.product_id = any(${change.products}::uuid[])
    ),
    direct_now as (
      select pl.user_id, pl.product_id from product_licenses pl
      where pl.organization_id = ${organizationId} and pl.user_id = any(${change.candidates}::uuid[])
        and pl.product_id = any(${change.products}::uuid[])
    ),
    members_now as (
      select gm.user_id, gm.group_id from group_members gm
      where gm.organization_id = ${organizationId} and gm.user_id = any(${change.candidates}::uuid[])
    ),
    held_now as (
      select user_id, product_id from direct_now
      union
      select m.user_id, g.product_id from members_now m join gives g on g.group_id = m.group_id
    ),
    held_before as (
      select user_id, product_id from (
        select user_id, product_id from direct_now
        except select user_id, other_id from (${written}) w
        union select user_id, other_id from (${deleted}) d
        where other_id = any(${change.products}::uuid[])) direct
      union
      select m.user_id, g.product_id from (
        select user_id, group_id from members_now
        except select user_id, other_id from (${joined}) j
        union select user_id, other_id from (${left}) l) m
      join gives g on g.group_id = m.group_id
    ),
    status as (
      select u.id, u.status <> 'removed' as active_now,
        (u.status <> 'removed' and not u.id = any(${change.restored}::uuid[])) or u.id = any(${change.removed}::uuid[]) as active_before
      from users u where u.organization_id = ${organizationId} and u.id = any(${change.candidates}::uuid[])
    )
    select product_id::text, sum(delta)::int as delta from (
      select h.product_id, 1 as delta from held_now h join status s on s.id = h.user_id where s.active_now
      union all
      select h.product_id, -1 as delta from held_before h join status s on s.id = h.user_id where s.active_before
    ) changes
    group by product_id`;
}

/**
 * Counts, under the products' locks, a change to a whole group's worth of users: the active users
 * of `members` who hold each product from no source other than `through` (a direct license, or a
 * group not among `through`). One statement, anti-joins against the direct licenses and the other
 * groups giving the product, whatever the number of members; nothing is written per member.
 * - a profile given to a group: the members, through that group, counted +1 for each product the
 *   group did not give before;
 * - a profile taken from a group (no longer giving the product), the group deleted, a profile
 *   deleted: the users who had it, through nothing (their source is gone), counted −1.
 * @param members a query selecting `user_id`, each user once (a group's members are; several
 *   groups' members are not: select them `distinct`)
 * @param through the groups whose memberships are not another source (the one the change is about)
 * @param sign +1 when the change gave the product, −1 when it took it
 * @throws AppError `licenses.insufficient` (422) when a product would pass its quantity
 */
export async function countSoleHolders(
  trx: Transaction<DB>,
  organizationId: string,
  change: { members: RawBuilder<unknown>; through: string[]; productIds: string[]; sign: 1 | -1 },
): Promise<LicenseDelta[]> {
  const products = [...new Set(change.productIds)];
  if (products.length === 0) {
    return [];
  }
  await lockProducts(trx, organizationId, products);
  const deltas: LicenseDelta[] = [];
  for (const productId of products) {
    const counted = await withoutNestedLoops(trx, () =>
      soleHolderCount(organizationId, change.members, change.through, productId).execute(trx),
    );
    deltas.push({ product_id: productId, delta: (counted.rows[0]?.holders ?? 0) * change.sign });
  }
  await applyLicenseDeltas(trx, organizationId, deltas);
  return deltas;
}

/**
 * The statement of `countSoleHolders` (exported for its plan test): the active users of `members`
 * holding the product neither directly nor through a group outside `through`. Run it
 * `withoutNestedLoops`: every join is then a hash join, each table read once.
 * @returns the statement, selecting `holders`
 */
export function soleHolderCount(
  organizationId: string,
  members: RawBuilder<unknown>,
  through: string[],
  productId: string,
): RawBuilder<{ holders: number }> {
  return sql<{ holders: number }>`
    with elsewhere as (
      select pl.user_id from product_licenses pl
      where pl.organization_id = ${organizationId} and pl.product_id = ${productId}
      union all
      select gm.user_id from group_profiles gp
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      join group_members gm on gm.organization_id = gp.organization_id and gm.group_id = gp.group_id
      where gp.organization_id = ${organizationId} and pp.product_id = ${productId}
        and gp.group_id <> all(${through}::uuid[])
    )
    select count(*)::int as holders
    from (${members}) m
    join users u on u.organization_id = ${organizationId} and u.id = m.user_id and u.status <> 'removed'
    where not exists (select 1 from elsewhere e where e.user_id = m.user_id)`;
}

/**
 * Runs `run` with the planner's nested loops off (`set_config(…, true)`: this transaction only,
 * back to the value before once `run` is done; a rollback restores it too), so each join is a
 * hash or merge join, linear whatever the statistics say. Where a join has no other way (a
 * `lateral` one) the planner still uses a nested loop.
 * @returns what `run` returns
 */
export async function withoutNestedLoops<T>(trx: Transaction<DB>, run: () => Promise<T>): Promise<T> {
  const setting = await sql<{ before: string }>`
    select current_setting('enable_nestloop') as before, set_config('enable_nestloop', 'off', true)`.execute(trx);
  const result = await run();
  await sql`select set_config('enable_nestloop', ${setting.rows[0]?.before ?? 'on'}, true)`.execute(trx);
  return result;
}

/**
 * Licenses of users created in the caller's transaction. They held nothing before, so what they
 * hold is exactly the (user, product) pairs their profiles and groups give, which the caller
 * knows: nothing is read back. Only the pairs of direct profiles are written (in key order); every
 * pair counts once.
 * @param pairs one per (user, product) and source; repeats are dropped, and a pair given both
 *   directly and through a group counts once
 * @throws AppError `licenses.insufficient` (422) with a deficit per product
 */
export async function grantNewUserLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  pairs: { userId: string; productId: string; direct: boolean }[],
): Promise<void> {
  // Plain string order of lower-case uuids is PostgreSQL's uuid order: the key's order.
  const key = (pair: { userId: string; productId: string }) => `${pair.userId}|${pair.productId}`;
  const held = new Map<string, { userId: string; productId: string; direct: boolean }>();
  for (const pair of pairs) {
    const known = held.get(key(pair));
    held.set(key(pair), { ...pair, direct: pair.direct || (known?.direct ?? false) });
  }
  const rows = [...held.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  await insertMany(
    trx,
    'product_licenses',
    rows
      .filter((row) => row.direct)
      .map((row) => ({ organization_id: organizationId, user_id: row.userId, product_id: row.productId })),
  );
  const deltas = new Map<string, number>();
  for (const row of rows) {
    deltas.set(row.productId, (deltas.get(row.productId) ?? 0) + 1);
  }
  await applyLicenseDeltas(
    trx,
    organizationId,
    [...deltas].map(([product_id, delta]) => ({ product_id, delta })),
  );
}

/**
 * Moves the per-product license counters by the deltas of a change and refuses the change when
 * a product would pass its quantity. Products are locked in a fixed order, so concurrent changes
 * cannot deadlock nor both take the last seat.
 * @throws AppError `licenses.insufficient` (422) with a deficit per product
 */
async function applyLicenseDeltas(trx: Transaction<DB>, organizationId: string, rows: LicenseDelta[]): Promise<void> {
  const deltas = rows.filter((row) => row.delta !== 0).sort((a, b) => a.product_id.localeCompare(b.product_id));
  const deficits: LicenseDeficit[] = [];
  const seats: ProductSeats[] = [];
  // In a fixed order, so concurrent changes lock products in the same order (no deadlock).
  for (const { product_id, delta } of deltas) {
    const row = await trx
      .updateTable('products')
      .set({ licenses_used: sql<number>`licenses_used + ${delta}` })
      .where('organization_id', '=', organizationId)
      .where('id', '=', product_id)
      .returning(['id', 'name', 'license_quantity', 'licenses_used', 'alert_level'])
      .executeTakeFirstOrThrow();
    seats.push({
      id: row.id,
      name: row.name,
      quantity: row.license_quantity,
      used: row.licenses_used,
      missing: 0,
      stored: row.alert_level,
    });
    if (delta > 0 && row.licenses_used > row.license_quantity) {
      deficits.push({
        productId: row.id,
        productName: row.name,
        licenseQuantity: row.license_quantity,
        required: row.licenses_used,
        missing: row.licenses_used - row.license_quantity,
      });
    }
  }
  if (deficits.length > 0) {
    throw new AppError(
      LicenseErrorCodes.insufficient,
      422,
      `Not enough licenses: ${deficits.map((deficit) => `needs ${deficit.missing} more license${deficit.missing === 1 ? '' : 's'} of ${deficit.productName}`).join('; ')}. Nothing was changed.`,
      { extra: { deficits } },
    );
  }
  // A threshold crossed (90 or 100 % of the seats taken, or use back below one): reads nothing
  // more unless a level changed.
  await noteSeatLevels(trx, organizationId, seats, { keepDemandLevel: true });
}

/**
 * Deletes the direct licenses of a product held by some users who no longer hold any profile of
 * it directly (a profile deleted). Counts nothing: the caller counts the users left with no source
 * (`countSoleHolders`).
 * @param users a query selecting `user_id`
 */
export async function releaseDirectLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  users: RawBuilder<unknown>,
  productId: string,
): Promise<void> {
  await sql`
    delete from product_licenses pl
    where pl.organization_id = ${organizationId} and pl.product_id = ${productId}
      and pl.user_id in (select user_id from (${users}) u)
      and not exists (
        select 1 from user_profiles up
        join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
        where up.organization_id = ${organizationId} and up.user_id = pl.user_id and pp.product_id = ${productId})`.execute(
    trx,
  );
}

/**
 * Deletes the licenses of users deleted for good. A removed user holds none (removal released
 * them), so no counter moves; any left by older data go with the users.
 * @param trx the transaction of the deletion
 * @param organizationId the tenant
 * @param userIds the users being deleted
 */
export async function dropUserLicenses(trx: Transaction<DB>, organizationId: string, userIds: string[]): Promise<void> {
  await trx
    .deleteFrom('product_licenses')
    .where('organization_id', '=', organizationId)
    .where('user_id', 'in', userIds)
    .execute();
}

/**
 * Deletes every license of a product being deleted (its counter goes with the product row).
 * @param trx the transaction of the deletion
 * @param organizationId the tenant
 * @param productId the product being deleted
 */
export async function dropProductLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  productId: string,
): Promise<void> {
  await trx
    .deleteFrom('product_licenses')
    .where('organization_id', '=', organizationId)
    .where('product_id', '=', productId)
    .execute();
}
