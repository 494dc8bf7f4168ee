import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Reachable } from '../roles/policy.ts';

const GROUP_COLUMNS = ['id', 'name', 'description', 'version', 'created_at', 'updated_at'] as const;

/** A group row with its counts. */
export interface GroupRow {
  id: string;
  name: string;
  description: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  members: number;
  profiles: number;
  admins: number;
}

/**
 * Adds member, profile and admin counts to group rows (one query per count, for the whole page).
 * @returns the rows with counts
 */
async function withCounts(
  db: Executor,
  organizationId: string,
  rows: { id: string; name: string; description: string | null; version: number; created_at: Date; updated_at: Date }[],
): Promise<GroupRow[]> {
  const ids = rows.map((row) => row.id);
  if (ids.length === 0) {
    return [];
  }
  const counts = await sql<{ id: string; members: number; profiles: number; admins: number }>`
    select g.id,
      (select count(*)::int from group_members m where m.organization_id = ${organizationId} and m.group_id = g.id) as members,
      (select count(*)::int from group_profiles p where p.organization_id = ${organizationId} and p.group_id = g.id) as profiles,
      (select count(*)::int from admin_role_assignments a where a.organization_id = ${organizationId} and a.group_id = g.id and a.role = 'group-admin') as admins
    from user_groups g where g.organization_id = ${organizationId} and g.id = any(${ids}::uuid[])`.execute(db);
  const byId = new Map(counts.rows.map((row) => [row.id, row]));
  return rows.map((row) => ({
    ...row,
    members: byId.get(row.id)?.members ?? 0,
    profiles: byId.get(row.id)?.profiles ?? 0,
    admins: byId.get(row.id)?.admins ?? 0,
  }));
}

/**
 * A page of an organization's groups by name, optionally searched, limited to what `reach` allows.
 * @returns up to `limit` rows after the keyset position
 */
export async function findGroupsByOrganizationId(
  db: Executor,
  organizationId: string,
  reach: Reachable,
  page: { limit: number; search?: string | undefined; after?: { name: string; id: string } | undefined },
): Promise<GroupRow[]> {
  let query = db.selectFrom('user_groups').select(GROUP_COLUMNS).where('organization_id', '=', organizationId);
  if (reach !== 'all') {
    query = query.where('id', 'in', reach.groupIds.length ? reach.groupIds : ['00000000-0000-0000-0000-000000000000']);
  }
  if (page.search) {
    const pattern = `%${page.search.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    query = query.where(sql<string>`lower(name || ' ' || coalesce(description, ''))`, 'like', pattern);
  }
  if (page.after) {
    query = query.where(sql<boolean>`(lower(name), id) > (${page.after.name}, ${page.after.id}::uuid)`);
  }
  const rows = await query.orderBy(sql`lower(name)`).orderBy('id').limit(page.limit).execute();
  return withCounts(db, organizationId, rows);
}

/** One group with counts, or undefined. */
export async function findGroupById(
  db: Executor,
  organizationId: string,
  groupId: string,
): Promise<GroupRow | undefined> {
  const row = await db
    .selectFrom('user_groups')
    .select(GROUP_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('id', '=', groupId)
    .executeTakeFirst();
  return row ? (await withCounts(db, organizationId, [row]))[0] : undefined;
}

/** The profiles assigned to a group, with their products. */
export async function findProfilesByGroupId(db: Executor, organizationId: string, groupId: string) {
  return db
    .selectFrom('group_profiles')
    .innerJoin('product_profiles', (join) =>
      join
        .onRef('product_profiles.id', '=', 'group_profiles.profile_id')
        .onRef('product_profiles.organization_id', '=', 'group_profiles.organization_id'),
    )
    .innerJoin('products', (join) =>
      join
        .onRef('products.id', '=', 'product_profiles.product_id')
        .onRef('products.organization_id', '=', 'product_profiles.organization_id'),
    )
    .select([
      'product_profiles.id',
      'product_profiles.name',
      'product_profiles.product_id',
      'products.name as product_name',
    ])
    .where('group_profiles.organization_id', '=', organizationId)
    .where('group_profiles.group_id', '=', groupId)
    .orderBy(sql`lower(product_profiles.name)`)
    .execute();
}

/** The group admins of a group. */
export async function findAdminsByGroupId(db: Executor, organizationId: string, groupId: string) {
  return db
    .selectFrom('admin_role_assignments')
    .innerJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'admin_role_assignments.user_id')
        .onRef('users.organization_id', '=', 'admin_role_assignments.organization_id'),
    )
    .select(['users.id', 'users.email', 'users.first_name', 'users.last_name'])
    .where('admin_role_assignments.organization_id', '=', organizationId)
    .where('admin_role_assignments.group_id', '=', groupId)
    .where('admin_role_assignments.role', '=', 'group-admin')
    .orderBy(sql`lower(users.email)`)
    .execute();
}

/** A query selecting the members of groups as `user_id`, for set-based license resync. */
export function membersOf(organizationId: string, groupIds: string[]) {
  return sql`select user_id from group_members where organization_id = ${organizationId} and group_id = any(${groupIds}::uuid[])`;
}
