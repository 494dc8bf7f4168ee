import { sql, type Transaction } from 'kysely';
import { lockedUsers, lockInOrder } from '../changes/locks.ts';
import type { GivenProfile } from '../changes/resolution.ts';
import { sourceColumns, sourceOf } from '../changes/source.ts';
import { AppError, type FieldProblem } from '../core/errors.ts';
import type { Executor } from '../db/database.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB } from '../db/schema.ts';
import { type Membership, settleLicenses } from '../licenses/licenses.ts';
import { type Actor, can, PolicyErrorCodes } from '../roles/policy.ts';
import { GroupErrorCodes } from './groups.errors.ts';

/**
 * The one writer of `group_members`. Every path that puts users into groups or takes them out
 * (the group page, PATCH /users, new users, bulk rows, SCIM, removal) comes through here, so the
 * rules hold on all of them:
 * - removed users join no group (their rows are locked, so a removal running at the same time
 *   either sees the membership and takes it away, or is seen here and refuses the join);
 * - joining a group gives its profiles, so the actor must be allowed to give each of them:
 *   `profile.assign` on the profile (its product), or `group.members.grantProfiles` on the group
 *   (a group admin of that group; system admins hold both). A product admin adding users to a
 *   group that carries another product's profile is refused, naming the product — never a silent
 *   spend of seats they do not manage;
 * - licenses follow in the same transaction: the memberships inserted or deleted are counted
 *   (`settleLicenses`), a user counting once however many sources give a product;
 * - each membership records who manages it (`sourceOf(actor)`: the console, a bulk operation, a
 *   SCIM connection, a sync), so a synchronizing source removes only its own.
 */

/** The profiles these groups give, with their products (one query). */
async function findGivenProfiles(
  trx: Transaction<DB>,
  organizationId: string,
  groupIds: string[],
): Promise<GivenProfile[]> {
  const given = await sql<GivenProfile>`
    select gp.group_id, g.name as group_name, pp.id as profile_id, pp.product_id, p.name as product_name
    from group_profiles gp
    join user_groups g on g.organization_id = gp.organization_id and g.id = gp.group_id
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    where gp.organization_id = ${organizationId} and gp.group_id = any(${groupIds}::uuid[])`.execute(trx);
  return given.rows;
}

/**
 * Refuses when joining these groups would give a profile the actor may not give.
 * @param known what the groups give, as the caller resolved it in this transaction
 *   (`changes/resolution.ts`); read here when it does not cover every group
 * @returns per group, the products its profiles give
 * @throws AppError `auth.forbidden` (403) naming the product and the group
 */
export async function assertMayGiveGroupProfiles(
  trx: Transaction<DB>,
  actor: Actor,
  groupIds: string[],
  known?: ReadonlyMap<string, GivenProfile[]>,
): Promise<Map<string, string[]>> {
  const products = new Map<string, string[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) {
    return products;
  }
  const rows = groupIds.every((id) => known?.has(id))
    ? groupIds.flatMap((id) => known?.get(id) ?? [])
    : await findGivenProfiles(trx, actor.organizationId, groupIds);
  for (const row of rows) {
    if (
      !can(actor, 'group.members.grantProfiles', { groupId: row.group_id }) &&
      !can(actor, 'profile.assign', { productId: row.product_id, profileId: row.profile_id })
    ) {
      throw new AppError(
        PolicyErrorCodes.forbidden,
        403,
        `The group ${row.group_name} gives ${row.product_name} licenses, a product you do not manage: its members cannot be added by you. Ask a system admin or an admin of ${row.product_name}.`,
        { extra: { action: 'profile.assign', target: { productId: row.product_id, groupId: row.group_id } } },
      );
    }
    const list = products.get(row.group_id) ?? [];
    if (!list.includes(row.product_id)) {
      list.push(row.product_id);
    }
    products.set(row.group_id, list);
  }
  return products;
}

/**
 * Locks the users (FOR SHARE, so a concurrent removal waits or is waited for) and refuses unknown
 * or removed ones, naming each by its field. Counted first, so 200,000 ids are checked without
 * bringing their rows into the process; the rows are read only to name bad ids.
 * @param field the field path of the ids, `body.userIds` → `body.userIds.3`
 * @throws AppError `groups.removed_users` or `groups.unknown_users` (422)
 */
