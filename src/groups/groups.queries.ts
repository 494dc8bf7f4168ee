import { sql } from 'kysely';
import type { IdentityType } from '../../shared/contracts.ts';
import { type CappedCount, countCapped } from '../db/count-capped.ts';
import {
  type Criteria,
  type CriteriaCatalog,
  type CriteriaPage,
  criteriaSql,
  criteriaField as field,
  findPageByCriteria,
} from '../db/criteria.ts';
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
  page: {
    limit: number;
    search?: string | undefined;
    after?: { name: string; id: string } | undefined;
    /** Z to A (the unique index `(organization_id, lower(name))` read backwards). */
    descending?: boolean | undefined;
  },
): Promise<GroupRow[]> {
  let query = selectGroups(db, organizationId, reach, page.search);
  if (page.after) {
    query = query.where(
      page.descending
        ? sql<boolean>`(lower(name), id) < (${page.after.name}, ${page.after.id}::uuid)`
        : sql<boolean>`(lower(name), id) > (${page.after.name}, ${page.after.id}::uuid)`,
    );
  }
  const direction = page.descending ? 'desc' : 'asc';
  const rows = await query.orderBy(sql`lower(name)`, direction).orderBy('id', direction).limit(page.limit).execute();
  return withCounts(db, organizationId, rows);
}

/**
 * Counts the groups within reach matching a search (capped at 10,000: "more than").
 * @returns the count
 */
export function countGroups(
  db: Executor,
  organizationId: string,
  reach: Reachable,
  search: string | undefined,
): Promise<CappedCount> {
  return countCapped(db, selectGroups(db, organizationId, reach, search).clearSelect().select('id'));
}

/** The groups within reach matching a search, unordered (the list's and its count's query). */
function selectGroups(db: Executor, organizationId: string, reach: Reachable, search: string | undefined) {
  let query = db.selectFrom('user_groups').select(GROUP_COLUMNS).where('organization_id', '=', organizationId);
  if (reach !== 'all') {
    query = query.where('id', 'in', reach.groupIds.length ? reach.groupIds : ['00000000-0000-0000-0000-000000000000']);
  }
  if (search) {
    const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
    query = query.where(sql<string>`lower(name || ' ' || coalesce(description, ''))`, 'like', pattern);
  }
  return query;
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

const SUMMARY_PAGE = 1000;

/** A group as a file of groups lists it: description, admins (by e-mail) and profiles (by name). */
export interface GroupSummary {
  name: string;
  description: string | null;
  admins: { identityType: IdentityType; email: string }[];
  profiles: string[];
}

/**
 * An organization's groups (those the reader reaches) with their admins and profiles, by name, a
 * thousand at a time (keyset on name and id), each page's admins and profiles loaded in two set
 * queries: memory stays flat however many groups there are.
 * @param db database
 * @param organizationId the tenant
 * @param reach which groups: `all`, or the reader's scoped group ids
 * @returns the groups, by name then id; admins by e-mail, profiles by name
 */
export async function* findGroupSummariesByOrganizationId(
  db: Executor,
  organizationId: string,
  reach: Reachable,
): AsyncGenerator<GroupSummary> {
  if (reach !== 'all' && reach.groupIds.length === 0) {
    return;
  }
  let after: { name: string; id: string } | null = null;
  for (;;) {
    let query = db
      .selectFrom('user_groups')
      .select(['id', 'name', 'description'])
      .where('organization_id', '=', organizationId);
    if (reach !== 'all') {
      query = query.where('id', 'in', reach.groupIds);
    }
    if (after !== null) {
      const { name, id } = after;
      query = query.where(sql<boolean>`(name, id) > (${name}, ${id}::uuid)`);
    }
    const groups = await query.orderBy('name').orderBy('id').limit(SUMMARY_PAGE).execute();
    if (groups.length === 0) {
      return;
    }
    const ids = groups.map((group) => group.id);
    const admins = await sql<{ group_id: string; identity_type: IdentityType; email: string }>`
      select a.group_id, u.identity_type, u.email from admin_role_assignments a
      join users u on u.organization_id = a.organization_id and u.id = a.user_id
      where a.organization_id = ${organizationId} and a.role = 'group-admin' and a.group_id = any(${ids}::uuid[])
      order by u.email`.execute(db);
    const profiles = await sql<{ group_id: string; name: string }>`
      select gp.group_id, pp.name from group_profiles gp
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      where gp.organization_id = ${organizationId} and gp.group_id = any(${ids}::uuid[])
      order by pp.name`.execute(db);
    const adminsOf = byGroupId(admins.rows);
    const profilesOf = byGroupId(profiles.rows);
    for (const group of groups) {
      yield {
        name: group.name,
        description: group.description,
        admins: (adminsOf.get(group.id) ?? []).map((row) => ({ identityType: row.identity_type, email: row.email })),
        profiles: (profilesOf.get(group.id) ?? []).map((row) => row.name),
      };
    }
    const last = groups.at(-1);
    if (groups.length < SUMMARY_PAGE || last === undefined) {
      return;
    }
    after = { name: last.name, id: last.id };
  }
}

function byGroupId<T extends { group_id: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.group_id);
    if (list) {
      list.push(row);
    } else {
      map.set(row.group_id, [row]);
    }
  }
  return map;
}

