import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * Users who were sent instructions (a connection link) and have connected no device since, and
 * who are not removed: the statement's rows are `user_id`, `email`, `first_name`, `last_name` and
 * `sent_at` (their latest link).
 */
export function selectUsersAwaitingDeviceByOrganizationId(db: Executor, organizationId: string) {
  return db
    .selectFrom('instruction_links as l')
    .innerJoin('users as u', (join) =>
      join.onRef('u.organization_id', '=', 'l.organization_id').onRef('u.id', '=', 'l.user_id'),
    )
    .select(['u.id as user_id', 'u.email', 'u.first_name', 'u.last_name', sql<Date>`max(l.created_at)`.as('sent_at')])
    .where('l.organization_id', '=', organizationId)
    .where('u.status', '<>', 'removed')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('devices as d')
            .select('d.id')
            .whereRef('d.organization_id', '=', 'l.organization_id')
            .whereRef('d.user_id', '=', 'l.user_id'),
        ),
      ),
    )
    .groupBy(['u.id', 'u.email', 'u.first_name', 'u.last_name']);
}
