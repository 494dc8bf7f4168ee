import { sql } from 'kysely';
import { type AdminRole, ROLE_SCOPE, type ScopeKind } from '../../shared/roles.ts';
import { lockInOrder } from '../changes/locks.ts';
import { type Named, type NameKind, resolveNames } from '../changes/names.ts';
import { answersFor, type Resolution, trustedLookups } from '../changes/resolution.ts';
import {
  type Applied,
  type ItemOutcome,
  type RunOptions,
  type RunScope,
  runItems,
  runSetBased,
} from '../changes/runner.ts';
import { isSynchronized, synchronizingSource } from '../changes/source.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import type { Executor } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import { sendInstructionsInTransaction } from '../devices/instructions.service.ts';
import { findAdminRolesByUserIds, type HeldAdminRole } from '../roles/grants.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import {
  type AdminRoleGrant,
  type AdminRolesInPart,
  applyAdminRoleChanges,
  changeAdminRole,
  completeAdminRoles,
  diffAdminRoles,
} from './users.admin-roles.ts';
import { loadUserDetail } from './users.details.ts';
import { UserErrorCodes } from './users.errors.ts';
import { type ContentAction, deleteRemovedUsers, type LockedUser, removeUsers, restoreUsers } from './users.removal.ts';
import { insertUsers, type NewUserInput, type UserView } from './users.service.ts';
import { editUsers, type UserPatch } from './users.update.ts';

/**
 * The users' commands of the change engine: protocol-neutral, many items each, one typed outcome
 * per item with the user's state before and after. REST routes, CSV rows, SCIM resources, Adobe's
 * User Management API and directory sync translate their input into these items and the
 * outcomes into their own answers; the rules live in the writers the commands call.
 *
 * Each command authorizes itself through the one policy, so no caller can forget: the action of
 * the whole command at its start (`user.create`, `user.remove`, `user.delete`, `adminRole.assign`;
 * `user.read` to find the users an edit names), and per item what the item changes (`user.update`
 * for details, `adminRole.assign` for roles). Scoped checks need the target: the writers check
 * each profile given or taken on its product and each group joined or left.
 */

/** A user as the commands report it: enough to show a change and to reverse it. */
export interface UserState
  extends Pick<UserView, 'id' | 'email' | 'username' | 'firstName' | 'lastName' | 'country' | 'version'> {
  externalId: string | null;
  status: UserRow['status'];
  /** Profiles held directly (names). */
  profiles: string[];
  /** Their ids, in the same order (what a removal took, enough to give it back). */
  profileIds: string[];
  /** Groups (names). */
  groups: string[];
  /** Their ids, in the same order. */
  groupIds: string[];
  adminRoles: { role: AdminRole; scope: string | null }[];
  /** The ids of the admin roles' scopes (product, profile or group), in the same order. */
  adminRoleScopeIds: (string | null)[];
}

/** Which user an item is about: by id, or by e-mail or sign-in name (case-insensitive). */
export type UserRef = { id: string } | { login: string };

/**
 * The states of users, set-based (four queries for any number of users).
 * @param options.lock lock the users (`FOR UPDATE`, in id order, first in the one lock order of
 *   changes/locks.ts) by the read itself, for a caller that checks their states before changing
 *   them in the same transaction (an undo): one statement instead of a lock and a read
 * @returns id → state (users not found are absent)
 */
