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

/**
 * Affected users up to which a recount names them in an id array (each table read by index, for
 * those users only); past it, the recount reads the users from their query with hash joins.
 */
const ID_ARRAY_USERS = 50_000;

/** A product's license counter change. */
type LicenseDelta = { product_id: string; delta: number };

/**
 * Brings `product_licenses` (and `products.licenses_used`) in line with the profiles the given
 * users hold, directly or through groups: one license per (user, product), however many profiles
 * and groups give it; removed users hold none. Set-based: one statement for any number of users.
 *
 * Call it in the transaction of every change to a user's profiles, groups, group profiles or
 * status, with the users it touched. Counters are updated with row locks on the products, so two
 * concurrent assignments cannot both take the last seat.
 *
 * Linear whatever the statistics say (issue 22). With statistics taken while `product_licenses`
 * was empty or full of dead rows, the licenses were planned as a one-row table and joined to the
 * affected users by a nested loop re-reading every affected user per license: 231 s to take a
 * profile from a 20,000-member group. Now nested loops are off for this one statement, so each
 * join is a hash or merge join (each side read once); up to `ID_ARRAY_USERS` affected users are
 * named in an array, so every table is read by index for those users only, and more (a large
 * group's members) are read from their query.
 * @param trx the transaction of the change
 * @param organizationId the tenant
 * @param users the users whose entitlements may have changed: ids, or a query selecting `user_id`
 *   (a group's members): up to `ID_ARRAY_USERS` are read into an id array, a larger set never
 *   passes through this process
 * @param productIds when given, only these products' licenses are recounted
 * @throws AppError `licenses.insufficient` (422) with a deficit per product when a product would
 *   exceed its licenses because of this change (the caller's transaction then rolls back)
 */
