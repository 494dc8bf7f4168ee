import { sql } from 'kysely';
import { lockInOrder } from '../changes/locks.ts';
import { resolveNames } from '../changes/names.ts';
import {
  type Applied,
  type ItemOutcome,
  type RunOptions,
  type RunScope,
  runItems,
  runSetBased,
} from '../changes/runner.ts';
import { synchronizingSource } from '../changes/source.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import type { Executor } from '../db/database.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import type { NewUserInput } from '../users/users.service.ts';
import { GroupErrorCodes } from './groups.errors.ts';
import {
  addMembers,
  assignProfiles,
  changeGroupAdmins,
  createGroup,
  deleteGroups,
  removeMembers,
  unassignProfile,
  updateGroup,
} from './groups.service.ts';

/**
 * The user groups' commands of the change engine: protocol-neutral, many items each, one typed
 * outcome per item with the group's state before and after. Members are given by user id; a
 * group's members are counted in its state (a million-member list is not a state to copy), and
 * the ids added and removed are the outcome's parameters and the audit's.
 *
 * Each command authorizes itself through the one policy: creating and deleting groups
 * `group.manage` at its start; an update, per item, what the item changes on that group
 * (`authorizeGroupItem`); the writers check each profile a group gives on its product.
 */

/** A group as the commands report it. */
export interface GroupState {
  id: string;
  name: string;
  description: string | null;
  /** A directory's id of the group (SCIM externalId). */
  externalId: string | null;
  version: number;
  /** Assigned profiles (names). */
  profiles: string[];
  /** Group admins (user ids). */
  admins: string[];
  membersCount: number;
}

/** Which group an item is about: by id, or by name (case-insensitive). */
export type GroupRef = { id: string } | { name: string };

