import { sql } from 'kysely';
import { answersFor, type ResolvedLookups } from '../changes/resolution.ts';
import { AppError } from '../core/errors.ts';
import type { CriteriaPage } from '../db/criteria.ts';
import type { Executor } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import { UserErrorCodes } from './users.errors.ts';
import { findUsersPageByCriteria, type UserCriteriaSort } from './users.queries.ts';

export type { UserCriteriaSort };

/** A profile found by name, with its product (for scope checks). */
export interface NamedProfile {
  id: string;
  name: string;
  productId: string;
}

/** A group found by name. */
export interface NamedGroup {
  id: string;
  name: string;
}

/**
 * Finds profiles by name (case-insensitive). Names not found are reported with the field that
 * named them, so the caller can answer "row 3, profiles: no profile 'X'".
 * @param wanted field path → names asked there
 * @param lookups names the caller resolved in this transaction (`changes/resolution.ts`): read
 *   from them, not again, when they answer for every name
 * @returns lower-case name → profile
 * @throws AppError `users.unknown_profile` (422) naming every field with an unknown name
 */
export async function findProfilesByNames(
  db: Executor,
  organizationId: string,
  wanted: [field: string, names: string[]][],
  lookups?: ResolvedLookups,
): Promise<Map<string, NamedProfile>> {
  const names = [...new Set(wanted.flatMap(([, list]) => list.map((name) => name.trim().toLowerCase())))];
  const found = new Map<string, NamedProfile>();
  if (answersFor(lookups, 'profiles', names)) {
    for (const name of names) {
      const profile = lookups.profiles.get(name);
      if (profile) {
        found.set(profile.name.toLowerCase(), profile);
      }
    }
  } else if (names.length > 0) {
    const rows = await db
      .selectFrom('product_profiles')
      .select(['id', 'name', 'product_id'])
      .where('organization_id', '=', organizationId)
      .where(sql<string>`lower(name)`, 'in', names)
      .execute();
    for (const row of rows) {
      found.set(row.name.toLowerCase(), { id: row.id, name: row.name, productId: row.product_id });
    }
  }
  const errors = wanted.flatMap(([field, list]) =>
    list
      .filter((name) => !found.has(name.trim().toLowerCase()))
      .map((name) => ({
        field,
        message: `no product profile named "${name}": use a profile name (not a product name) that exists`,
      })),
  );
  if (errors.length > 0) {
    throw new AppError(
      UserErrorCodes.unknownProfile,
      422,
      `Unknown product profile: ${errors.map((error) => error.message).join('; ')}.`,
      {
        errors,
      },
    );
  }
  return found;
}

/**
 * Finds user groups by name (case-insensitive).
 * @param lookups as for {@link findProfilesByNames}
 * @returns lower-case name → group
 * @throws AppError `users.unknown_group` (422) naming every field with an unknown name
 */
export async function findGroupsByNames(
  db: Executor,
  organizationId: string,
  wanted: [field: string, names: string[]][],
  lookups?: ResolvedLookups,
): Promise<Map<string, NamedGroup>> {
  const names = [...new Set(wanted.flatMap(([, list]) => list.map((name) => name.trim().toLowerCase())))];
  const found = new Map<string, NamedGroup>();
  if (answersFor(lookups, 'groups', names)) {
    for (const name of names) {
      const group = lookups.groups.get(name);
      if (group) {
        found.set(group.name.toLowerCase(), { id: group.id, name: group.name });
      }
    }
  } else if (names.length > 0) {
    const rows = await db
      .selectFrom('user_groups')
      .select(['id', 'name'])
      .where('organization_id', '=', organizationId)
      .where(sql<string>`lower(name)`, 'in', names)
      .execute();
    for (const row of rows) {
      found.set(row.name.toLowerCase(), { id: row.id, name: row.name });
    }
  }
  const errors = wanted.flatMap(([field, list]) =>
    list
      .filter((name) => !found.has(name.trim().toLowerCase()))
      .map((name) => ({ field, message: `no user group named "${name}": create it first or fix the name` })),
  );
  if (errors.length > 0) {
    throw new AppError(
      UserErrorCodes.unknownGroup,
      422,
      `Unknown user group: ${errors.map((error) => error.message).join('; ')}.`,
      {
        errors,
      },
    );
  }
  return found;
}

/**
 * Finds users by e-mail or by sign-in name (case-insensitive), in one query: a file's rows name
 * their users so, and the caller tells apart users of one e-mail with several identity types.
 * @param options `lock`: lock them (`FOR UPDATE`) for the caller's transaction
 * @returns every user matching any of them
 */
export async function findUsersByLogins(
  db: Executor,
  organizationId: string,
  logins: { emails: string[]; usernames: string[] },
  options: { lock?: boolean } = {},
): Promise<UserRow[]> {
  const emails = [...new Set(logins.emails.map((email) => email.toLowerCase()))];
  const usernames = [...new Set(logins.usernames.map((username) => username.toLowerCase()))];
  if (emails.length + usernames.length === 0) {
    return [];
  }
  return (
    db
      .selectFrom('users')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where((eb) =>
        eb.or([
          eb(sql<string>`lower(email)`, '=', sql<string>`any(${emails}::text[])`),
          eb(sql<string>`lower(username)`, '=', sql<string>`any(${usernames}::text[])`),
        ]),
      )
      // Locked in id order, as every set-based change locks users: never a wait in a cycle.
      .$if(options.lock === true, (query) => query.orderBy('id').forUpdate())
      .execute()
  );
}

