import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { likeContains } from '../db/like.ts';

/** The devices list's filters. */
export interface DeviceFilter {
  /** Part of the user's e-mail or name, or of the device's name. */
  search?: string | undefined;
  platform?: 'windows' | 'macos' | 'android' | 'ios' | undefined;
}

/**
 * The organization's devices with their users, filtered, newest connection first (index
 * `devices__organization_id_connected_at`), after a keyset position.
 * @returns the statement; the caller adds the limit
 */
export function selectDevicesByOrganizationId(
  db: Executor,
  organizationId: string,
  filter: DeviceFilter,
  after?: { at: string; id: string },
) {
  let query = db
    .selectFrom('devices as d')
    .innerJoin('users as u', (join) =>
      join.onRef('u.organization_id', '=', 'd.organization_id').onRef('u.id', '=', 'd.user_id'),
    )
    .select([
      'd.id',
      'd.platform',
      'd.name',
      'd.device_identifier',
      'd.connected_at',
      'd.last_seen_at',
      'u.id as user_id',
      'u.email',
      'u.first_name',
      'u.last_name',
    ])
    .where('d.organization_id', '=', organizationId);
  if (filter.platform) {
    query = query.where('d.platform', '=', filter.platform);
  }
  if (filter.search) {
    const pattern = likeContains(filter.search.trim().toLowerCase());
    query = query.where((eb) =>
      eb.or([eb(sql<string>`u.search_text`, 'like', pattern), eb(sql<string>`lower(d.name)`, 'like', pattern)]),
    );
  }
  if (after) {
    query = query.where(sql<boolean>`(d.connected_at, d.id) < (${after.at}::timestamptz, ${after.id}::uuid)`);
  }
  return query.orderBy('d.connected_at', 'desc').orderBy('d.id', 'desc');
}

/**
 * Users who were sent instructions and have connected no device, not removed, in e-mail order
 * (the users' e-mail index), after a keyset position: each with their latest instructions e-mail.
 * @returns the statement; the caller adds the limit
 */
export function selectUsersAwaitingDevicePage(
  db: Executor,
  organizationId: string,
  search: string | undefined,
  after?: { k: string; id: string },
) {
  let query = db
    .selectFrom('users as u')
    .select([
      'u.id as user_id',
      'u.email',
      'u.first_name',
      'u.last_name',
      (eb) =>
        eb
          .selectFrom('instruction_links as l')
          .select(sql<Date>`max(l.created_at)`.as('sent_at'))
          .whereRef('l.organization_id', '=', 'u.organization_id')
          .whereRef('l.user_id', '=', 'u.id')
          .as('sent_at'),
    ])
    .where('u.organization_id', '=', organizationId)
    .where('u.status', '<>', 'removed')
    .where((eb) =>
      eb.and([
        eb.exists(
          eb
            .selectFrom('instruction_links as l')
            .select('l.id')
            .whereRef('l.organization_id', '=', 'u.organization_id')
            .whereRef('l.user_id', '=', 'u.id'),
        ),
        eb.not(
          eb.exists(
            eb
              .selectFrom('devices as d')
              .select('d.id')
              .whereRef('d.organization_id', '=', 'u.organization_id')
              .whereRef('d.user_id', '=', 'u.id'),
          ),
        ),
      ]),
    );
  if (search) {
    query = query.where(sql<string>`u.search_text`, 'like', likeContains(search.trim().toLowerCase()));
  }
  if (after) {
    query = query.where(sql<boolean>`(lower(u.email), u.id) > (${after.k}, ${after.id}::uuid)`);
  }
  return query.orderBy(sql`lower(u.email)`).orderBy('u.id');
}
