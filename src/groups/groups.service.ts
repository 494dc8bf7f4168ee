import { sql, type Transaction } from 'kysely';
import type { Group, GroupDeletionPreview, GroupDetail, ProfileAssignment } from '../../shared/api/groups.ts';
import type { GroupSort } from '../../shared/contracts.ts';
import { recordAudit, recordAuditWithIds } from '../audit/audit.service.ts';
import { lockInOrder } from '../changes/locks.ts';
import { presentSource, sourceColumns } from '../changes/source.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { keysetPage, namePosition, Positions, sortedPosition } from '../core/paging.ts';
import type { CappedCount } from '../db/count-capped.ts';
import { transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { countSoleHolders } from '../licenses/licenses.ts';
import { scheduleWelcomeForGrant } from '../outbox/welcome-fanout.job.ts';
import { findAdminRolesByUserIds, type HeldAdminRole } from '../roles/grants.ts';
import { type Actor, authorize, reachable } from '../roles/policy.ts';
import { type AdminRoleGrant, applyAdminRoleChanges } from '../users/users.admin-roles.ts';
import { insertUsers, type NewUserInput } from '../users/users.service.ts';
import { deletedMembersOf, recordGroupDeletions } from './groups.deletions.ts';
import { GroupErrorCodes } from './groups.errors.ts';
import { joinGroup, leaveGroup } from './groups.members.ts';
import {
  countGroups,
  findAdminsByGroupId,
  findGroupById,
  findGroupsByOrganizationId,
  findProfilesByGroupId,
  type GroupRow,
  membersOf,
} from './groups.queries.ts';

/** Most users (existing or new) one "add" of the console takes, as in the seed consoles. */
export const MAX_NEW_USERS_PER_SAVE = 10;

/** A group as lists show it. */
export type GroupView = Group;

function presentGroup(row: GroupRow): GroupView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    membersCount: row.members,
    profilesCount: row.profiles,
    adminsCount: row.admins,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * A group's id and name, without its counts: what adding and removing members needs, once per
 * bulk batch. Counting a large group's members for each batch made a file of N rows into a group
 * of M members read N / batch × M rows.
 * @throws AppError 404
 */
async function requireGroupName(
  db: AppContext['db'] | Transaction<DB>,
  organizationId: string,
  groupId: string,
): Promise<{ id: string; name: string }> {
  const row = await db
    .selectFrom('user_groups')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', groupId)
    .executeTakeFirst();
  if (!row) {
    throw notFound('User group');
  }
  return row;
}

async function requireGroup(
  db: AppContext['db'] | Transaction<DB>,
  organizationId: string,
  groupId: string,
): Promise<GroupRow> {
  const row = await findGroupById(db, organizationId, groupId);
  if (!row) {
    throw notFound('User group');
  }
  return row;
}

/**
 * Locks a group's row for a change of its profiles (in the one lock order, changes/locks.ts:
 * joins and leaves of its members, whose triggers lock it too, wait for this change or it for
 * them) and reads the products its profiles give.
 * @returns the products, in no particular order
 */
async function lockGroupProducts(trx: Transaction<DB>, organizationId: string, groupId: string): Promise<string[]> {
  await lockInOrder(trx, organizationId, { groups: { ids: [groupId], mode: 'update' } });
  const { rows } = await sql<{ product_id: string }>`
    select distinct pp.product_id from group_profiles gp
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    where gp.organization_id = ${organizationId} and gp.group_id = ${groupId}`.execute(trx);
  return rows.map((row) => row.product_id);
}

/**
 * Lists groups (group admins: theirs), by name, cursor-paged; the first page also counts the groups
 * matching (capped at 10,000).
 * @throws AppError 403 without `group.read`
 */
export async function listGroups(
  ctx: AppContext,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined; search?: string | undefined; sort?: GroupSort | undefined },
) {
  authorize(actor, 'group.read');
  const sort = query.sort ?? 'name';
  const page = await keysetPage(query, {
    position: sortedPosition(Positions.nameId, sort),
    read: (after, limit) =>
      findGroupsByOrganizationId(ctx.db, actor.organizationId, reachable(actor, 'group.read'), {
        limit,
        search: query.search,
        after,
        descending: sort === '-name',
      }),
    positionOf: (row) => ({ ...namePosition(row), s: sort }),
    present: (page) => page.map(presentGroup),
  });
  const total: CappedCount | null = query.cursor
    ? null
    : await countGroups(ctx.db, actor.organizationId, reachable(actor, 'group.read'), query.search);
  return { ...page, total };
}

