import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * The one order in which changes take row locks, so that changes in flight at once (a group's
 * members added while its users are removed, a SCIM PATCH while a user is edited, a bulk batch
 * while a directory sync runs) never wait on each other in a cycle (PostgreSQL's deadlock, 40P01):
 *
 * 1. **users**: `FOR UPDATE` when the change writes them or must keep them as they are read (an
 *    edit, a removal, an undo's check); `FOR SHARE` when it needs only that they stay active
 *    while they join a group;
 * 2. **user groups**: `FOR UPDATE` for a change of the group itself (details, profiles, admins,
 *    members replaced), else `FOR NO KEY UPDATE`, as strong as the membership triggers lock
 *    them (they move `members_version`);
 * 3. **products**: their license counters, last, moved by `licenses/licenses.ts` in id order.
 *
 * Each set in id order, in one statement. A change that learns of more users or groups later
 * (a SCIM PATCH's operations, a command's items) locks them all here first; a row locked again
 * later in the same transaction waits for nothing. The rows a job owns (its bulk operation, its
 * directory connection) are outside the order: only that job's own transactions lock them.
 */
export type UserLock = 'update' | 'share';
/** How strongly a group is locked: see `UserLock`. */
export type GroupLock = 'update' | 'no key update';

const clause = (mode: UserLock | GroupLock) => sql.raw(`for ${mode}`);

/**
 * The organization's users among `ids`, locked in id order: a subquery (`id`, `status`) for a
 * caller that counts or checks them in the same statement, so a large set never leaves the
 * database. Users come first in the lock order (`lockInOrder`).
 * @returns the subquery, to alias
 */
export function lockedUsers(
  organizationId: string,
  ids: string[],
  mode: UserLock,
): RawBuilder<{ id: string; status: string }> {
  return sql<{ id: string; status: string }>`(select id, status from users
    where organization_id = ${organizationId} and id = any(${ids}::uuid[]) order by id ${clause(mode)})`;
}

/**
 * Locks users and groups in the one order (users, then groups; each set in id order), for the
 * rest of the caller's transaction. Products are locked after them, by the license counters.
 * @param trx the caller's transaction
 * @param organizationId the tenant (rows of another organization are not locked)
 * @param sets the users and groups to lock and how strongly; empty or absent sets lock nothing
 */
export async function lockInOrder(
  trx: Executor,
  organizationId: string,
  sets: {
    users?: { ids: string[]; mode: UserLock };
    groups?: { ids: string[]; mode: GroupLock };
  },
): Promise<void> {
  if (sets.users && sets.users.ids.length > 0) {
    await sql`select count(*) from ${lockedUsers(organizationId, [...new Set(sets.users.ids)], sets.users.mode)} u`.execute(
      trx,
    );
  }
  if (sets.groups && sets.groups.ids.length > 0) {
    await sql`select count(*) from (select id from user_groups
      where organization_id = ${organizationId} and id = any(${[...new Set(sets.groups.ids)]}::uuid[])
      order by id ${clause(sets.groups.mode)}) g`.execute(trx);
  }
}