export async function snapshotUsers(
  db: Executor,
  organizationId: string,
  ids: string[],
  options: { lock?: boolean } = {},
): Promise<Map<string, UserState>> {
  const states = new Map<string, UserState>();
  if (ids.length === 0) {
    return states;
  }
  let query = db.selectFrom('users').selectAll().where('organization_id', '=', organizationId).where('id', 'in', ids);
  if (options.lock) {
    query = query.orderBy('id').forUpdate();
  }
  const users = await query.execute();
  for (const user of users) {
    states.set(user.id, {
      id: user.id,
      email: user.email,
      username: user.username,
      firstName: user.first_name,
      lastName: user.last_name,
      country: user.country,
      externalId: user.external_id,
      status: user.status,
      version: user.version,
      profiles: [],
      profileIds: [],
      groups: [],
      groupIds: [],
      adminRoles: [],
      adminRoleScopeIds: [],
    });
  }
  const profiles = await sql<{ user_id: string; id: string; name: string }>`
    select up.user_id, pp.id, pp.name from user_profiles up
    join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
    where up.organization_id = ${organizationId} and up.user_id = any(${ids}::uuid[]) order by lower(pp.name)`.execute(
    db,
  );
  for (const row of profiles.rows) {
    states.get(row.user_id)?.profiles.push(row.name);
    states.get(row.user_id)?.profileIds.push(row.id);
  }
  const groups = await sql<{ user_id: string; id: string; name: string }>`
    select m.user_id, g.id, g.name from group_members m
    join user_groups g on g.organization_id = m.organization_id and g.id = m.group_id
    where m.organization_id = ${organizationId} and m.user_id = any(${ids}::uuid[]) order by lower(g.name)`.execute(db);
  for (const row of groups.rows) {
    states.get(row.user_id)?.groups.push(row.name);
    states.get(row.user_id)?.groupIds.push(row.id);
  }
  for (const [userId, held] of await findAdminRolesByUserIds(db, organizationId, ids)) {
    const state = states.get(userId);
    if (state) {
      state.adminRoles = held.map((role) => ({ role: role.role, scope: role.scope?.name ?? null }));
      state.adminRoleScopeIds = held.map((role) => role.scope?.id ?? null);
    }
  }
  return states;
}

/**
 * Locks users (`FOR UPDATE`, in id order, as every set-based change locks them) for the rest of
 * the transaction: a caller that checks their state before changing them (an undo) reads and
 * writes under the same locks, so no edit comes in between.
 */
export async function lockUsersById(trx: Executor, organizationId: string, ids: string[]): Promise<void> {
  await lockInOrder(trx, organizationId, { users: { ids, mode: 'update' } });
}

/**
 * Finds the users items name, set-based (one query for any number of them), and locks them
 * (`FOR UPDATE`) in id order, so changes in flight at once lock their users in the same order and
 * never wait on each other in a cycle; nothing changes them between this read and the write.
 * @returns the users, in the order of `refs`
 * @throws AppError 404 for a user not found; 409 `users.ambiguous` for a login two users share
 */
async function resolveUsers(scope: RunScope, actor: Actor, refs: UserRef[]): Promise<UserRow[]> {
  const ids = refs.flatMap((ref) => ('id' in ref ? [ref.id] : []));
  const logins = refs.flatMap((ref) => ('login' in ref ? [ref.login.trim().toLowerCase()] : []));
  const rows = await scope.trx
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', actor.organizationId)
    .where((eb) =>
      eb.or([
        ...(ids.length > 0 ? [eb('id', 'in', ids)] : []),
        ...(logins.length > 0
          ? [eb(sql<string>`lower(email)`, 'in', logins), eb(sql<string>`lower(username)`, 'in', logins)]
          : []),
        eb.lit(false),
      ]),
    )
    .orderBy('id')
    .forUpdate()
    .execute();
  return refs.map((ref) => {
    const login = 'login' in ref ? ref.login.trim().toLowerCase() : '';
    const [user, other] = rows.filter((row) =>
      'id' in ref ? row.id === ref.id : row.email.toLowerCase() === login || row.username.toLowerCase() === login,
    );
    if (!user) {
      throw notFound('User');
    }
    if (other) {
      throw new AppError(
        'users.ambiguous',
        409,
        `More than one user signs in as ${'login' in ref ? ref.login : ''} (one per identity type): name the user by id.`,
      );
    }
    return user;
  });
}

async function resolveUser(scope: RunScope, actor: Actor, ref: UserRef): Promise<UserRow> {
  const [user] = await resolveUsers(scope, actor, [ref]);
  if (!user) {
    throw notFound('User');
  }
  return user;
}

async function stateOf(scope: RunScope, actor: Actor, userId: string): Promise<UserState | null> {
  return (await snapshotUsers(scope.trx, actor.organizationId, [userId])).get(userId) ?? null;
}

const changed = (before: unknown, after: unknown) => JSON.stringify(before) !== JSON.stringify(after);

/** A user to create, with the admin roles to grant (a scoped role's product, profile or group by name). */
export type NewUserItem = NewUserInput & { adminRoles?: { role: AdminRole; scope?: string | null }[] };

/**
 * Creates users with their profiles, groups and admin roles, set-based (the whole list in one
 * insert, the roles in one grant; when it fails, halves are tried down to the failing items).
 * @param options `field`: the field path of the items in the caller's input (`body.users`);
 *   `sendInstructions`: also queue the installation-instructions e-mail (`instructions.send`);
 *   `resolution`: the items' profile and group names and e-mail domains as the caller resolved
 *   them in the transaction the command runs in (`resolveForChange`), so they are not read again
 *   (authorization, seats and every other rule apply as without it)
 * @returns per item `users.created` with the new state
 */