export async function lockActiveUsers(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
  field: (index: number) => string,
): Promise<void> {
  if (userIds.length === 0) {
    return;
  }
  const counted = await sql<{ found: number; removed: number }>`
    select count(*)::int as found, (count(*) filter (where status = 'removed'))::int as removed
    from ${lockedUsers(organizationId, userIds, 'share')} u`.execute(trx);
  if (counted.rows[0]?.found === userIds.length && counted.rows[0]?.removed === 0) {
    return;
  }
  const found = await sql<{ id: string; email: string; status: string }>`
    select id, email, status from users where organization_id = ${organizationId} and id = any(${userIds}::uuid[])`.execute(
    trx,
  );
  const known = new Map(found.rows.map((row) => [row.id, row]));
  const problems: FieldProblem[] = userIds.flatMap((id, index) => {
    const user = known.get(id);
    return !user
      ? [{ field: field(index), message: `no user ${id} in this organization` }]
      : user.status === 'removed'
        ? [{ field: field(index), message: `${user.email} is removed: restore the user first` }]
        : [];
  });
  const removedOnly = problems.every((problem) => problem.message.endsWith('restore the user first'));
  throw new AppError(
    removedOnly ? GroupErrorCodes.removedUsers : GroupErrorCodes.unknownUsers,
    422,
    removedOnly
      ? 'Removed users cannot join a group: restore them first.'
      : 'Some users are not users of this organization.',
    { errors: problems },
  );
}

/**
 * Puts existing users into one group: checks the rules above, inserts the memberships set-based
 * (in key order) and counts the licenses the group gives them.
 * @returns how many users joined and which (members already are not counted), and the products the group gives
 * @throws AppError 403; 422 unknown or removed users; `licenses.insufficient`
 */
export async function joinGroup(
  trx: Transaction<DB>,
  actor: Actor,
  groupId: string,
  userIds: string[],
  field: (index: number) => string = (index) => `body.userIds.${index}`,
): Promise<{ added: number; userIds: string[]; productIds: string[] }> {
  const productIds = (await assertMayGiveGroupProfiles(trx, actor, [groupId])).get(groupId) ?? [];
  await lockActiveUsers(trx, actor.organizationId, userIds, field);
  const source = sourceOf(actor);
  const inserted = await sql<{ user_id: string }>`
    insert into group_members (organization_id, group_id, user_id, source_type, source_id)
    select ${actor.organizationId}, ${groupId}, t.id, ${source.type}, ${source.id}::text
    from unnest(${userIds}::uuid[]) as t(id)
    -- In key order: both indexes and the users' key lookups of the foreign key go page by page.
    order by t.id
    on conflict do nothing
    returning user_id`.execute(trx);
  const joined = inserted.rows.map((row) => row.user_id);
  // The group's products are read again after the insert (which locked the group's row): a
  // profile given to it meanwhile is counted here or by that change, never by neither.
  await settleLicenses(trx, actor.organizationId, { joined: joined.map((userId) => ({ userId, groupId })) });
  return { added: joined.length, userIds: joined, productIds };
}

/**
 * Puts existing users into groups (edits of users' groups), set-based, under the same rules; the
 * caller counts the licenses (`settleLicenses` with these pairs as `joined`) with the rest of
 * its change.
 * @param pairs the memberships to add (none of them a membership already: each is inserted)
 * @param field the field path of a pair's user, for the removed-user refusal
 * @throws AppError 403; 422 removed users; `licenses.insufficient`
 */
export async function joinGroups(
  trx: Transaction<DB>,
  actor: Actor,
  pairs: { userId: string; groupId: string }[],
  field: (userIndex: number) => string,
): Promise<void> {
  if (pairs.length === 0) {
    return;
  }
  await assertMayGiveGroupProfiles(trx, actor, [...new Set(pairs.map((pair) => pair.groupId))]);
  const userIds = [...new Set(pairs.map((pair) => pair.userId))];
  await lockActiveUsers(trx, actor.organizationId, userIds, field);
  // In key order (group, user), as joinGroup inserts.
  const sorted = [...pairs].sort((a, b) =>
    a.groupId === b.groupId ? a.userId.localeCompare(b.userId) : a.groupId.localeCompare(b.groupId),
  );
  await insertMany(
    trx,
    'group_members',
    sorted.map((pair) => ({
      organization_id: actor.organizationId,
      group_id: pair.groupId,
      user_id: pair.userId,
      ...sourceColumns(actor),
    })),
  );
}

