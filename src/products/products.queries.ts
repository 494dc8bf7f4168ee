import { type ExpressionBuilder, sql } from 'kysely';
import type { NamePosition } from '../core/paging.ts';
import type { Executor } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import type { Reachable } from '../roles/policy.ts';

const PRODUCT_COLUMNS = ['id', 'name', 'license_quantity', 'licenses_used', 'created_at', 'updated_at'] as const;

/**
 * A page of an organization's products ordered by name, limited to what `reach` allows (a
 * product admin's products, or the products of a profile admin's profiles).
 * @returns up to `limit` rows after `after`
 */
export async function findProductsByOrganizationId(
  db: Executor,
  organizationId: string,
  reach: Reachable,
  page: { limit: number; after?: NamePosition | undefined },
) {
  let query = db.selectFrom('products').select(PRODUCT_COLUMNS).where('organization_id', '=', organizationId);
  if (reach !== 'all') {
    const { productIds, profileIds } = reach;
    query = query.where((eb) =>
      eb.or([
        eb('id', 'in', productIds.length ? productIds : [null as never]),
        eb(
          'id',
          'in',
          eb
            .selectFrom('product_profiles')
            .select('product_id')
            .where('organization_id', '=', organizationId)
            .where('id', 'in', profileIds.length ? profileIds : [null as never]),
        ),
      ]),
    );
  }
  if (page.after) {
    const { name, id } = page.after;
    query = query.where(sql<boolean>`(lower(name), id) > (${name}, ${id}::uuid)`);
  }
  return query.orderBy(sql`lower(name)`).orderBy('id').limit(page.limit).execute();
}

/** The first of `profileIds` that belongs to the product, or undefined. */
export async function findProfileIdByProductIdAndProfileIds(
  db: Executor,
  organizationId: string,
  productId: string,
  profileIds: string[],
): Promise<string | undefined> {
  const row = await db
    .selectFrom('product_profiles')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('product_id', '=', productId)
    .where('id', 'in', profileIds)
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/** One product of the organization, or undefined. */
export async function findProductById(db: Executor, organizationId: string, productId: string) {
  return db
    .selectFrom('products')
    .select(PRODUCT_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('id', '=', productId)
    .executeTakeFirst();
}

const PROFILE_COLUMNS = [
  'product_profiles.id',
  'product_profiles.product_id',
  'products.name as product_name',
  'product_profiles.name',
  'product_profiles.description',
  'product_profiles.services',
  'product_profiles.created_at',
  'product_profiles.updated_at',
] as const;

function profilesWithProduct(db: Executor, organizationId: string) {
  return db
    .selectFrom('product_profiles')
    .innerJoin('products', (join) =>
      join
        .onRef('products.id', '=', 'product_profiles.product_id')
        .onRef('products.organization_id', '=', 'product_profiles.organization_id'),
    )
    .select(PROFILE_COLUMNS)
    .where('product_profiles.organization_id', '=', organizationId);
}

function inReach(reach: Reachable) {
  return (eb: ExpressionBuilder<DB & { products: DB['products'] }, 'product_profiles' | 'products'>) => {
    if (reach === 'all') {
      return eb.lit(true);
    }
    const none = [null as never];
    return eb.or([
      eb('product_profiles.id', 'in', reach.profileIds.length ? reach.profileIds : none),
      eb('product_profiles.product_id', 'in', reach.productIds.length ? reach.productIds : none),
    ]);
  };
}

/**
 * A page of an organization's product profiles ordered by name, optionally of one product,
 * limited to what `reach` allows.
 * @returns up to `limit` rows after `after`
 */
export async function findProfilesByOrganizationId(
  db: Executor,
  organizationId: string,
  reach: Reachable,
  page: { limit: number; after?: NamePosition | undefined; productId?: string | undefined },
) {
  let query = profilesWithProduct(db, organizationId).where(inReach(reach));
  if (page.productId) {
    query = query.where('product_profiles.product_id', '=', page.productId);
  }
  if (page.after) {
    const { name, id } = page.after;
    query = query.where(sql<boolean>`(lower(product_profiles.name), product_profiles.id) > (${name}, ${id}::uuid)`);
  }
  return query.orderBy(sql`lower(product_profiles.name)`).orderBy('product_profiles.id').limit(page.limit).execute();
}

/** One product profile of the organization with its product's name, or undefined. */
export async function findProfileById(db: Executor, organizationId: string, profileId: string) {
  return profilesWithProduct(db, organizationId).where('product_profiles.id', '=', profileId).executeTakeFirst();
}

/**
 * How many users hold each profile, directly or through a group (removed users hold none).
 * @returns profile id → users
 */
export async function countUsersByProfileIds(
  db: Executor,
  organizationId: string,
  profileIds: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(profileIds.map((id) => [id, 0]));
  if (profileIds.length === 0) {
    return counts;
  }
  const rows = await sql<{ profile_id: string; n: number }>`
    select profile_id, count(distinct user_id)::int as n from (
      select profile_id, user_id from user_profiles
      where organization_id = ${organizationId} and profile_id = any(${profileIds}::uuid[])
      union all
      select gp.profile_id, gm.user_id from group_profiles gp
      join group_members gm on gm.organization_id = gp.organization_id and gm.group_id = gp.group_id
      where gp.organization_id = ${organizationId} and gp.profile_id = any(${profileIds}::uuid[])
    ) held group by profile_id`.execute(db);
  for (const row of rows.rows) {
    counts.set(row.profile_id, row.n);
  }
  return counts;
}