export async function createUsersCommand(
  ctx: AppContext,
  actor: Actor,
  items: NewUserItem[],
  options: RunOptions & { field?: string; sendInstructions?: boolean; resolution?: Resolution } = {},
): Promise<ItemOutcome<UserState>[]> {
  authorize(actor, 'user.create');
  if (options.sendInstructions) {
    authorize(actor, 'instructions.send');
  }
  const field = options.field ?? 'users';
  const created = async (scope: RunScope, rows: UserRow[], all: NewUserItem[]): Promise<Applied<UserState>[]> => {
    // One e-mail is one user of the list (the identity type follows the e-mail's domain).
    const byEmail = new Map(rows.map((row) => [row.email.toLowerCase(), row]));
    const itemOf = new Map(all.map((item) => [item.email.trim().toLowerCase(), item]));
    const granting = all.flatMap((item) => {
      const user = byEmail.get(item.email.trim().toLowerCase());
      return user && item.adminRoles?.length ? [{ user, roles: item.adminRoles }] : [];
    });
    const granted = new Map<string, AdminRoleGrant[]>();
    if (granting.length > 0) {
      authorize(actor, 'adminRole.assign');
      const wanted = await wantedAdminRoles(
        scope,
        actor,
        granting.map((entry) => entry.roles),
      );
      const changes = granting.map((entry, index) => ({ user: entry.user, grant: wanted[index] ?? [], revoke: [] }));
      await applyAdminRoleChanges(scope.trx, actor, changes);
      for (const change of changes) {
        granted.set(change.user.id, change.grant);
      }
    }
    if (options.sendInstructions && rows.length > 0) {
      await sendInstructionsInTransaction(scope.ctx, scope.trx, actor, { userIds: rows.map((row) => row.id) });
    }
    // A new user holds exactly what was written: the state is built from the items and their names
    // (small tables), not read back from the relations a large import fills, whose plans made on
    // the statistics of a smaller table would read all of them for every batch.
    const lookups = trustedLookups(options.resolution, scope.trx, actor.organizationId);
    const resolve = async (kind: 'profile' | 'group'): Promise<ReadonlyMap<string, Named>> => {
      const names = all.flatMap((item) => (kind === 'profile' ? item.profiles : item.groups) ?? []);
      if (answersFor(lookups, kind === 'profile' ? 'profiles' : 'groups', names)) {
        return kind === 'profile' ? lookups.profiles : lookups.groups;
      }
      return (await resolveNames(scope.trx, actor.organizationId, kind, [{ field: kind, names }])).found;
    };
    const [profiles, groups] = [await resolve('profile'), await resolve('group')];
    const held = (names: string[] | undefined, found: ReadonlyMap<string, Named>) =>
      [
        ...new Map(
          (names ?? []).flatMap((name) => {
            const named = found.get(name.trim().toLowerCase());
            return named ? [[named.id, named] as const] : [];
          }),
        ).values(),
      ].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    // Only roles and instructions touch a user after its insert (its version is bumped on update).
    const touched = granting.length > 0 || (options.sendInstructions === true && rows.length > 0);
    const versions = new Map(
      (!touched
        ? []
        : await scope.trx
            .selectFrom('users')
            .select(['id', 'version'])
            .where('organization_id', '=', actor.organizationId)
            .where('id', 'in', rows.length > 0 ? rows.map((row) => row.id) : ['00000000-0000-0000-0000-000000000000'])
            .execute()
      ).map((row) => [row.id, row.version]),
    );
    return rows.map((row) => {
      const item = itemOf.get(row.email.toLowerCase());
      const myProfiles = held(item?.profiles, profiles);
      const myGroups = held(item?.groups, groups);
      const roles = [...(granted.get(row.id) ?? [])].sort((a, b) =>
        a.role === b.role ? (a.scope?.name ?? '').localeCompare(b.scope?.name ?? '') : a.role.localeCompare(b.role),
      );
      return {
        status: 'applied',
        code: 'users.created',
        params: { email: row.email },
        before: null,
        after: {
          id: row.id,
          email: row.email,
          username: row.username,
          firstName: row.first_name,
          lastName: row.last_name,
          country: row.country,
          externalId: row.external_id,
          status: row.status,
          version: versions.get(row.id) ?? row.version,
          profiles: myProfiles.map((profile) => profile.name),
          profileIds: myProfiles.map((profile) => profile.id),
          groups: myGroups.map((group) => group.name),
          groupIds: myGroups.map((group) => group.id),
          adminRoles: roles.map((role) => ({ role: role.role, scope: role.scope?.name ?? null })),
          adminRoleScopeIds: roles.map((role) => role.scope?.id ?? null),
        },
      };
    });
  };
  return runItems(
    ctx,
    items,
    async (scope, item, index) => {
      const [only] = await created(
        scope,
        await insertUsers(scope.trx, actor, { users: [item] }, () => `${field}.${index}`, options.resolution),
        [item],
      );
      if (!only) {
        throw new Error('insertUsers returned no row');
      }
      return only;
    },
    {
      ...options,
      applyAll: async (scope, all) =>
        created(scope, await insertUsers(scope.trx, actor, { users: all }, field, options.resolution), all),
    },
  );
}