/**
 * The memberships of users created in this transaction (active by construction): the caller has
 * authorized them and counts their licenses with the rest of the new users' entitlements.
 */
export async function insertNewUserMemberships(
  trx: Transaction<DB>,
  actor: Actor,
  rows: { groupId: string; userId: string }[],
  known?: ReadonlyMap<string, GivenProfile[]>,
): Promise<void> {
  const groupIds = [...new Set(rows.map((row) => row.groupId))];
  await assertMayGiveGroupProfiles(trx, actor, groupIds, known);
  // The groups in the one lock order (changes/locks.ts), before the triggers lock them in any order.
  await lockInOrder(trx, actor.organizationId, { groups: { ids: groupIds, mode: 'no key update' } });
  await insertMany(
    trx,
    'group_members',
    rows.map((row) => ({
      organization_id: actor.organizationId,
      group_id: row.groupId,
      user_id: row.userId,
      ...sourceColumns(actor),
    })),
  );
}

/**
 * Takes users out of one group; they keep a product only if another profile still gives it.
 * @returns the users who left (those who were not members are not among them)
 */
export async function leaveGroup(
  trx: Transaction<DB>,
  organizationId: string,
  groupId: string,
  userIds: string[],
): Promise<string[]> {
  const deleted = await trx
    .deleteFrom('group_members')
    .where('organization_id', '=', organizationId)
    .where('group_id', '=', groupId)
    .where('user_id', 'in', userIds)
    .returning('user_id')
    .execute();
  const left = deleted.map((row) => row.user_id);
  await settleLicenses(trx, organizationId, { left: left.map((userId) => ({ userId, groupId })) });
  return left;
}

/**
 * Takes users out of groups (edits of users' groups), set-based; the caller counts the licenses
 * (`settleLicenses` with the memberships returned as `left`) with the rest of the edit.
 * @returns the memberships deleted (those that were not there are not among them)
 */
export async function leaveGroups(
  trx: Transaction<DB>,
  organizationId: string,
  pairs: { userId: string; groupId: string }[],
): Promise<Membership[]> {
  if (pairs.length === 0) {
    return [];
  }
  const deleted = await sql<{ user_id: string; group_id: string }>`
    delete from group_members m using unnest(${pairs.map((pair) => pair.groupId)}::uuid[], ${pairs.map((pair) => pair.userId)}::uuid[]) as t(group_id, user_id)
    where m.organization_id = ${organizationId} and m.group_id = t.group_id and m.user_id = t.user_id
    returning m.user_id, m.group_id`.execute(trx);
  return deleted.rows.map((row) => ({ userId: row.user_id, groupId: row.group_id }));
}

/** A user's membership of a group, with the group's name (what a removal's audit event keeps). */
export type NamedMembership = { user_id: string; group_id: string; group_name: string };

/**
 * The groups these users are members of, with the groups' names (one query, no lock). A caller
 * holding the users' locks sees no one join meanwhile (joining locks the user); a member's
 * removal locks only the group, so what `leaveAllGroups` then takes is what counts.
 * @returns the memberships, by group name
 */
export async function findNamedMembershipsByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<NamedMembership[]> {
  if (userIds.length === 0) {
    return [];
  }
  const rows = await sql<NamedMembership>`
    select m.user_id, m.group_id, g.name as group_name from group_members m
    join user_groups g on g.organization_id = m.organization_id and g.id = m.group_id
    where m.organization_id = ${organizationId} and m.user_id = any(${userIds}::uuid[])
    order by g.name`.execute(db);
  return rows.rows;
}

/**
 * Takes removed users out of every group (removal counts their licenses itself, with these
 * memberships as `left`). The groups' rows are locked here, so a caller does whatever does not
 * need them (its audit events) before.
 * @param groupIds the groups they are known to be in (read under the users' locks): the groups
 *   locked; a membership of another group (none, as no one joins without the user's lock) is
 *   taken too
 * @returns the memberships taken
 */
export async function leaveAllGroups(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
  groupIds: string[],
): Promise<{ user_id: string; group_id: string }[]> {
  // The groups' rows (their members' version, moved by the membership triggers) are locked first,
  // after the users the caller holds, in the one order (changes/locks.ts): removals in flight at
  // once wait in turn, never in a cycle. No one joins a group meanwhile: that needs the users.
  await lockInOrder(trx, organizationId, { groups: { ids: groupIds, mode: 'no key update' } });
  const deleted = await sql<{ user_id: string; group_id: string }>`
    delete from group_members where organization_id = ${organizationId} and user_id = any(${userIds}::uuid[])
    returning user_id, group_id`.execute(trx);
  return deleted.rows;
}

