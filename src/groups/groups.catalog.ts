import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Criteria, CriteriaPage } from '../db/criteria.ts';
import type { Executor } from '../db/database.ts';
import { type Actor, authorize, type Reachable, reachable } from '../roles/policy.ts';
import {
  findGroupSummariesByOrganizationId,
  findGroupsPageByCriteria,
  findMemberIdsByGroupIdAndCriteria,
  type GroupCriteriaSort,
  type GroupSummary,
  type GroupVersionRow,
} from './groups.queries.ts';

export type { GroupCriteriaSort, GroupSummary, GroupVersionRow };

/** A product profile or a user group: what a user can be "put in" to get access. */
export interface AccessGroup {
  kind: 'profile' | 'group';
  id: string;
  name: string;
  /** Profiles: the product's id, name and license quantity. */
  productId: string | null;
  productName: string | null;
  licenseQuantity: number | null;
  /** Users holding the profile directly, or members of the group. */
  memberCount: number;
}

/**
 * One page of the organization's product profiles and user groups together, by name
 * (case-insensitive), limited to what the actor may read.
 * @returns the page and the total
 * @throws AppError 403 without `group.read`
 */
export async function listAccessGroups(
  ctx: AppContext,
  actor: Actor,
  page: { offset: number; limit: number },
): Promise<{ items: AccessGroup[]; total: number }> {
  authorize(actor, 'group.read');
  const groups = reachable(actor, 'group.read');
  const profiles = reachable(actor, 'profile.read');
  const org = actor.organizationId;
  const none = '00000000-0000-0000-0000-000000000000';
  const groupFilter =
    groups === 'all' ? sql`true` : sql`g.id = any(${groups.groupIds.length ? groups.groupIds : [none]}::uuid[])`;
  const profileFilter =
    profiles === 'all'
      ? sql`true`
      : sql`(pp.id = any(${profiles.profileIds.length ? profiles.profileIds : [none]}::uuid[])
             or pp.product_id = any(${profiles.productIds.length ? profiles.productIds : [none]}::uuid[]))`;
  const union = sql`
    select 'profile' as kind, pp.id, pp.name, p.id as product_id, p.name as product_name,
      p.license_quantity, (select count(*)::int from user_profiles up
        where up.organization_id = pp.organization_id and up.profile_id = pp.id) as member_count
    from product_profiles pp
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    where pp.organization_id = ${org} and ${profileFilter}
    union all
    select 'group' as kind, g.id, g.name, null, null, null, (select count(*)::int from group_members m
        where m.organization_id = g.organization_id and m.group_id = g.id) as member_count
    from user_groups g
    where g.organization_id = ${org} and ${groupFilter}`;
  const rows = await sql<{
    kind: 'profile' | 'group';
    id: string;
    name: string;
    product_id: string | null;
    product_name: string | null;
    license_quantity: number | null;
    member_count: number;
    total: number;
  }>`
    select a.*, count(*) over ()::int as total from (${union}) a
    order by lower(a.name), a.kind desc, a.id
    offset ${page.offset} limit ${page.limit}`.execute(ctx.db);
  let total = rows.rows[0]?.total;
  if (total === undefined) {
    const counted = await sql<{ total: number }>`select count(*)::int as total from (${union}) a`.execute(ctx.db);
    total = counted.rows[0]?.total ?? 0;
  }
  return {
    total,
    items: rows.rows.map((row) => ({
      kind: row.kind,
      id: row.id,
      name: row.name,
      productId: row.product_id,
      productName: row.product_name,
      licenseQuantity: row.license_quantity === null ? null : Number(row.license_quantity),
      memberCount: Number(row.member_count),
    })),
  };
}

/** What a name (compared case-insensitively) stands for: profiles and user groups so named. */
export interface ResolvedAccessName {
  profiles: { id: string; name: string; productId: string }[];
  groups: { id: string; name: string }[];
}