/** The state a user should be brought to; a field left out is untouched. */
export interface UserStateItem {
  user: UserRef;
  firstName?: string | null;
  lastName?: string | null;
  country?: string | null;
  email?: string;
  username?: string;
  /** The name shown for the user (a directory's displayName). */
  alias?: string;
  externalId?: string | null;
  /** Directory attributes (SCIM enterprise extension). */
  enterprise?: Record<string, unknown> | null;
  /** The full set of direct profiles (names). */
  profiles?: string[];
  /** The full set of groups (names). */
  groups?: string[];
  /** The full set of admin roles, with the name of a scoped role's product, profile or group. */
  adminRoles?: { role: AdminRole; scope?: string | null }[];
  /**
   * Admin roles in part, scopes by name: a part left out keeps what the user holds (ignored when
   * `adminRoles` is given). A scoped role left without a scope fails the item
   * (`admin_roles.scope_required`, with `role` and `kind`).
   */
  adminRolesInPart?: AdminRolesInPart<string>;
  /** The version the change was made on: a stale one fails the item (`users.version_conflict`). */
  version?: number;
  /** Take the user over: managed by the actor's source from now on (a directory sync adopting a user). */
  manage?: boolean;
  /** Release the user: hand-managed (the console) from now on, no longer the actor's to synchronize. */
  release?: boolean;
}

const SCOPE_KINDS: Record<'product' | 'profile' | 'group', NameKind> = {
  product: 'product',
  profile: 'profile',
  group: 'group',
};

/** The fields of an item written to the user's own row (details and directory attributes). */
const USER_COLUMNS = [
  'firstName',
  'lastName',
  'country',
  'email',
  'username',
  'alias',
  'externalId',
  'enterprise',
  'manage',
  'release',
] as const;

/**
 * The admin roles items want, with their scopes found by name (one query per kind of scope for
 * all items).
 * @throws AppError `admin_roles.scope_not_found` (422) naming the entry
 */
async function wantedAdminRoles(
  scope: RunScope,
  actor: Actor,
  lists: NonNullable<UserStateItem['adminRoles']>[],
): Promise<AdminRoleGrant[][]> {
  const found = new Map<string, { id: string; name: string }>();
  for (const kind of ['product', 'profile', 'group'] as const) {
    const names = lists.flatMap((roles) =>
      roles.flatMap((entry) => (ROLE_SCOPE[entry.role] === kind && entry.scope ? [entry.scope] : [])),
    );
    if (names.length > 0) {
      const resolved = await resolveNames(scope.trx, actor.organizationId, SCOPE_KINDS[kind], [
        { field: 'adminRoles', names },
      ]);
      for (const [key, named] of resolved.found) {
        found.set(`${kind}|${key}`, { id: named.id, name: named.name });
      }
    }
  }
  return lists.map((roles) =>
    roles.map((entry, index): AdminRoleGrant => {
      const kind = ROLE_SCOPE[entry.role];
      if (!kind) {
        return { role: entry.role, scope: null };
      }
      const named = entry.scope ? found.get(`${kind}|${entry.scope.trim().toLowerCase()}`) : undefined;
      if (!named) {
        const field = `adminRoles.${index}.scope`;
        throw new AppError(
          'admin_roles.scope_not_found',
          422,
          `The role ${entry.role} needs the name of a ${kind} of this organization.`,
          {
            errors: [{ field, message: entry.scope ? `no ${kind} named "${entry.scope}"` : `the ${kind}'s name` }],
          },
        );
      }
      return { role: entry.role, scope: named };
    }),
  );
}