/** A member of a group, as criteria on a group's members see it (`gm`: the membership, `u`: the user). */
const MEMBER_CRITERIA: CriteriaCatalog = {
  fields: {
    userId: field(sql`gm.user_id`, 'uuid', true),
    username: field(sql`u.username`, 'string'),
  },
  relations: {},
};

/** The fields of a group that criteria compare (over `user_groups`); `members` relates it to its members. */
const GROUP_CRITERIA: CriteriaCatalog = {
  fields: {
    id: field(sql`user_groups.id`, 'uuid', true),
    name: field(sql`user_groups.name`, 'string'),
    externalId: field(sql`user_groups.external_id`, 'string', true),
    createdAt: field(sql`user_groups.created_at`, 'dateTime'),
    updatedAt: field(sql`user_groups.updated_at`, 'dateTime'),
  },
  relations: {
    members: {
      catalog: MEMBER_CRITERIA,
      exists: (inner) =>
        sql<boolean>`exists (select 1 from group_members gm join users u on u.organization_id = gm.organization_id and u.id = gm.user_id
        where gm.organization_id = user_groups.organization_id and gm.group_id = user_groups.id and ${inner})`,
    },
  },
};

/** The orders a page of groups by criteria takes (ties broken by id). */
const CRITERIA_GROUP_SORTS = {
  id: sql`user_groups.id`,
  name: sql`lower(user_groups.name)`,
  externalId: sql`user_groups.external_id`,
  createdAt: sql`user_groups.created_at`,
  updatedAt: sql`user_groups.updated_at`,
};
export type GroupCriteriaSort = keyof typeof CRITERIA_GROUP_SORTS;

/** A group with its versions (what a protocol adapter presents and its ETags read). */
export interface GroupVersionRow {
  id: string;
  name: string;
  external_id: string | null;
  version: number;
  members_version: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * One page of an organization's groups (those `reach` allows) matching criteria, in a stable order
 * (the sort key, then id), with the total count (the page and the count read in parallel).
 * @returns the rows and the number of matches
 * @throws CriteriaError when a value does not fit its field
 */
export function findGroupsPageByCriteria(
  db: Executor,
  organizationId: string,
  page: CriteriaPage<GroupCriteriaSort>,
  reach: 'all' | string[],
): Promise<{ rows: GroupVersionRow[]; total: number }> {
  return findPageByCriteria<GroupVersionRow, GroupCriteriaSort>(
    db,
    {
      table: 'user_groups',
      columns: sql`user_groups.id, user_groups.name, user_groups.external_id, user_groups.version, user_groups.members_version, user_groups.created_at, user_groups.updated_at`,
      organizationId,
      catalog: GROUP_CRITERIA,
      sorts: CRITERIA_GROUP_SORTS,
      ...(reach === 'all' ? {} : { also: sql<boolean>`user_groups.id = any(${reach}::uuid[])` }),
    },
    page,
  );
}

/**
 * The members of a group that match criteria on a member (`MEMBER_CRITERIA`), all of them for null.
 * @returns their user ids
 * @throws CriteriaError when a value does not fit its field
 */
export async function findMemberIdsByGroupIdAndCriteria(
  db: Executor,
  organizationId: string,
  groupId: string,
  criteria: Criteria | null,
): Promise<string[]> {
  const condition = criteria ? criteriaSql(criteria, MEMBER_CRITERIA) : sql<boolean>`true`;
  const rows = await sql<{ user_id: string }>`select gm.user_id from group_members gm
    join users u on u.organization_id = gm.organization_id and u.id = gm.user_id
    where gm.organization_id = ${organizationId} and gm.group_id = ${groupId} and ${condition}`.execute(db);
  return rows.rows.map((row) => row.user_id);
}