/**
 * A group with its profiles and admins.
 * @throws AppError 404; 403 outside the actor's scope
 */
export async function getGroup(ctx: AppContext, actor: Actor, groupId: string): Promise<GroupDetail> {
  const row = await requireGroup(ctx.db, actor.organizationId, groupId);
  authorize(actor, 'group.read', { groupId });
  const profiles = await findProfilesByGroupId(ctx.db, actor.organizationId, groupId);
  const admins = await findAdminsByGroupId(ctx.db, actor.organizationId, groupId);
  const source = await ctx.db
    .selectFrom('user_groups')
    .select(['source_type', 'source_id'])
    .where('organization_id', '=', actor.organizationId)
    .where('id', '=', groupId)
    .executeTakeFirstOrThrow();
  return {
    ...presentGroup(row),
    managedBy: await presentSource(ctx.db, actor.organizationId, source),
    profiles: profiles.map((profile) => ({
      id: profile.id,
      name: profile.name,
      productId: profile.product_id,
      productName: profile.product_name,
    })),
    admins: admins.map((admin) => ({
      id: admin.id,
      email: admin.email,
      firstName: admin.first_name,
      lastName: admin.last_name,
    })),
  };
}

/**
 * Creates a group (system admins).
 * @throws AppError 403; 409 `groups.name_taken`
 */
export async function createGroup(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; description?: string | undefined; externalId?: string | null | undefined },
) {
  authorize(actor, 'group.manage');
  const id = await transaction(ctx.db, async (trx) => {
    const row = await trx
      .insertInto('user_groups')
      .values({
        organization_id: actor.organizationId,
        name: input.name.trim(),
        description: input.description?.trim() || null,
        external_id: input.externalId ?? null,
        ...sourceColumns(actor),
      })
      .returning(['id', 'name', 'description', 'external_id'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'group.create',
      target: { type: 'group', id: row.id, label: row.name },
      // Every attribute written is in the event: a directory's id of the group too.
      after: {
        name: row.name,
        description: row.description,
        ...(row.external_id !== null ? { externalId: row.external_id } : {}),
      },
    });
    return row.id;
  });
  return getGroup(ctx, actor, id);
}

/**
 * Renames a group or changes its description, refusing if it changed since `version`.
 * @throws AppError 403; 404; 409 `groups.name_taken` or `groups.version_conflict`
 */
export async function updateGroup(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  patch: {
    name?: string | undefined;
    description?: string | null | undefined;
    /** A directory's id of the group (SCIM externalId). */
    externalId?: string | null | undefined;
    version?: number | undefined;
  },
) {
  authorize(actor, 'group.manage');
  await transaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom('user_groups')
      .select(['name', 'description', 'external_id', 'version'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', groupId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) {
      throw notFound('User group');
    }
    if (patch.version !== undefined && patch.version !== before.version) {
      throw new AppError(
        GroupErrorCodes.versionConflict,
        409,
        'Someone else changed this group since you opened it: reload it and make your change again.',
        { extra: { currentVersion: before.version } },
      );
    }
    const after = {
      name: patch.name?.trim() ?? before.name,
      description: patch.description === undefined ? before.description : patch.description?.trim() || null,
    };
    const externalId = patch.externalId === undefined ? before.external_id : patch.externalId;
    const externalIdChanged = externalId !== before.external_id;
    await trx
      .updateTable('user_groups')
      .set({ ...after, external_id: externalId, version: before.version + 1, updated_at: new Date() })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', groupId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'group.update',
      target: { type: 'group', id: groupId, label: after.name },
      before: {
        name: before.name,
        description: before.description,
        ...(externalIdChanged ? { externalId: before.external_id } : {}),
      },
      after: { ...after, ...(externalIdChanged ? { externalId } : {}) },
    });
  });
  return getGroup(ctx, actor, groupId);
}