/** The refusal of a synchronizing source's change to a user it does not manage (409 `users.not_managed`). */
function notManaged(user: UserRow, verb: 'changes' | 'removes' = 'changes'): AppError {
  return new AppError(
    UserErrorCodes.notManaged,
    409,
    `${user.email} is managed by ${user.source_type === 'console' ? 'the console' : `another source (${user.source_type})`}, not by this connection: it ${verb} only the users it manages.`,
  );
}

/**
 * The full sets of admin roles of items given in part (undefined: not in part), their scopes found
 * by name in one query per kind, each part left out kept as held (`completeAdminRoles`).
 * @throws AppError `admin_roles.scope_not_found` (422) for an unknown name;
 *   `admin_roles.scope_required` (400, extra `role` and `kind`) for a scoped role left without a scope
 */
async function adminRolesOfParts(
  scope: RunScope,
  actor: Actor,
  parts: (AdminRolesInPart<string> | undefined)[],
  held: HeldAdminRole[][],
): Promise<(AdminRoleGrant[] | undefined)[]> {
  const found = new Map<string, { id: string; name: string }>();
  for (const kind of ['product', 'profile', 'group'] as const) {
    const names = parts.flatMap((part) => part?.scopes?.[kind] ?? []);
    if (names.length === 0) {
      continue;
    }
    const field = `adminRolesInPart.scopes.${kind}`;
    const resolved = await resolveNames(scope.trx, actor.organizationId, SCOPE_KINDS[kind], [{ field, names }]);
    const missing = names.filter((name) => !resolved.found.has(name.trim().toLowerCase()));
    if (missing.length > 0) {
      throw new AppError(
        'admin_roles.scope_not_found',
        422,
        `No ${kind} named ${missing.map((name) => `"${name}"`).join(', ')}.`,
        {
          errors: [{ field, message: `no ${kind} named "${missing[0]}"` }],
        },
      );
    }
    for (const [key, named] of resolved.found) {
      found.set(`${kind}|${key}`, { id: named.id, name: named.name });
    }
  }
  return parts.map((part, index) => {
    if (!part) {
      return undefined;
    }
    const scopes: AdminRolesInPart['scopes'] = {};
    for (const [kind, names] of Object.entries(part.scopes ?? {}) as [ScopeKind, string[]][]) {
      scopes[kind] = names.flatMap((name) => found.get(`${kind}|${name.trim().toLowerCase()}`) ?? []);
    }
    const complete = completeAdminRoles(held[index] ?? [], { roles: part.roles, scopes });
    if ('missingScope' in complete) {
      const { role, kind } = complete.missingScope;
      throw new AppError('admin_roles.scope_required', 400, `The role ${role} needs the ${kind}s it covers.`, {
        errors: [{ field: `adminRolesInPart.scopes.${kind}`, message: `the ${kind}s ${role} covers` }],
        extra: { role, kind },
      });
    }
    return complete.roles;
  });
}

/** The patch that brings a user to an item's state: fields already as wanted are left out. */
function patchOf(item: UserStateItem, user: UserRow): UserPatch {
  const patch: UserPatch = {
    firstName: item.firstName,
    lastName: item.lastName,
    country: item.country,
    email: item.email,
    username: item.username,
    alias: item.alias,
    externalId: item.externalId,
    enterprise: item.enterprise,
    profiles: item.profiles,
    groups: item.groups,
    manage: item.manage,
    release: item.release,
  };
  const same = (a: string | null | undefined, b: string | null) => (a?.trim() || null) === b;
  if (same(patch.firstName, user.first_name)) {
    delete patch.firstName;
  }
  if (same(patch.lastName, user.last_name)) {
    delete patch.lastName;
  }
  if (patch.country !== undefined && (patch.country?.trim().toUpperCase() || null) === user.country) {
    delete patch.country;
  }
  if (patch.email !== undefined && patch.email.trim().toLowerCase() === user.email.toLowerCase()) {
    delete patch.email;
  }
  return patch;
}

/**
 * Brings users to their items' states, set-based: the users are read and locked in one statement,
 * their states taken before and after in a few queries, and every kind of change written once for
 * all of them (`editUsers`, `applyAdminRoleChanges`).
 */