/**
 * The products each group's profiles give, in one query.
 * @returns group id → products (groups giving none are absent)
 */
export async function productsByGroup(
  db: Executor,
  organizationId: string,
  groupIds: string[],
): Promise<Map<string, string[]>> {
  const products = new Map<string, string[]>();
  if (groupIds.length === 0) {
    return products;
  }
  const rows = await sql<{ group_id: string; product_id: string }>`
    select distinct gp.group_id, pp.product_id from group_profiles gp
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    where gp.organization_id = ${organizationId} and gp.group_id = any(${groupIds}::uuid[])`.execute(db);
  for (const row of rows.rows) {
    products.set(row.group_id, [...(products.get(row.group_id) ?? []), row.product_id]);
  }
  return products;
}

/**
 * Which of these users are members of which of these groups, as (group, user) pairs (a sync
 * compares its mapped groups a page of users at a time).
 * @returns the pairs
 */
export async function findMembersByGroupIdsAndUserIds(
  db: Executor,
  organizationId: string,
  groupIds: string[],
  userIds: string[],
): Promise<{ group_id: string; user_id: string }[]> {
  if (groupIds.length === 0 || userIds.length === 0) {
    return [];
  }
  // User by user (the (organization_id, user_id, group_id) index), so a page of users never reads
  // every member of the groups however many they have.
  const result = await sql<{ group_id: string; user_id: string }>`
    select m.group_id, u.id as user_id
    from unnest(${userIds}::uuid[]) as u(id)
    cross join lateral (
      select gm.group_id from group_members gm
      where gm.organization_id = ${organizationId} and gm.user_id = u.id
        and gm.group_id = any(${groupIds}::uuid[])) as m`.execute(db);
  return result.rows;
}

/**
 * Which of these users are members of a group (one query on the membership's primary key).
 * @param db database or transaction
 * @param organizationId the tenant
 * @param groupId the group
 * @param userIds the users to look for
 * @returns the ids of those who are members
 */
export async function findMemberIdsByGroupIdAndUserIds(
  db: Executor,
  organizationId: string,
  groupId: string,
  userIds: string[],
): Promise<string[]> {
  const members = await sql<{ user_id: string }>`
    select user_id from group_members
    where organization_id = ${organizationId} and group_id = ${groupId} and user_id = any(${userIds}::uuid[])`.execute(
    db,
  );
  return members.rows.map((row) => row.user_id);
}

/**
 * The members of groups with their usernames, each group's by user id.
 * @returns group id → members (every group asked for, empty when it has none)
 */
export async function findMemberUsernamesByGroupIds(
  db: Executor,
  organizationId: string,
  groupIds: string[],
): Promise<Map<string, { id: string; username: string }[]>> {
  const result = new Map<string, { id: string; username: string }[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) {
    return result;
  }
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'group_members.user_id')
        .onRef('users.organization_id', '=', 'group_members.organization_id'),
    )
    .select(['group_members.group_id', 'users.id', 'users.username'])
    .where('group_members.organization_id', '=', organizationId)
    .where('group_members.group_id', 'in', groupIds)
    .orderBy('group_members.group_id')
    .orderBy('users.id')
    .execute();
  for (const row of rows) {
    result.get(row.group_id)?.push({ id: row.id, username: row.username });
  }
  return result;
}

/**
 * The groups users are members of, each user's by name (case-insensitive).
 * @returns user id → groups (id and name; every user asked for, empty when in none)
 */
export async function findGroupNamesByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const result = new Map<string, { id: string; name: string }[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) {
    return result;
  }
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('user_groups', (join) =>
      join
        .onRef('user_groups.id', '=', 'group_members.group_id')
        .onRef('user_groups.organization_id', '=', 'group_members.organization_id'),
    )
    .select(['group_members.user_id', 'user_groups.id', 'user_groups.name'])
    .where('group_members.organization_id', '=', organizationId)
    .where('group_members.user_id', 'in', userIds)
    .orderBy(sql`lower(user_groups.name)`)
    .execute();
  for (const row of rows) {
    result.get(row.user_id)?.push({ id: row.id, name: row.name });
  }
  return result;
}