/**
 * What deleting these groups would take away: per profile, how many members lose it (those who
 * do not also hold it directly or through a group that stays).
 * @throws AppError 403; 404
 */
export async function previewGroupDeletion(
  ctx: AppContext,
  actor: Actor,
  groupIds: string[],
): Promise<GroupDeletionPreview> {
  authorize(actor, 'group.manage');
  const ids = [...new Set(groupIds)];
  const groups = await Promise.all(ids.map((id) => requireGroup(ctx.db, actor.organizationId, id)));
  const losses = await sql<{ profile_id: string; profile_name: string; product_name: string; users: number }>`
    select gp.profile_id, pp.name as profile_name, p.name as product_name, count(distinct gm.user_id)::int as users
    from group_profiles gp
    join group_members gm on gm.organization_id = gp.organization_id and gm.group_id = gp.group_id
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    where gp.organization_id = ${actor.organizationId} and gp.group_id = any(${ids}::uuid[])
      and not exists (select 1 from user_profiles up where up.organization_id = gp.organization_id and up.user_id = gm.user_id and up.profile_id = gp.profile_id)
      and not exists (
        select 1 from group_members om join group_profiles op on op.organization_id = om.organization_id and op.group_id = om.group_id
        where om.organization_id = gp.organization_id and om.user_id = gm.user_id and op.profile_id = gp.profile_id
          and om.group_id <> all(${ids}::uuid[]))
    group by gp.profile_id, pp.name, p.name order by pp.name`.execute(ctx.db);
  return {
    groups: groups.map((group) => ({ id: group.id, name: group.name, membersCount: group.members })),
    losses: losses.rows.map((row) => ({
      profileId: row.profile_id,
      profileName: row.profile_name,
      productName: row.product_name,
      users: row.users,
    })),
  };
}

/**
 * Deletes groups (system admins). Members stay in the organization and lose the profiles that
 * came only from these groups; licenses are recounted set-based.
 * @returns how many groups were deleted
 * @throws AppError 403; 404
 */