async function setUserStates(
  scope: RunScope,
  actor: Actor,
  items: UserStateItem[],
  field: (index: number) => string,
): Promise<Applied<UserState>[]> {
  const users = await resolveUsers(
    scope,
    actor,
    items.map((item) => item.user),
  );
  if (new Set(users.map((user) => user.id)).size < users.length) {
    // Applied apart by the runner: each item's state is then the one before it.
    throw new AppError('users.repeated', 422, 'The same user is named by more than one item.');
  }
  for (const [index, item] of items.entries()) {
    const user = users[index];
    if (user && item.version !== undefined && item.version !== user.version) {
      throw new AppError(
        UserErrorCodes.versionConflict,
        409,
        `Someone else changed ${user.email} since you opened it: reload the user and make your change again.`,
        {
          extra: {
            currentVersion: user.version,
            current: await loadUserDetail(scope.trx, actor.organizationId, user.id),
          },
        },
      );
    }
  }
  // A synchronizing source (a SCIM connection, a directory sync) changes only what it manages or
  // takes over (`manage`): a user another one synchronizes is refused.
  const syncing = synchronizingSource(actor);
  const foreign = syncing
    ? users.find(
        (user) =>
          isSynchronized(user.source_type) && (user.source_type !== syncing.type || user.source_id !== syncing.id),
      )
    : undefined;
  if (foreign) {
    throw notManaged(foreign);
  }
  const ids = users.map((user) => user.id);
  const before = await snapshotUsers(scope.trx, actor.organizationId, ids);
  const edits = users.map((user, index) => ({
    user,
    patch: patchOf(items[index] as UserStateItem, user),
    field: field(index),
  }));
  // The command authorizes what the items change; the writers check each profile's product and
  // each group (scoped roles) on what actually changes.
  if (edits.some((edit) => USER_COLUMNS.some((key) => edit.patch[key] !== undefined))) {
    authorize(actor, 'user.update');
  }
  await editUsers(scope.trx, actor, edits);
  const withRoles = items.flatMap((item, index) => {
    const user = users[index];
    return (item.adminRoles !== undefined || item.adminRolesInPart !== undefined) && user
      ? [{ user, roles: item.adminRoles, part: item.adminRolesInPart }]
      : [];
  });
  if (withRoles.length > 0) {
    const held = await findAdminRolesByUserIds(
      scope.trx,
      actor.organizationId,
      withRoles.map((entry) => entry.user.id),
    );
    const full = await wantedAdminRoles(
      scope,
      actor,
      withRoles.map((entry) => entry.roles ?? []),
    );
    const parts = await adminRolesOfParts(
      scope,
      actor,
      withRoles.map((entry) => (entry.roles === undefined ? entry.part : undefined)),
      withRoles.map((entry) => held.get(entry.user.id) ?? []),
    );
    const changes = withRoles.map((entry, index) => ({
      user: entry.user,
      ...diffAdminRoles(held.get(entry.user.id) ?? [], parts[index] ?? full[index] ?? []),
    }));
    if (changes.some((change) => change.grant.length + change.revoke.length > 0)) {
      authorize(actor, 'adminRole.assign');
    }
    await applyAdminRoleChanges(scope.trx, actor, changes);
  }
  const after = await snapshotUsers(scope.trx, actor.organizationId, ids);
  return users.map((user) => {
    const was = before.get(user.id) ?? null;
    const now = after.get(user.id) ?? null;
    const moved = changed({ ...was, version: 0 }, { ...now, version: 0 });
    return {
      status: moved ? 'applied' : 'unchanged',
      code: moved ? 'users.updated' : 'users.unchanged',
      params: { email: now?.email ?? user.email },
      before: was,
      after: now,
    };
  });
}

/**
 * Brings users to a desired state: details, e-mail, directory attributes, direct profiles, groups
 * and admin roles; each item all or nothing. Set-based: a list is applied at once, and only when
 * that fails are its halves tried apart (the runner), down to the failing items.
 * @returns per item `users.updated` or `users.unchanged`, with the state before and after
 */
export async function setUsersCommand(
  ctx: AppContext,
  actor: Actor,
  items: UserStateItem[],
  options: RunOptions = {},
): Promise<ItemOutcome<UserState>[]> {
  authorize(actor, 'user.read');
  return runItems(
    ctx,
    items,
    async (scope, item) => {
      const [only] = await setUserStates(scope, actor, [item], () => 'body');
      if (!only) {
        throw new Error('setUserStates returned no outcome');
      }
      return only;
    },
    { ...options, applyAll: (scope, all) => setUserStates(scope, actor, all, (index) => `items.${index}`) },
  );
}