export async function syncLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  users: string[] | RawBuilder<unknown>,
  productIds?: string[],
): Promise<void> {
  if ((Array.isArray(users) && users.length === 0) || (productIds && productIds.length === 0)) {
    return;
  }
  let affected: RecountUsers;
  if (Array.isArray(users)) {
    affected = { ids: [...new Set(users)] };
  } else {
    // At most ID_ARRAY_USERS + 1 read: a large group's members stay in the database.
    const { rows } = await sql<{ user_id: string }>`
      select distinct user_id from (select user_id from (${users}) a limit ${ID_ARRAY_USERS + 1}) a`.execute(trx);
    affected = rows.length <= ID_ARRAY_USERS ? { ids: rows.map((row) => row.user_id) } : { query: users };
  }
  if ('ids' in affected && affected.ids.length === 0) {
    return;
  }
  const recount = licenseRecount(organizationId, affected, productIds);
  const changed = await withoutNestedLoops(trx, () => recount.execute(trx));
  await applyLicenseDeltas(trx, organizationId, changed.rows);
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

/** The users a recount covers: named in an array, or selected (`user_id`) by a query. */
export type RecountUsers = { ids: string[] } | { query: RawBuilder<unknown> };

/**
 * The statement of `syncLicenses` (exported for its plan test): brings these users' licenses of
 * these products in line with their profiles and returns the counter change per product. Run it
 * `withoutNestedLoops`, as `syncLicenses` does.
 * @returns the statement, selecting `product_id` and `delta`
 */
export function licenseRecount(
  organizationId: string,
  users: RecountUsers,
  productIds?: string[],
): RawBuilder<LicenseDelta> {
  const among = (column: string) =>
    'ids' in users
      ? sql`${sql.ref(column)} = any(${users.ids}::uuid[])`
      : sql`${sql.ref(column)} in (select user_id from affected)`;
  const affected =
    'ids' in users ? sql`` : sql`affected as materialized (select distinct user_id from (${users.query}) a),`;
  const onlyProducts = productIds ? sql`and pp.product_id = any(${productIds}::uuid[])` : sql``;
  const onlyLicenses = productIds ? sql`and pl.product_id = any(${productIds}::uuid[])` : sql``;
  return sql<LicenseDelta>`
    with ${affected}
    held as (
      select up.user_id, up.profile_id from user_profiles up
      where up.organization_id = ${organizationId} and ${among('up.user_id')}
      union
      select gm.user_id, gp.profile_id from group_members gm
      join group_profiles gp on gp.organization_id = gm.organization_id and gp.group_id = gm.group_id
      where gm.organization_id = ${organizationId} and ${among('gm.user_id')}
    ),
    desired as materialized (
      select distinct pp.product_id, held.user_id from held
      join product_profiles pp on pp.organization_id = ${organizationId} and pp.id = held.profile_id ${onlyProducts}
      join users u on u.organization_id = ${organizationId} and u.id = held.user_id and u.status <> 'removed'
        and ${among('u.id')}
    ),
    removed as (
      delete from product_licenses pl
      where pl.organization_id = ${organizationId} and ${among('pl.user_id')} ${onlyLicenses}
        and not exists (select 1 from desired d where d.product_id = pl.product_id and d.user_id = pl.user_id)
      returning pl.product_id, -1 as delta
    ),
    added as (
      insert into product_licenses (organization_id, product_id, user_id)
      select ${organizationId}, product_id, user_id from desired
      on conflict do nothing
      returning product_id, 1 as delta
    )
    select product_id, sum(delta)::int as delta from (select * from removed union all select * from added) changes
    group by product_id`;
}

/**
 * Licenses of users created in the caller's transaction. They held nothing before, so their
 * licenses are exactly the (user, product) pairs their profiles and groups give, which the caller
 * knows: nothing is read back, and the rows are written in key order.
 * @param pairs one per (user, product); repeats are dropped
 * @throws AppError `licenses.insufficient` (422) with a deficit per product
 */
export async function grantNewUserLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  pairs: { userId: string; productId: string }[],
): Promise<void> {
  // Plain string order of lower-case uuids is PostgreSQL's uuid order: the key's order.
  const key = (pair: { userId: string; productId: string }) => `${pair.userId}|${pair.productId}`;
  const unique = new Map(pairs.map((pair) => [key(pair), pair]));
  const rows = [...unique.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  await insertMany(
    trx,
    'product_licenses',
    rows.map((row) => ({ organization_id: organizationId, user_id: row.userId, product_id: row.productId })),
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
 * The additive fast path of `syncLicenses`, for changes that can only add licenses (a profile
 * given to a group, members added to a group): one license per (user, product) is inserted where
 * missing, without recomputing what users already hold. Removed users get none.
 * @param users ids, or a query selecting `user_id`
 * @param productIds the products whose profiles the users gained
 * @throws AppError `licenses.insufficient` (422)
 */
export async function grantLicenses(
  trx: Transaction<DB>,
  organizationId: string,
  users: string[] | RawBuilder<unknown>,
  productIds: string[],
): Promise<void> {
  if (productIds.length === 0 || (Array.isArray(users) && users.length === 0)) {
    return;
  }
  const source = Array.isArray(users) ? sql`select unnest(${[...new Set(users)]}::uuid[]) as user_id` : users;
  const added = await sql<{ product_id: string; delta: number }>`
    with granted as (
      insert into product_licenses (organization_id, product_id, user_id)
      select ${organizationId}, p.product_id, u.id
      from (${source}) a
      join users u on u.organization_id = ${organizationId} and u.id = a.user_id and u.status <> 'removed'
      cross join unnest(${[...new Set(productIds)]}::uuid[]) as p(product_id)
      -- In key order: index pages fill one after another instead of at random (17 s → 11 s for 1M rows).
      order by u.id, p.product_id
      on conflict do nothing
      returning product_id
    )
    select product_id, count(*)::int as delta from granted group by product_id`.execute(trx);
  await applyLicenseDeltas(trx, organizationId, added.rows);
}

/**
 * Releases every license of users who may hold none any more (removed in the caller's
 * transaction): what `syncLicenses` does for them, without working out what they should hold.
 * @param trx the transaction of the removal
 * @param organizationId the tenant
 * @param userIds the users
 */
export async function releaseLicenses(trx: Transaction<DB>, organizationId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) {
    return;
  }
  const released = await sql<LicenseDelta>`
    with gone as (
      delete from product_licenses
      where organization_id = ${organizationId} and user_id = any(${[...new Set(userIds)]}::uuid[])
      returning product_id)
    select product_id, -count(*)::int as delta from gone group by product_id`.execute(trx);
  await applyLicenseDeltas(trx, organizationId, released.rows);
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