export async function deleteGroups(ctx: AppContext, actor: Actor, groupIds: string[]): Promise<number> {
  authorize(actor, 'group.manage');
  const ids = [...new Set(groupIds)];
  return transaction(ctx.db, async (trx) => {
    // In the one lock order (changes/locks.ts): deletions of the same groups in flight wait in turn.
    await lockInOrder(trx, actor.organizationId, { groups: { ids, mode: 'update' } });
    const groups = await trx
      .selectFrom('user_groups')
      .select(['id', 'name', 'description', 'external_id'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', ids)
      .execute();
    if (groups.length !== ids.length) {
      throw notFound('User group');
    }
    // What each group gives, read before the groups (and their profiles) go: their members who
    // hold a product from no other source free its seat.
    const given = await sql<{ group_id: string; product_id: string }>`
      select distinct gp.group_id, pp.product_id from group_profiles gp
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      where gp.organization_id = ${actor.organizationId} and gp.group_id = any(${ids}::uuid[])`.execute(trx);
    // Enough to give each group back: its details, profiles and admins in the deletion's event,
    // and its members kept once, in one `group_deletions` row per group (an array of ids written by
    // one statement: a million members never pass through here, and no row is written per member).
    // That row also moves each former member's SCIM ETag, and is what the licenses are recounted from.
    await recordGroupDeletions(trx, actor.organizationId, ids);
    const counts = await trx
      .selectFrom('group_deletions')
      .select(['group_id', sql<number>`cardinality(member_ids)`.as('members')])
      .where('organization_id', '=', actor.organizationId)
      .where('group_id', 'in', ids)
      .execute();
    for (const group of groups) {
      const profiles = await findProfilesByGroupId(trx, actor.organizationId, group.id);
      const admins = await findAdminsByGroupId(trx, actor.organizationId, group.id);
      await recordAudit(trx, actor, {
        action: 'group.delete',
        target: { type: 'group', id: group.id, label: group.name },
        before: {
          name: group.name,
          description: group.description,
          ...(group.external_id !== null ? { externalId: group.external_id } : {}),
          profiles: profiles.map((profile) => ({ id: profile.id, name: profile.name, product: profile.product_name })),
          admins: admins.map((admin) => ({ id: admin.id, email: admin.email })),
          membersCount: counts.find((row) => row.group_id === group.id)?.members ?? 0,
        },
      });
    }
    await trx
      .deleteFrom('user_groups')
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', ids)
      .execute();
    // Per product, in id order (the order products are locked in): the former members of the
    // groups that gave it, who hold it now from no other source.
    for (const productId of [...new Set(given.rows.map((row) => row.product_id))].sort()) {
      const givers = given.rows.filter((row) => row.product_id === productId).map((row) => row.group_id);
      await countSoleHolders(trx, actor.organizationId, {
        members:
          givers.length === 1
            ? deletedMembersOf(actor.organizationId, givers)
            : sql`select distinct user_id from (${deletedMembersOf(actor.organizationId, givers)}) m`,
        through: [],
        productIds: [productId],
        sign: -1,
      });
    }
    return groups.length;
  });
}

/**
 * Adds members: existing users by id, and new users by e-mail (created in the same transaction).
 * Product admins may add existing users only; group admins their own groups. Licenses of the
 * group's profiles are counted and refused past the seats.
 * @returns how many existing users were added and how many users were created
 * @throws AppError 403; 404; 422 unknown or removed users, not enough licenses
 */
export async function addMembers(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  input: { userIds?: string[] | undefined; newUsers?: NewUserInput[] | undefined },
): Promise<{ added: number; created: number }> {
  const userIds = [...new Set(input.userIds ?? [])];
  const newUsers = input.newUsers ?? [];
  if (userIds.length > 0) {
    authorize(actor, 'group.members.addExisting', { groupId });
  }
  if (newUsers.length > 0) {
    authorize(actor, 'group.members.addNew', { groupId });
  }
  return transaction(ctx.db, async (trx) => {
    const group = await requireGroupName(trx, actor.organizationId, groupId);
    let added = 0;
    let joinedIds: string[] = [];
    if (userIds.length > 0) {
      const joined = await joinGroup(trx, actor, groupId, userIds);
      added = joined.added;
      joinedIds = joined.userIds;
      // Scheduled before any new user is created: new users get their own welcome from insertUsers.
      await scheduleWelcomeForGrant(ctx, trx, actor.organizationId, {
        groupId,
        productIds: joined.productIds,
        joinedOnly: true,
      });
    }
    let created = 0;
    let createdUsers: { id: string; email: string }[] = [];
    if (newUsers.length > 0) {
      const rows = await insertUsers(
        trx,
        actor,
        { users: newUsers.map((user) => ({ ...user, groups: [group.name] })) },
        'body.newUsers',
      );
      created = rows.length;
      createdUsers = rows.map((row) => ({ id: row.id, email: row.email }));
    }
    // Every id that joined (bounded by the request), in parts when there are many: enough to undo.
    await recordAuditWithIds(
      trx,
      actor,
      {
        action: 'group.members_add',
        target: { type: 'group', id: groupId, label: group.name },
        after: { added, created, newUsers: createdUsers },
      },
      { side: 'after', key: 'userIds', values: joinedIds },
    );
    return { added, created };
  });
}

/**
 * Removes members; they lose the profiles that came only through this group.
 * @returns how many were removed
 * @throws AppError 403 (group admin of this group or system admin); 404
 */
export async function removeMembers(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  userIds: string[],
): Promise<number> {
  authorize(actor, 'group.members.remove', { groupId });
  const ids = [...new Set(userIds)];
  return transaction(ctx.db, async (trx) => {
    const group = await requireGroupName(trx, actor.organizationId, groupId);
    const removed = await leaveGroup(trx, actor.organizationId, groupId, ids);
    // Every id that left (not those who were not members), in parts when there are many.
    await recordAuditWithIds(
      trx,
      actor,
      {
        action: 'group.members_remove',
        target: { type: 'group', id: groupId, label: group.name },
        after: { removed: removed.length },
      },
      { side: 'after', key: 'userIds', values: removed },
    );
    return removed.length;
  });
}

/**
 * Assigns profiles to a group: every member gets them (one license per product and user).
 * Above USHER_GROUP_WARN_MEMBERS it answers with a warning and proceeds; above
 * USHER_GROUP_MAX_MEMBERS (unless 0) it refuses. Set-based: nothing per member in this process.
 * @returns how many profiles were newly assigned, the member count and the warning, if any
 * @throws AppError 403 (profile admins for their profiles, system admins); 404; 422 unknown
 *   profiles, `groups.too_large`, `licenses.insufficient`
 */
export async function assignProfiles(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  profileIds: string[],
): Promise<ProfileAssignment> {
  const ids = [...new Set(profileIds)];
  return transaction(ctx.db, async (trx) => {
    const group = await requireGroup(trx, actor.organizationId, groupId);
    const profiles = await trx
      .selectFrom('product_profiles')
      .select(['id', 'name', 'product_id'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', ids)
      .execute();
    const missing = ids.filter((id) => !profiles.some((profile) => profile.id === id));
    if (missing.length > 0) {
      throw new AppError(
        GroupErrorCodes.unknownProfiles,
        422,
        `No product profile ${missing.join(', ')} in this organization.`,
        {
          errors: missing.map((id) => ({ field: 'body.profileIds', message: `unknown profile ${id}` })),
        },
      );
    }
    for (const profile of profiles) {
      authorize(actor, 'profile.assign', { productId: profile.product_id, profileId: profile.id });
    }
    const { warnMembers, maxMembers } = ctx.config.groups;
    if (maxMembers > 0 && group.members > maxMembers) {
      throw new AppError(
        GroupErrorCodes.tooLarge,
        422,
        `The group has ${group.members} members, more than this instance allows for assigning profiles (${maxMembers}, USHER_GROUP_MAX_MEMBERS). Split the group, or raise or switch off the guard.`,
      );
    }
    const warning =
      warnMembers > 0 && group.members > warnMembers
        ? `The group has ${group.members} members (more than ${warnMembers}): every member gets the profiles and uses a license.`
        : null;
    // The group's row is locked before its products are read (and before the products' rows):
    // members joining meanwhile (whose memberships lock it too) are counted here or by their join.
    const givenBefore = await lockGroupProducts(trx, actor.organizationId, groupId);
    const inserted = await sql`
      insert into group_profiles (organization_id, group_id, profile_id)
      select ${actor.organizationId}, ${groupId}, unnest(${ids}::uuid[])
      on conflict do nothing`.execute(trx);
    // Members get a license of the products the group did not give yet: one read of the members
    // who hold them from no other source, nothing written per member.
    const productIds = [...new Set(profiles.map((profile) => profile.product_id))].filter(
      (id) => !givenBefore.includes(id),
    );
    await countSoleHolders(trx, actor.organizationId, {
      members: membersOf(actor.organizationId, [groupId]),
      through: [groupId],
      productIds,
      sign: 1,
    });
    await scheduleWelcomeForGrant(ctx, trx, actor.organizationId, { groupId, productIds, joinedOnly: false });
    await recordAudit(trx, actor, {
      action: 'group.profiles_assign',
      target: { type: 'group', id: groupId, label: group.name },
      after: {
        profiles: profiles.map((profile) => ({ id: profile.id, name: profile.name })),
        members: group.members,
      },
    });
    return { assigned: Number(inserted.numAffectedRows ?? 0), membersCount: group.members, warning };
  });
}

/**
 * Takes a profile from a group; members keep it only if they hold it directly or through another group.
 * @throws AppError 403; 404 (group, or profile not assigned)
 */
export async function unassignProfile(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  profileId: string,
): Promise<void> {
  await transaction(ctx.db, async (trx) => {
    const group = await requireGroup(trx, actor.organizationId, groupId);
    const profile = await trx
      .selectFrom('product_profiles')
      .select(['id', 'name', 'product_id'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', profileId)
      .executeTakeFirst();
    if (!profile) {
      throw notFound('Product profile');
    }
    authorize(actor, 'profile.assign', { productId: profile.product_id, profileId });
    await lockGroupProducts(trx, actor.organizationId, groupId);
    const deleted = await trx
      .deleteFrom('group_profiles')
      .where('organization_id', '=', actor.organizationId)
      .where('group_id', '=', groupId)
      .where('profile_id', '=', profileId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) {
      throw notFound('Assignment of this profile to the group');
    }
    // Members lose the product only when the group no longer gives it (another of its profiles
    // may) and nothing else does.
    const givenAfter = await lockGroupProducts(trx, actor.organizationId, groupId);
    if (!givenAfter.includes(profile.product_id)) {
      await countSoleHolders(trx, actor.organizationId, {
        members: membersOf(actor.organizationId, [groupId]),
        through: [],
        productIds: [profile.product_id],
        sign: -1,
      });
    }
    await recordAudit(trx, actor, {
      action: 'group.profiles_unassign',
      target: { type: 'group', id: groupId, label: group.name },
      before: { profile: { id: profile.id, name: profile.name } },
    });
  });
}

/**
 * Makes users (existing by id, or new by e-mail) admins of a group, or takes that right away.
 * @throws AppError 403 without `adminRole.assign`; 404; 422 unknown or removed users
 */
export async function changeGroupAdmins(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  change: { add?: { userIds?: string[] | undefined; newUsers?: NewUserInput[] | undefined }; removeUserId?: string },
) {
  authorize(actor, 'adminRole.assign');
  await transaction(ctx.db, async (trx) => {
    const group = await requireGroup(trx, actor.organizationId, groupId);
    const role: AdminRoleGrant = { role: 'group-admin', scope: { id: groupId, name: group.name } };
    const isThisGroup = (held: HeldAdminRole) => held.role === 'group-admin' && held.scope?.id === groupId;
    if (change.removeUserId) {
      const user = await trx
        .selectFrom('users')
        .select(['id', 'email', 'status', 'locale'])
        .where('organization_id', '=', actor.organizationId)
        .where('id', '=', change.removeUserId)
        .executeTakeFirst();
      const held = user
        ? ((await findAdminRolesByUserIds(trx, actor.organizationId, [user.id])).get(user.id) ?? []).find(isThisGroup)
        : undefined;
      if (!user || !held) {
        throw notFound('Group admin');
      }
      await applyAdminRoleChanges(trx, actor, [{ user, grant: [], revoke: [held] }]);
      return;
    }
    const userIds = [...new Set(change.add?.userIds ?? [])];
    const created = change.add?.newUsers?.length
      ? await insertUsers(trx, actor, { users: change.add.newUsers }, 'body.newUsers')
      : [];
    const candidates = await trx
      .selectFrom('users')
      .select(['id', 'email', 'status', 'locale'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', [...userIds, ...created.map((user) => user.id), '00000000-0000-0000-0000-000000000000'])
      // In id order, as every change locks users (changes/locks.ts).
      .orderBy('id')
      .forShare()
      .execute();
    const problems = userIds.flatMap((id, index) => {
      const user = candidates.find((candidate) => candidate.id === id);
      return !user
        ? [{ field: `body.userIds.${index}`, message: `no user ${id} in this organization` }]
        : user.status === 'removed'
          ? [{ field: `body.userIds.${index}`, message: 'the user is removed: restore the user first' }]
          : [];
    });
    if (problems.length > 0) {
      throw new AppError(GroupErrorCodes.unknownUsers, 422, 'Group admins must be active users of this organization.', {
        errors: problems,
      });
    }
    const held = await findAdminRolesByUserIds(
      trx,
      actor.organizationId,
      candidates.map((user) => user.id),
    );
    // The admin-role writer audits each grant and queues the welcome e-mail naming the role.
    await applyAdminRoleChanges(
      trx,
      actor,
      candidates
        .filter((user) => !(held.get(user.id) ?? []).some(isThisGroup))
        .map((user) => ({ user, grant: [role], revoke: [] })),
    );
  });
  return getGroup(ctx, actor, groupId);
}