/** One user to remove, with what happens to the user's content. */
export interface RemoveUserItem {
  user: UserRef;
  contentAction?: ContentAction;
  /** With `transfer-now`: the e-mail of the user who receives the content. */
  transferTo?: string | undefined;
}

/** One admin role to grant or revoke, by role and the id of a scoped role's product, profile or group. */
export interface AdminRoleItem {
  user: UserRef;
  grant: boolean;
  role: AdminRole;
  scopeId?: string | undefined;
}

/**
 * Grants or revokes single admin roles (the user page's "add role" and "remove role"); granting
 * queues the welcome e-mail naming the role.
 * @returns per item `admin_roles.granted` or `admin_roles.revoked`, with the user's state before and after
 */
export async function changeAdminRolesCommand(
  ctx: AppContext,
  actor: Actor,
  items: AdminRoleItem[],
  options: RunOptions = {},
): Promise<ItemOutcome<UserState>[]> {
  authorize(actor, 'adminRole.assign');
  return eachUser(ctx, actor, items, options, async (scope, item, userId) => {
    await changeAdminRole(scope.ctx, actor, userId, item);
    return { code: item.grant ? 'admin_roles.granted' : 'admin_roles.revoked', params: { role: item.role } };
  });
}

/**
 * Removes users from the organization (their profiles, groups and admin roles are taken and
 * recorded in the audit), with what happens to each one's content. Set-based: the whole list is
 * removed in one statement per content decision.
 * @returns per item `users.removed`
 */
export async function removeUsersCommand(
  ctx: AppContext,
  actor: Actor,
  items: RemoveUserItem[],
  options: RunOptions & {
    /**
     * The users' states, read by the caller in this transaction after locking them
     * (`lockUsersById`, or `snapshotUsers` with `lock`): then they are not read again (nor their
     * groups), and the state after a removal is derived from them (the same user with no
     * profiles, groups or admin roles, removed).
     */
    states?: Map<string, UserState>;
  } = {},
): Promise<ItemOutcome<UserState>[]> {
  authorize(actor, 'user.remove');
  const known = options.states;
  const removeAll = async (scope: RunScope, all: RemoveUserItem[]): Promise<Applied<UserState>[]> => {
    // A synchronizing source (a SCIM connection, a directory sync) removes only the users it manages.
    const source = synchronizingSource(actor);
    // Users the caller locked and read (their states) are not read again, unless a source must
    // be checked against what manages them.
    const states = all.map((item) => ('id' in item.user ? known?.get(item.user.id) : undefined));
    const users: LockedUser[] =
      !source && states.every((state) => state !== undefined)
        ? states.map((state) => ({ id: state.id, email: state.email, status: state.status }))
        : await resolveUsers(
            scope,
            actor,
            all.map((item) => item.user),
          );
    const ids = users.map((user) => user.id);
    const foreign = source
      ? (users as UserRow[]).find((user) => user.source_type !== source.type || user.source_id !== source.id)
      : undefined;
    if (foreign) {
      throw notManaged(foreign, 'removes');
    }
    const before =
      known && ids.every((id) => known.has(id))
        ? new Map(ids.map((id) => [id, known.get(id) as UserState]))
        : await snapshotUsers(scope.trx, actor.organizationId, ids);
    // One removal per content decision (most lists have one).
    const decisions = new Map<string, { contentAction: ContentAction; transferTo?: string; userIds: string[] }>();
    for (const [index, item] of all.entries()) {
      const contentAction = item.contentAction ?? 'transfer-later';
      const transferTo = contentAction === 'transfer-now' ? item.transferTo : undefined;
      const key = `${contentAction}|${transferTo ?? ''}`;
      const decision = decisions.get(key) ?? { contentAction, ...(transferTo ? { transferTo } : {}), userIds: [] };
      decision.userIds.push(ids[index] ?? '');
      decisions.set(key, decision);
    }
    // The versions after the removal, from its own update (read again only without known states).
    const versions = new Map<string, number>();
    for (const decision of decisions.values()) {
      // resolveUsers locked the users' rows: the removal does not read them again, nor (from
      // the states read under those locks) their groups.
      const chosen = new Set(decision.userIds);
      const locked = users.filter((user) => chosen.has(user.id));
      const memberships = known
        ? locked.flatMap((user) => {
            const state = before.get(user.id);
            return (state?.groupIds ?? []).map((groupId, index) => ({
              user_id: user.id,
              group_id: groupId,
              group_name: state?.groups[index] ?? '',
            }));
          })
        : undefined;
      await removeUsers(scope.ctx, actor, { ...decision, locked, versions, ...(memberships ? { memberships } : {}) });
    }
    const after = known ? removedStates(before, versions) : await snapshotUsers(scope.trx, actor.organizationId, ids);
    return users.map((user) => ({
      status: 'applied',
      code: 'users.removed',
      params: { email: user.email },
      before: before.get(user.id) ?? null,
      after: after.get(user.id) ?? null,
    }));
  };
  return runSetBased(ctx, items, removeAll, options);
}

