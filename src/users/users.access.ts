import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import { findAdminRolesByUserIds, type HeldAdminRole } from '../roles/grants.ts';
import { type Actor, authorize } from '../roles/policy.ts';

/**
 * A user with the names of everything that gives them access: direct profiles, user groups,
 * profiles that come through those groups, and admin roles. Protocol adapters (Adobe's User
 * Management API) present it in their own words.
 */
export interface UserAccess {
  user: UserRow;
  /** Profiles held directly, by name. */
  profiles: string[];
  /** User groups the user is a member of, by name. */
  groups: string[];
  /** Profiles that come only through groups, by name (empty unless asked for). */
  groupProfiles: string[];
  adminRoles: HeldAdminRole[];
}

/** Which users of the organization (never removed ones) to page through. */
export interface UserAccessQuery {
  /** Only users whose e-mail is in this domain (case-insensitive). */
  domain?: string | undefined;
  /** Only members of this user group. */
  groupId?: string | undefined;
  /** Only holders of this profile (directly, or also through groups with `throughGroups`). */
  profileId?: string | undefined;
  /** Also list (and filter by) profiles that come through groups. */
  throughGroups: boolean;
}

function filtered(db: Executor, organizationId: string, query: UserAccessQuery) {
  let q = db
    .selectFrom('users')
    .where('users.organization_id', '=', organizationId)
    .where('users.status', '!=', 'removed');
  if (query.domain) {
    const domain = query.domain
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (char) => `\\${char}`);
    q = q.where(sql<string>`lower(users.email)`, 'like', `%@${domain}`);
  }
  if (query.groupId) {
    const groupId = query.groupId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('group_members')
          .select('group_members.user_id')
          .where('group_members.organization_id', '=', organizationId)
          .where('group_members.group_id', '=', groupId)
          .whereRef('group_members.user_id', '=', 'users.id'),
      ),
    );
  }
  if (query.profileId) {
    const profileId = query.profileId;
    q = q.where((eb) => {
      const direct = eb.exists(
        eb
          .selectFrom('user_profiles')
          .select('user_profiles.user_id')
          .where('user_profiles.organization_id', '=', organizationId)
          .where('user_profiles.profile_id', '=', profileId)
          .whereRef('user_profiles.user_id', '=', 'users.id'),
      );
      if (!query.throughGroups) {
        return direct;
      }
      return eb.or([
        direct,
        eb.exists(
          eb
            .selectFrom('group_members')
            .innerJoin('group_profiles', (join) =>
              join
                .onRef('group_profiles.organization_id', '=', 'group_members.organization_id')
                .onRef('group_profiles.group_id', '=', 'group_members.group_id'),
            )
            .select('group_members.user_id')
            .where('group_members.organization_id', '=', organizationId)
            .where('group_profiles.profile_id', '=', profileId)
            .whereRef('group_members.user_id', '=', 'users.id'),
        ),
      ]);
    });
  }
  return q;
}

/**
 * Counts the users a query selects.
 * @returns the count
 */