/** The columns a directory sync compares. */
export type SyncedUserRow = Pick<
  UserRow,
  'id' | 'email' | 'first_name' | 'last_name' | 'country' | 'status' | 'identity_type'
>;

/**
 * Users of one identity type by e-mail (case-insensitive) or by id, in one query.
 * @param emails lower-case e-mails
 * @param ids user ids
 * @returns the users found
 */
export async function findUsersByEmailsOrIds(
  db: Executor,
  organizationId: string,
  identityType: UserRow['identity_type'],
  emails: string[],
  ids: string[],
): Promise<SyncedUserRow[]> {
  if (emails.length === 0 && ids.length === 0) {
    return [];
  }
  return db
    .selectFrom('users')
    .select(['id', 'email', 'first_name', 'last_name', 'country', 'status', 'identity_type'])
    .where('organization_id', '=', organizationId)
    .where((eb) =>
      eb.or([
        // One array parameter each: a directory sync asks for a thousand at a time.
        ...(emails.length > 0
          ? [
              eb.and([
                eb(sql<string>`lower(email)`, '=', sql<string>`any(${emails}::text[])`),
                eb('identity_type', '=', identityType),
              ]),
            ]
          : []),
        ...(ids.length > 0 ? [eb('id', '=', sql<string>`any(${ids}::uuid[])`)] : []),
      ]),
    )
    .execute();
}

/**
 * Direct profile assignments of users, with the profile names.
 * @returns rows of (user, profile id, profile name)
 */
export async function findDirectProfilesByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<{ user_id: string; profile_id: string; name: string }[]> {
  if (userIds.length === 0) {
    return [];
  }
  return db
    .selectFrom('user_profiles')
    .innerJoin('product_profiles', (join) =>
      join
        .onRef('product_profiles.id', '=', 'user_profiles.profile_id')
        .onRef('product_profiles.organization_id', '=', 'user_profiles.organization_id'),
    )
    .select(['user_profiles.user_id', 'user_profiles.profile_id', 'product_profiles.name'])
    .where('user_profiles.organization_id', '=', organizationId)
    .where('user_profiles.user_id', '=', sql<string>`any(${userIds}::uuid[])`)
    .execute();
}

/**
 * E-mails of the organization's active system admins (they hear about scheduled work that needs
 * attention).
 * @returns their e-mails and languages
 */
export async function findSystemAdminEmailsByOrganizationId(
  db: Executor,
  organizationId: string,
): Promise<{ id: string; email: string; locale: string | null }[]> {
  return db
    .selectFrom('admin_role_assignments')
    .innerJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'admin_role_assignments.user_id')
        .onRef('users.organization_id', '=', 'admin_role_assignments.organization_id'),
    )
    .select(['users.id', 'users.email', 'users.locale'])
    .distinct()
    .where('admin_role_assignments.organization_id', '=', organizationId)
    .where('admin_role_assignments.role', '=', 'system-admin')
    .where('users.status', '=', 'active')
    .execute();
}

/**
 * One user's row, read for another capability (SCIM presents it), optionally locked `for update`
 * for the caller's transaction.
 * @returns the row, or undefined when not in the organization
 */
export async function findUserRowById(
  db: Executor,
  organizationId: string,
  userId: string,
  options: { lock?: boolean } = {},
): Promise<UserRow | undefined> {
  const query = db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', userId);
  return (options.lock ? query.forUpdate() : query).executeTakeFirst();
}

/**
 * Whether a user of the organization is active (not invited, disabled or removed): a job run on
 * its behalf acts with its roles only while it is.
 * @returns true for an active user
 */
export async function isActiveUser(db: Executor, organizationId: string, userId: string): Promise<boolean> {
  const user = await db
    .selectFrom('users')
    .select(['status'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return user?.status === 'active';
}

/**
 * Users' mailboxes (organization_id, id, email, locale) as a relation for another capability to
 * join in one statement, aliased by the caller (`.leftJoin(userMailboxes(db).as('u'), …)`); the
 * database inlines it, so the plan is that of a join on `users`.
 * @returns the subquery
 */
export function userMailboxes(db: Executor) {
  return db.selectFrom('users').select(['organization_id', 'id', 'email', 'locale']);
}

/**
 * One page of the organization's users matching protocol-neutral criteria (an adapter's filter,
 * such as a SCIM `filter`, translated to the fields of `users.queries.ts`), with the total count.
 * The caller has authorized the reader.
 * @param db database
 * @param organizationId the tenant
 * @param page criteria (null: all), order, offset and size
 * @returns the rows and the number of matches
 * @throws CriteriaError when a value does not fit its field (the adapter words it)
 */
export function listUsersByCriteria(
  db: Executor,
  organizationId: string,
  page: CriteriaPage<UserCriteriaSort>,
): Promise<{ rows: UserRow[]; total: number }> {
  return findUsersPageByCriteria(db, organizationId, page);
}

/**
 * Users of the organization whose username matches, case-insensitively (a username is unique that way).
 * @returns their ids
 */
export async function findUserIdsByUsername(db: Executor, organizationId: string, username: string): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .execute();
  return rows.map((row) => row.id);
}