/** The state of one group, or null when it does not exist. */
export async function snapshotGroup(db: Executor, organizationId: string, groupId: string): Promise<GroupState | null> {
  const group = await db
    .selectFrom('user_groups')
    .select(['id', 'name', 'description', 'external_id', 'version'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', groupId)
    .executeTakeFirst();
  if (!group) {
    return null;
  }
  const rows = await sql<{ profiles: string[] | null; admins: string[] | null; members: number }>`
    select
      (select array_agg(pp.name order by lower(pp.name)) from group_profiles gp
        join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
        where gp.organization_id = ${organizationId} and gp.group_id = ${groupId}) as profiles,
      (select array_agg(a.user_id::text order by a.user_id) from admin_role_assignments a
        where a.organization_id = ${organizationId} and a.group_id = ${groupId} and a.role = 'group-admin'
          and a.user_id is not null) as admins,
      (select count(*)::int from group_members m
        where m.organization_id = ${organizationId} and m.group_id = ${groupId}) as members`.execute(db);
  const row = rows.rows[0];
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    externalId: group.external_id,
    version: group.version,
    profiles: row?.profiles ?? [],
    admins: row?.admins ?? [],
    membersCount: row?.members ?? 0,
  };
}

async function resolveGroup(scope: RunScope, actor: Actor, ref: GroupRef): Promise<string> {
  const query = scope.trx.selectFrom('user_groups').select('id').where('organization_id', '=', actor.organizationId);
  const row = await ('id' in ref
    ? query.where('id', '=', ref.id)
    : query.where(sql<string>`lower(name)`, '=', ref.name.trim().toLowerCase())
  ).executeTakeFirst();
  if (!row) {
    throw notFound('User group');
  }
  return row.id;
}

async function profileIds(scope: RunScope, actor: Actor, names: string[]): Promise<string[]> {
  const resolved = await resolveNames(scope.trx, actor.organizationId, 'profile', [{ field: 'profiles', names }]);
  const problems = resolved.problems.get(0);
  if (problems) {
    throw new AppError(GroupErrorCodes.unknownProfiles, 422, 'Unknown product profiles.', { errors: problems });
  }
  return names.map((name) => resolved.found.get(name.trim().toLowerCase())?.id ?? '');
}

/** A group's desired state; a field left out is untouched. */
export interface GroupStateItem {
  group: GroupRef;
  name?: string;
  description?: string | null;
  /** A directory's id of the group (SCIM externalId). */
  externalId?: string | null;
  /** The full set of assigned profiles (names). */
  profiles?: string[];
  /** Profiles to assign and to unassign (ids), the others untouched (the group page). */
  profilesChange?: { assign?: string[]; unassign?: string[] };
  /** The full set of group admins (user ids). */
  admins?: string[];
  /** Group admins to add (existing users by id, new users) and to remove (ids), the others untouched. */
  adminsChange?: { add?: string[]; addNew?: NewUserInput[]; remove?: string[] };
  /** Members added (existing users by id, or new users created with them), removed or replaced. */
  members?: { add?: string[]; addNew?: NewUserInput[]; remove?: string[]; replace?: string[] };
  /** The version the change was made on: a stale one fails the item (`groups.version_conflict`). */
  version?: number;
}

/**
 * Authorizes what a group item changes, on the group (scoped roles: a group admin of that group):
 * renaming and describing it `group.manage`; members added `group.members.addExisting` (new
 * users `group.members.addNew`), removed or replaced `group.members.remove`; admins
 * `adminRole.assign`. Each profile given or taken is checked on its product by the writers.
 * @throws AppError `auth.forbidden` (403)
 */
function authorizeGroupItem(
  actor: Actor,
  groupId: string,
  item: Omit<GroupStateItem, 'group'>,
  current: GroupState | null,
): void {
  const target = { groupId };
  // A desired state repeats what it does not change (a directory sends the name with every
  // update): only a name, description or directory id that differs is a change of the group.
  if (
    current &&
    ((item.name !== undefined && item.name.trim() !== current.name) ||
      (item.description !== undefined && (item.description?.trim() || null) !== current.description) ||
      (item.externalId !== undefined && item.externalId !== current.externalId))
  ) {
    authorize(actor, 'group.manage', target);
  }
  const members = item.members;
  if (members?.add?.length || members?.replace?.length) {
    authorize(actor, 'group.members.addExisting', target);
  }
  if (members?.addNew?.length) {
    authorize(actor, 'group.members.addNew', target);
  }
  if (members?.remove?.length || members?.replace !== undefined) {
    authorize(actor, 'group.members.remove', target);
  }
  const admins = item.adminsChange;
  if (item.admins !== undefined || admins?.add?.length || admins?.addNew?.length || admins?.remove?.length) {
    authorize(actor, 'adminRole.assign');
  }
}

/** What a group change counted: members added, created and removed, profiles assigned (with a size warning). */
type GroupChangeCounts = Record<string, string | number>;

async function applyGroupState(
  scope: RunScope,
  actor: Actor,
  groupId: string,
  item: Omit<GroupStateItem, 'group'>,
): Promise<GroupChangeCounts> {
  const counts: GroupChangeCounts = {};
  const count = (key: string, value: number) => {
    counts[key] = Number(counts[key] ?? 0) + value;
  };
  const current = await snapshotGroup(scope.trx, actor.organizationId, groupId);
  if (!current) {
    throw notFound('User group');
  }
  if (
    (item.name !== undefined && item.name.trim() !== current.name) ||
    (item.description !== undefined && (item.description?.trim() || null) !== current.description) ||
    (item.externalId !== undefined && item.externalId !== current.externalId) ||
    item.version !== undefined
  ) {
    await updateGroup(scope.ctx, actor, groupId, {
      name: item.name,
      description: item.description,
      externalId: item.externalId,
      version: item.version,
    });
  }
  const assign = async (ids: string[]) => {
    const assigned = await assignProfiles(scope.ctx, actor, groupId, ids);
    count('assigned', assigned.assigned);
    counts.membersCount = assigned.membersCount;
    if (assigned.warning) {
      counts.warning = assigned.warning;
    }
  };
  if (item.profiles !== undefined) {
    const wanted = await profileIds(scope, actor, item.profiles);
    const held = await profileIds(scope, actor, current.profiles);
    const adding = wanted.filter((id) => !held.includes(id));
    if (adding.length > 0) {
      await assign(adding);
    }
    for (const id of held.filter((id) => !wanted.includes(id))) {
      await unassignProfile(scope.ctx, actor, groupId, id);
    }
  }
  if (item.profilesChange?.assign?.length) {
    await assign(item.profilesChange.assign);
  }
  for (const id of item.profilesChange?.unassign ?? []) {
    await unassignProfile(scope.ctx, actor, groupId, id);
  }
  if (item.admins !== undefined) {
    const adding = item.admins.filter((id) => !current.admins.includes(id));
    if (adding.length > 0) {
      await changeGroupAdmins(scope.ctx, actor, groupId, { add: { userIds: adding } });
    }
    for (const id of current.admins.filter((id) => !item.admins?.includes(id))) {
      await changeGroupAdmins(scope.ctx, actor, groupId, { removeUserId: id });
    }
  }
  const admins = item.adminsChange;
  if (admins?.add?.length || admins?.addNew?.length) {
    await changeGroupAdmins(scope.ctx, actor, groupId, { add: { userIds: admins.add, newUsers: admins.addNew } });
  }
  for (const id of admins?.remove ?? []) {
    await changeGroupAdmins(scope.ctx, actor, groupId, { removeUserId: id });
  }
  const members = item.members;
  const add = async (change: { userIds?: string[]; newUsers?: NewUserInput[] }) => {
    const added = await addMembers(scope.ctx, actor, groupId, change);
    count('added', added.added);
    count('created', added.created);
  };
  const remove = async (ids: string[]) => count('removed', await removeMembers(scope.ctx, actor, groupId, ids));
  if (members?.replace !== undefined) {
    const wanted = [...new Set(members.replace)];
    // A synchronizing source (a SCIM connection, a directory sync) replaces only the memberships
    // it manages: members added in the console, by a file or by another source stay.
    const source = synchronizingSource(actor);
    const managed = source
      ? sql`and source_type = ${source.type} and source_id is not distinct from ${source.id}::text`
      : sql``;
    const gone = await sql<{ user_id: string }>`
      select user_id from group_members where organization_id = ${actor.organizationId} and group_id = ${groupId}
        and user_id <> all(${wanted}::uuid[]) ${managed}`.execute(scope.trx);
    if (gone.rows.length > 0) {
      await remove(gone.rows.map((row) => row.user_id));
    }
    if (wanted.length > 0) {
      await add({ userIds: wanted });
    }
  }
  if (members?.remove?.length) {
    await remove(members.remove);
  }
  if (members?.add?.length || members?.addNew?.length) {
    await add({ userIds: members.add, newUsers: members.addNew });
  }
  return counts;
}

/** The existing users an item may make members or admins of its group. */
function joiningUsers(item: Omit<GroupStateItem, 'group'>): string[] {
  return [
    ...(item.members?.add ?? []),
    ...(item.members?.replace ?? []),
    ...(item.admins ?? []),
    ...(item.adminsChange?.add ?? []),
  ];
}

/**
 * Creates groups with their description, profiles, admins and members.
 * @returns per item `groups.created` with the new state
 */
export async function createGroupsCommand(
  ctx: AppContext,
  actor: Actor,
  items: {
    name: string;
    description?: string | null;
    externalId?: string | null;
    profiles?: string[];
    admins?: string[];
    members?: string[];
  }[],
  options: RunOptions = {},
): Promise<ItemOutcome<GroupState>[]> {
  authorize(actor, 'group.manage');
  return runItems(
    ctx,
    items,
    async (scope, item) => {
      const created = await createGroup(scope.ctx, actor, {
        name: item.name,
        description: item.description ?? undefined,
        externalId: item.externalId,
      });
      await applyGroupState(scope, actor, created.id, {
        profiles: item.profiles,
        admins: item.admins,
        members: item.members ? { add: item.members } : undefined,
      });
      return {
        status: 'applied',
        code: 'groups.created',
        params: { group: created.name },
        before: null,
        after: await snapshotGroup(scope.trx, actor.organizationId, created.id),
      };
    },
    options,
  );
}

/**
 * Brings groups to a desired state: name, description, profiles, admins, members added, removed
 * or replaced.
 * @returns per item `groups.updated` or `groups.unchanged`, with the state before and after
 */
export async function updateGroupsCommand(
  ctx: AppContext,
  actor: Actor,
  items: GroupStateItem[],
  options: RunOptions = {},
): Promise<ItemOutcome<GroupState>[]> {
  return runItems(
    ctx,
    items,
    async (scope, item) => {
      // A group named by id is authorized before it is looked up: who may not change it learns nothing of it.
      if ('id' in item.group) {
        authorizeGroupItem(actor, item.group.id, item, null);
      }
      const groupId = await resolveGroup(scope, actor, item.group);
      // The users the item may make members or admins, then the group, in the one lock order
      // (changes/locks.ts): the item's later steps lock nothing out of it.
      await lockInOrder(scope.trx, actor.organizationId, {
        users: { ids: joiningUsers(item), mode: 'share' },
        groups: { ids: [groupId], mode: 'update' },
      });
      const before = await snapshotGroup(scope.trx, actor.organizationId, groupId);
      authorizeGroupItem(actor, groupId, item, before);
      const membersVersion = async () =>
        (
          await scope.trx
            .selectFrom('user_groups')
            .select('members_version')
            .where('id', '=', groupId)
            .executeTakeFirst()
        )?.members_version;
      const membersBefore = await membersVersion();
      const counts = await applyGroupState(scope, actor, groupId, item);
      const after = await snapshotGroup(scope.trx, actor.organizationId, groupId);
      const moved =
        JSON.stringify({ ...before, version: 0 }) !== JSON.stringify({ ...after, version: 0 }) ||
        membersBefore !== (await membersVersion());
      return {
        status: moved ? 'applied' : 'unchanged',
        code: moved ? 'groups.updated' : 'groups.unchanged',
        params: { group: after?.name ?? '', ...counts },
        before,
        after,
      };
    },
    options,
  );
}

/** One membership to bring about: a user in a group (`member: true`) or out of it. */
export interface MembershipItem {
  group: GroupRef;
  userId: string;
  member: boolean;
}

/** A membership as the commands report it. */
export interface MembershipState {
  groupId: string;
  group: string;
  userId: string;
  member: boolean;
}

/**
 * Which of these users are members of a group (one query).
 * @returns the ids of those who are
 */
export async function membersAmong(
  db: Executor,
  organizationId: string,
  groupId: string,
  userIds: string[],
): Promise<Set<string>> {
  if (userIds.length === 0) {
    return new Set();
  }
  const rows = await sql<{ user_id: string }>`
    select user_id from group_members
    where organization_id = ${organizationId} and group_id = ${groupId} and user_id = any(${userIds}::uuid[])`.execute(
    db,
  );
  return new Set(rows.rows.map((row) => row.user_id));
}

/**
 * The names of groups, in one query.
 * @returns id → name (groups not found are absent)
 */
export async function groupNames(db: Executor, organizationId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('user_groups')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}

/**
 * Brings single memberships about (a CSV file of users to add to a group, or to take out of it):
 * set-based, one `addMembers` and one `removeMembers` per group for the whole list, so the rules,
 * licenses, welcome e-mails and audit events (with every id that joined or left) are the group
 * page's. A user named twice in a list changes once; the other items are unchanged.
 * @returns per item `groups.member_added`, `groups.member_removed` or `groups.member_unchanged`,
 *   with the membership before and after
 */
export async function setMembershipsCommand(
  ctx: AppContext,
  actor: Actor,
  items: MembershipItem[],
  options: RunOptions = {},
): Promise<ItemOutcome<MembershipState>[]> {
  const applyAll = async (scope: RunScope, all: MembershipItem[]): Promise<Applied<MembershipState>[]> => {
    const groups = new Map<string, { id: string; name: string }>();
    const keyOf = (ref: GroupRef) => ('id' in ref ? `id:${ref.id}` : `name:${ref.name.trim().toLowerCase()}`);
    for (const item of all) {
      if (!groups.has(keyOf(item.group))) {
        const id = await resolveGroup(scope, actor, item.group);
        groups.set(keyOf(item.group), {
          id,
          name: (await groupNames(scope.trx, actor.organizationId, [id])).get(id) ?? '',
        });
      }
    }
    // Every user joining and every group, in the one lock order (changes/locks.ts), before the
    // first group's change: the groups are changed one after another in one transaction.
    await lockInOrder(scope.trx, actor.organizationId, {
      users: { ids: all.filter((item) => item.member).map((item) => item.userId), mode: 'share' },
      groups: { ids: [...groups.values()].map((group) => group.id), mode: 'no key update' },
    });
    const changes = new Map<string, { members: Set<string>; add: string[]; remove: string[] }>();
    for (const group of groups.values()) {
      const users = all.filter((item) => groups.get(keyOf(item.group))?.id === group.id).map((item) => item.userId);
      changes.set(group.id, {
        members: await membersAmong(scope.trx, actor.organizationId, group.id, [...new Set(users)]),
        add: [],
        remove: [],
      });
    }
    const outcomes = all.map((item): Applied<MembershipState> => {
      const group = groups.get(keyOf(item.group)) ?? { id: '', name: '' };
      const change = changes.get(group.id);
      const was = change?.members.has(item.userId) ?? false;
      const state = { groupId: group.id, group: group.name, userId: item.userId };
      const list = item.member ? change?.add : change?.remove;
      if (was === item.member || !list || list.includes(item.userId)) {
        return {
          status: 'unchanged',
          code: 'groups.member_unchanged',
          params: { group: group.name },
          before: { ...state, member: was },
          after: { ...state, member: was },
        };
      }
      list.push(item.userId);
      return {
        status: 'applied',
        code: item.member ? 'groups.member_added' : 'groups.member_removed',
        params: { group: group.name },
        before: { ...state, member: was },
        after: { ...state, member: item.member },
      };
    });
    for (const [groupId, change] of changes) {
      if (change.add.length > 0) {
        await addMembers(scope.ctx, actor, groupId, { userIds: change.add });
      }
      if (change.remove.length > 0) {
        await removeMembers(scope.ctx, actor, groupId, change.remove);
      }
    }
    return outcomes;
  };
  return runSetBased(ctx, items, applyAll, options);
}

/**
 * Deletes groups; members lose what only these groups gave them. Set-based: the whole list is
 * deleted in one statement (item by item only when that fails).
 * @returns per item `groups.deleted`, with the state before
 */
export async function deleteGroupsCommand(
  ctx: AppContext,
  actor: Actor,
  items: { group: GroupRef }[],
  options: RunOptions = {},
): Promise<ItemOutcome<GroupState>[]> {
  authorize(actor, 'group.manage');
  const deleteAll = async (scope: RunScope, all: { group: GroupRef }[]): Promise<Applied<GroupState>[]> => {
    const ids: string[] = [];
    const before: (GroupState | null)[] = [];
    for (const item of all) {
      const id = await resolveGroup(scope, actor, item.group);
      ids.push(id);
      before.push(await snapshotGroup(scope.trx, actor.organizationId, id));
    }
    // A synchronizing source (a SCIM connection, a directory sync) deletes only the groups it manages.
    const source = synchronizingSource(actor);
    if (source) {
      const foreign = await scope.trx
        .selectFrom('user_groups')
        .select(['name', 'source_type'])
        .where('organization_id', '=', actor.organizationId)
        .where('id', 'in', ids)
        .where((eb) => eb.or([eb('source_type', '!=', source.type), eb('source_id', 'is distinct from', source.id)]))
        .executeTakeFirst();
      if (foreign) {
        throw new AppError(
          GroupErrorCodes.notManaged,
          409,
          `The group ${foreign.name} is managed by ${foreign.source_type === 'console' ? 'the console' : `another source (${foreign.source_type})`}, not by this connection: it deletes only the groups it manages.`,
        );
      }
    }
    await deleteGroups(scope.ctx, actor, ids);
    return before.map((state) => ({
      status: 'applied',
      code: 'groups.deleted',
      params: { group: state?.name ?? '' },
      before: state,
      after: null,
    }));
  };
  return runSetBased(ctx, items, deleteAll, options);
}