export async function countUsersForAccess(
  db: Executor,
  organizationId: string,
  query: UserAccessQuery,
): Promise<number> {
  const row = await filtered(db, organizationId, query)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * Adds the access names (profiles, groups, profiles through groups, admin roles) to user rows,
 * two set-based queries for the whole page: the names (direct profiles, groups and, when asked,
 * profiles through groups, as one union) and the admin roles.
 * @returns the users in the order given, with their access
 */
async function withAccess(
  db: Executor,
  organizationId: string,
  users: UserRow[],
  throughGroups: boolean,
): Promise<UserAccess[]> {
  const ids = users.map((user) => user.id);
  const result = new Map<string, UserAccess>(
    users.map((user) => [user.id, { user, profiles: [], groups: [], groupProfiles: [], adminRoles: [] }]),
  );
  if (ids.length === 0) {
    return [];
  }
  const inherited = throughGroups
    ? sql`union all
      select distinct gm.user_id, 'i' as kind, pp.name from group_members gm
      join group_profiles gp on gp.organization_id = gm.organization_id and gp.group_id = gm.group_id
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      where gm.organization_id = ${organizationId} and gm.user_id = any(${ids}::uuid[])`
    : sql``;
  const names = await sql<{ user_id: string; kind: 'p' | 'g' | 'i'; name: string }>`
    select * from (
      select up.user_id, 'p' as kind, pp.name from user_profiles up
      join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
      where up.organization_id = ${organizationId} and up.user_id = any(${ids}::uuid[])
      union all
      select gm.user_id, 'g' as kind, g.name from group_members gm
      join user_groups g on g.organization_id = gm.organization_id and g.id = gm.group_id
      where gm.organization_id = ${organizationId} and gm.user_id = any(${ids}::uuid[])
      ${inherited}
    ) names order by kind, lower(name)`.execute(db);
  for (const row of names.rows) {
    const access = result.get(row.user_id);
    if (!access) {
      continue;
    }
    if (row.kind === 'p') {
      access.profiles.push(row.name);
    } else if (row.kind === 'g') {
      access.groups.push(row.name);
    } else if (!access.profiles.includes(row.name)) {
      // 'i' sorts after 'p', so a profile held directly is already listed.
      access.groupProfiles.push(row.name);
    }
  }
  const roles = await findAdminRolesByUserIds(db, organizationId, ids);
  for (const [userId, held] of roles) {
    const access = result.get(userId);
    if (access) {
      access.adminRoles = held;
    }
  }
  return ids.map((id) => result.get(id)).filter((access) => access !== undefined);
}

/** Where a page of the listing starts and how long it is. */
export interface UserAccessPage {
  /** Rows to skip (numbered pages); ignored when `after` is given. */
  offset: number;
  limit: number;
  /**
   * Start after this user in the listing's order (`lower(email)`, then id): the last user of the
   * page before, so the page is read from the index where that one ended instead of counting
   * `offset` rows from the start.
   */
  after?: { email: string; id: string } | undefined;
  /** Count the users the query selects (default); false leaves `total` undefined. */
  countTotal?: boolean;
}

/**
 * One page of the organization's users (removed ones excepted) by e-mail, with their access.
 * Offset paging, because the callers (Adobe's clients) ask for numbered pages, or keyset paging
 * from the previous page's last user when the caller knows it.
 * @returns the page, whether more users follow it, and the total the query selects (when counted)
 * @throws AppError 403 without `user.read`
 */
export async function listUsersWithAccess(
  ctx: AppContext,
  actor: Actor,
  query: UserAccessQuery,
  page: UserAccessPage,
): Promise<{
  items: UserAccess[];
  total: number | undefined;
  more: boolean;
  /** The page's last user as `after` of the next page (its sort key as the database computes it). */
  last: { email: string; id: string } | undefined;
}> {
  authorize(actor, 'user.read');
  const total = page.countTotal === false ? undefined : await countUsersForAccess(ctx.db, actor.organizationId, query);
  // The names come with the rows (correlated subqueries, each an index lookup per user of the
  // page), so a page is one statement plus the admin roles.
  let rowsQuery = filtered(ctx.db, actor.organizationId, query)
    .selectAll('users')
    .select([
      sql<string>`lower(users.email)`.as('sort_key'),
      sql<string[]>`array(
        select pp.name from user_profiles up
        join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
        where up.organization_id = users.organization_id and up.user_id = users.id
        order by lower(pp.name))`.as('profile_names'),
      sql<string[]>`array(
        select g.name from group_members gm
        join user_groups g on g.organization_id = gm.organization_id and g.id = gm.group_id
        where gm.organization_id = users.organization_id and gm.user_id = users.id
        order by lower(g.name))`.as('group_names'),
      query.throughGroups
        ? sql<string[]>`array(
        select distinct pp.name from group_members gm
        join group_profiles gp on gp.organization_id = gm.organization_id and gp.group_id = gm.group_id
        join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
        where gm.organization_id = users.organization_id and gm.user_id = users.id)`.as('inherited_names')
        : sql<string[]>`'{}'::text[]`.as('inherited_names'),
    ]);
  if (page.after) {
    const { email, id } = page.after;
    rowsQuery = rowsQuery.where(sql<boolean>`(lower(users.email), users.id) > (${email}, ${id}::uuid)`);
  } else if (page.offset > 0) {
    rowsQuery = rowsQuery.offset(page.offset);
  }
  // One more than the page, to tell whether another page follows without counting.
  const rows = await rowsQuery
    .orderBy(sql`lower(users.email)`)
    .orderBy('users.id')
    .limit(page.limit + 1)
    .execute();
  const more = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  const roles = await findAdminRolesByUserIds(
    ctx.db,
    actor.organizationId,
    pageRows.map((row) => row.id),
  );
  const items = pageRows.map(
    ({ sort_key, profile_names, group_names, inherited_names, ...user }): UserAccess => ({
      user,
      profiles: profile_names,
      groups: group_names,
      groupProfiles: inherited_names.filter((name) => !profile_names.includes(name)),
      adminRoles: roles.get(user.id) ?? [],
    }),
  );
  const end = rows[Math.min(rows.length, page.limit) - 1];
  return {
    items,
    total,
    more,
    last: end ? { email: end.sort_key, id: end.id } : undefined,
  };
}

/**
 * Adds the access names to users already found (e.g. by `findUsersByLogin`).
 * @param throughGroups also list profiles that come through groups
 * @returns the users with their access, in the order given
 * @throws AppError 403 without `user.read`
 */
export async function describeUsersAccess(
  ctx: AppContext,
  actor: Actor,
  users: UserRow[],
  throughGroups: boolean,
): Promise<UserAccess[]> {
  authorize(actor, 'user.read');
  return withAccess(ctx.db, actor.organizationId, users, throughGroups);
}

/**
 * Finds the users of the organization (any status) with this e-mail or username,
 * case-insensitively: at most one per identity type.
 * @param login an e-mail or username
 * @param domain with a username that is not an e-mail: the e-mail domain it belongs to
 * @returns the users found, Enterprise and Federated IDs first
 * @throws AppError 403 without `user.read`
 */
export async function findUsersByLogin(
  ctx: AppContext,
  actor: Actor,
  login: string,
  domain?: string | undefined,
): Promise<UserRow[]> {
  authorize(actor, 'user.read');
  const value = login.trim().toLowerCase();
  let query = ctx.db.selectFrom('users').selectAll().where('organization_id', '=', actor.organizationId);
  if (value.includes('@')) {
    query = query.where((eb) =>
      eb.or([eb(sql<string>`lower(email)`, '=', value), eb(sql<string>`lower(username)`, '=', value)]),
    );
  } else {
    query = query.where(sql<string>`lower(username)`, '=', value);
    if (domain) {
      const escaped = domain
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (char) => `\\${char}`);
      query = query.where(sql<string>`lower(email)`, 'like', `%@${escaped}`);
    }
  }
  const rows = await query.execute();
  const rank = { enterprise: 0, federated: 0, personal: 1 } as const;
  return rows.sort((a, b) => rank[a.identity_type] - rank[b.identity_type]);
}
