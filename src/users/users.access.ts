import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { findAdminRolesByUserIds, type HeldAdminRole } from '../roles/roles.queries.ts';

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
 * four set-based queries for the whole page.
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
  const direct = await db
    .selectFrom('user_profiles')
    .innerJoin('product_profiles', (join) =>
      join
        .onRef('product_profiles.organization_id', '=', 'user_profiles.organization_id')
        .onRef('product_profiles.id', '=', 'user_profiles.profile_id'),
    )
    .select(['user_profiles.user_id', 'product_profiles.name'])
    .where('user_profiles.organization_id', '=', organizationId)
    .where('user_profiles.user_id', 'in', ids)
    .orderBy(sql`lower(product_profiles.name)`)
    .execute();
  for (const row of direct) {
    result.get(row.user_id)?.profiles.push(row.name);
  }
  const groups = await db
    .selectFrom('group_members')
    .innerJoin('user_groups', (join) =>
      join
        .onRef('user_groups.organization_id', '=', 'group_members.organization_id')
        .onRef('user_groups.id', '=', 'group_members.group_id'),
    )
    .select(['group_members.user_id', 'user_groups.name'])
    .where('group_members.organization_id', '=', organizationId)
    .where('group_members.user_id', 'in', ids)
    .orderBy(sql`lower(user_groups.name)`)
    .execute();
  for (const row of groups) {
    result.get(row.user_id)?.groups.push(row.name);
  }
  if (throughGroups) {
    const inherited = await db
      .selectFrom('group_members')
      .innerJoin('group_profiles', (join) =>
        join
          .onRef('group_profiles.organization_id', '=', 'group_members.organization_id')
          .onRef('group_profiles.group_id', '=', 'group_members.group_id'),
      )
      .innerJoin('product_profiles', (join) =>
        join
          .onRef('product_profiles.organization_id', '=', 'group_profiles.organization_id')
          .onRef('product_profiles.id', '=', 'group_profiles.profile_id'),
      )
      .select(['group_members.user_id', 'product_profiles.name'])
      .distinct()
      .where('group_members.organization_id', '=', organizationId)
      .where('group_members.user_id', 'in', ids)
      .execute();
    for (const row of inherited) {
      const access = result.get(row.user_id);
      if (access && !access.profiles.includes(row.name)) {
        access.groupProfiles.push(row.name);
      }
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

/**
 * One page of the organization's users (removed ones excepted) by e-mail, with their access.
 * Offset paging, because the callers (Adobe's clients) ask for numbered pages.
 * @returns the page and the total the query selects
 * @throws AppError 403 without `user.read`
 */
export async function listUsersWithAccess(
  ctx: AppContext,
  actor: Actor,
  query: UserAccessQuery,
  page: { offset: number; limit: number },
): Promise<{ items: UserAccess[]; total: number }> {
  authorize(actor, 'user.read');
  const total = await countUsersForAccess(ctx.db, actor.organizationId, query);
  const rows = await filtered(ctx.db, actor.organizationId, query)
    .selectAll('users')
    .orderBy(sql`lower(users.email)`)
    .orderBy('users.id')
    .offset(page.offset)
    .limit(page.limit)
    .execute();
  return { items: await withAccess(ctx.db, actor.organizationId, rows, query.throughGroups), total };
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
