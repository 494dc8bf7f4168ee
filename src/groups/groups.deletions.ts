import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

/**
 * A deleted group's members, kept once: one `group_deletions` row per deleted group holding every
 * member's id in an array (GIN-indexed, so a user's deleted groups are found by user). Deleting a
 * group of 100,000 members writes one row here instead of a departure row per member and the ids
 * again in audit events. The row is enough to give the group's members back, and it moves each
 * former member's SCIM ETag and `meta.lastModified` (RFC 7644 §3.14).
 */

/**
 * Keeps the members of groups about to be deleted, one row per group, read and written by one
 * statement (the ids never pass through this process). Call it in the deletion's transaction,
 * before the groups' rows go.
 * @param trx the deletion's transaction
 * @param organizationId the tenant
 * @param groupIds the groups being deleted
 */
export async function recordGroupDeletions(
  trx: Transaction<DB>,
  organizationId: string,
  groupIds: string[],
): Promise<void> {
  await sql`
    insert into group_deletions (organization_id, group_id, member_ids)
    select g.organization_id, g.id, coalesce(
      (select array_agg(m.user_id order by m.user_id) from group_members m
        where m.organization_id = g.organization_id and m.group_id = g.id), '{}')
    from user_groups g where g.organization_id = ${organizationId} and g.id = any(${groupIds}::uuid[])`.execute(trx);
}

/**
 * A query selecting the former members of deleted groups as `user_id` (for the license recount
 * that follows a deletion).
 * @returns the query
 */
export function deletedMembersOf(organizationId: string, groupIds: string[]): RawBuilder<unknown> {
  return sql`select unnest(member_ids) as user_id from group_deletions
    where organization_id = ${organizationId} and group_id = any(${groupIds}::uuid[])`;
}

/**
 * The members a deleted group had when it was deleted (what giving it back restores).
 * @returns their ids in id order, or null when no such group was deleted
 */
export async function findDeletedGroupMemberIds(
  db: Executor,
  organizationId: string,
  groupId: string,
): Promise<string[] | null> {
  const row = await db
    .selectFrom('group_deletions')
    .select('member_ids')
    .where('organization_id', '=', organizationId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  return row ? row.member_ids : null;
}

/**
 * When each user's groups last changed: its newest membership, its latest departure from a group,
 * or the deletion of a group it was in — part of its SCIM `meta.lastModified` and ETag. One
 * statement for a page of users: each deleted group they were in is read once, whatever the plan.
 * @param userIds the page's users
 * @returns the time per user whose groups ever changed
 */
export async function findGroupsChangedAtByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<Map<string, Date>> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) {
    return new Map();
  }
  const { rows } = await sql<{ user_id: string; at: Date | null }>`
    with deleted as (
      select m.user_id, max(d.deleted_at) as at
      from group_deletions d cross join lateral unnest(d.member_ids) as m(user_id)
      where d.organization_id = ${organizationId} and d.member_ids && ${ids}::uuid[] and m.user_id = any(${ids}::uuid[])
      group by m.user_id
    )
    select u.user_id, greatest(
      (select max(gm.created_at) from group_members gm where gm.organization_id = ${organizationId} and gm.user_id = u.user_id),
      (select dp.left_at from user_group_departures dp where dp.organization_id = ${organizationId} and dp.user_id = u.user_id),
      (select deleted.at from deleted where deleted.user_id = u.user_id)) as at
    from unnest(${ids}::uuid[]) as u(user_id)`.execute(db);
  const changed = new Map<string, Date>();
  for (const row of rows) {
    if (row.at) {
      changed.set(row.user_id, new Date(row.at));
    }
  }
  return changed;
}