/**
 * The states of users just removed, derived from their states before: a removal takes every
 * direct profile, group and admin role; the versions are the removal's update's (nothing read).
 */
function removedStates(before: Map<string, UserState>, versionOf: Map<string, number>): Map<string, UserState> {
  return new Map(
    [...before].map(([id, state]) => [
      id,
      {
        ...state,
        status: 'removed',
        version: versionOf.get(id) ?? state.version,
        profiles: [],
        profileIds: [],
        groups: [],
        groupIds: [],
        adminRoles: [],
        adminRoleScopeIds: [],
      },
    ]),
  );
}

/**
 * Restores removed users (without the rights they had). Set-based: the whole list in a few
 * statements.
 * @returns per item `users.restored`
 */
export async function restoreUsersCommand(
  ctx: AppContext,
  actor: Actor,
  items: { user: UserRef }[],
  options: RunOptions = {},
): Promise<ItemOutcome<UserState>[]> {
  authorize(actor, 'user.remove');
  return wholeUsers(ctx, actor, items, options, 'users.restored', (scope, ids) => restoreUsers(scope.ctx, actor, ids));
}

/**
 * Deletes removed users for good. Set-based: the whole list in a few statements.
 * @returns per item `users.deleted`, with the state before (none after)
 */
export async function deleteUsersCommand(
  ctx: AppContext,
  actor: Actor,
  items: { user: UserRef }[],
  options: RunOptions = {},
): Promise<ItemOutcome<UserState>[]> {
  authorize(actor, 'user.delete');
  return wholeUsers(
    ctx,
    actor,
    items,
    options,
    'users.deleted',
    (scope, ids) => deleteRemovedUsers(scope.ctx, actor, ids),
    {
      gone: true,
    },
  );
}

/**
 * Runs one set-based change of whole users (restore, delete) over the items: the users resolved,
 * their states read before and (unless the change deletes them: `gone`) after.
 */
function wholeUsers(
  ctx: AppContext,
  actor: Actor,
  items: { user: UserRef }[],
  options: RunOptions,
  code: string,
  change: (scope: RunScope, ids: string[]) => Promise<void>,
  { gone = false }: { gone?: boolean } = {},
): Promise<ItemOutcome<UserState>[]> {
  const applyAll = async (scope: RunScope, all: { user: UserRef }[]): Promise<Applied<UserState>[]> => {
    const users = await resolveUsers(
      scope,
      actor,
      all.map((item) => item.user),
    );
    const ids = users.map((user) => user.id);
    const before = await snapshotUsers(scope.trx, actor.organizationId, ids);
    await change(scope, ids);
    const after = gone ? new Map<string, UserState>() : await snapshotUsers(scope.trx, actor.organizationId, ids);
    return users.map((user) => ({
      status: 'applied',
      code,
      params: { email: user.email },
      before: before.get(user.id) ?? null,
      after: after.get(user.id) ?? null,
    }));
  };
  return runSetBased(ctx, items, applyAll, options);
}

/**
 * Runs a change of one user per item, answering its code with the user's state before and after
 * (none after a deletion: `gone`).
 */
function eachUser<I extends { user: UserRef }>(
  ctx: AppContext,
  actor: Actor,
  items: I[],
  options: RunOptions,
  change: (
    scope: RunScope,
    item: I,
    userId: string,
  ) => Promise<{ code: string; params?: Record<string, string>; gone?: boolean }>,
): Promise<ItemOutcome<UserState>[]> {
  return runItems(
    ctx,
    items,
    async (scope, item) => {
      const user = await resolveUser(scope, actor, item.user);
      const before = await stateOf(scope, actor, user.id);
      const { code, params, gone } = await change(scope, item, user.id);
      const after = gone ? null : await stateOf(scope, actor, user.id);
      return { status: 'applied', code, params: { email: user.email, ...params }, before, after };
    },
    options,
  );
}