/**
 * Resolves names that may be profile or user group names, case-insensitively (Adobe's sync tool
 * lower-cases every name it sends). A name may match nothing, a profile, a group, or both; the
 * caller decides what an ambiguous or unknown name means for it.
 * @param db database or transaction
 * @param names the names as given
 * @returns lower-cased trimmed name → what it matches (every name asked is present)
 */
export async function resolveAccessNames(
  db: Executor,
  organizationId: string,
  names: string[],
): Promise<Map<string, ResolvedAccessName>> {
  const keys = [...new Set(names.map((name) => name.trim().toLowerCase()))];
  const result = new Map<string, ResolvedAccessName>(keys.map((key) => [key, { profiles: [], groups: [] }]));
  if (keys.length === 0) {
    return result;
  }
  const profiles = await db
    .selectFrom('product_profiles')
    .select(['id', 'name', 'product_id'])
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(name)`, 'in', keys)
    .execute();
  for (const row of profiles) {
    result.get(row.name.toLowerCase())?.profiles.push({ id: row.id, name: row.name, productId: row.product_id });
  }
  const groups = await db
    .selectFrom('user_groups')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(name)`, 'in', keys)
    .execute();
  for (const row of groups) {
    result.get(row.name.toLowerCase())?.groups.push({ id: row.id, name: row.name });
  }
  return result;
}

/**
 * One group's id and name, read for another capability (a bulk file into a group checks it
 * exists before authorizing on it).
 * @returns the group, or undefined when not in the organization
 */
export async function findGroupNameById(
  db: Executor,
  organizationId: string,
  groupId: string,
): Promise<{ id: string; name: string } | undefined> {
  return db
    .selectFrom('user_groups')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', groupId)
    .executeTakeFirst();
}

/**
 * An organization's groups with their admins and profiles, by name, streamed a thousand at a time
 * (what a file of the current groups lists; the caller has authorized the reader).
 * @param db database
 * @param organizationId the tenant
 * @param reach which groups: `all`, or the reader's scoped group ids
 * @returns the groups
 */
export function streamGroupSummaries(
  db: Executor,
  organizationId: string,
  reach: Reachable,
): AsyncGenerator<GroupSummary> {
  return findGroupSummariesByOrganizationId(db, organizationId, reach);
}

/**
 * One page of the organization's groups (those `reach` allows) matching protocol-neutral criteria
 * (an adapter's filter, such as a SCIM `filter`, translated to the fields of `groups.queries.ts`),
 * with the total count. The caller has authorized the reader.
 * @param db database
 * @param organizationId the tenant
 * @param page criteria (null: all), order, offset and size
 * @param reach `all`, or the group ids the reader may read
 * @returns the rows and the number of matches
 * @throws CriteriaError when a value does not fit its field (the adapter words it)
 */
export function listGroupsByCriteria(
  db: Executor,
  organizationId: string,
  page: CriteriaPage<GroupCriteriaSort>,
  reach: 'all' | string[],
): Promise<{ rows: GroupVersionRow[]; total: number }> {
  return findGroupsPageByCriteria(db, organizationId, page, reach);
}

/**
 * One group with its versions, or undefined.
 * @param groupId a UUID (the caller checks the text first)
 * @returns the row
 */
export async function findGroupVersionRowById(
  db: Executor,
  organizationId: string,
  groupId: string,
): Promise<GroupVersionRow | undefined> {
  return db
    .selectFrom('user_groups')
    .select(['id', 'name', 'external_id', 'version', 'members_version', 'created_at', 'updated_at'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', groupId)
    .executeTakeFirst();
}

/**
 * The members of a group matching criteria on a member (fields `userId` and `username`), all for null.
 * @returns their user ids
 * @throws CriteriaError when a value does not fit its field
 */
export function findMemberIdsByGroupIdMatching(
  db: Executor,
  organizationId: string,
  groupId: string,
  criteria: Criteria | null,
): Promise<string[]> {
  return findMemberIdsByGroupIdAndCriteria(db, organizationId, groupId, criteria);
}
