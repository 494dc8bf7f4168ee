import type { DeviceUser } from '../../shared/api/devices.ts';
import type { AppContext } from '../context.ts';
import { keysetPage, Positions } from '../core/paging.ts';
import { type CappedCount, countCapped } from '../db/count-capped.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { type DeviceFilter, selectDevicesByOrganizationId, selectUsersAwaitingDevicePage } from './devices.queries.ts';

interface UserPart {
  user_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
}

const presentUser = (row: UserPart): DeviceUser => ({
  id: row.user_id,
  email: row.email,
  firstName: row.first_name,
  lastName: row.last_name,
});

/**
 * The organization's devices, newest connection first: searched by user or device name, filtered by
 * platform, cursor-paged at any size; the first page also counts them (capped at 10,000).
 * @throws AppError 403 without `device.read`; 400 for a foreign cursor
 */
export async function listDevices(
  ctx: AppContext,
  actor: Actor,
  query: DeviceFilter & { limit: number; cursor?: string | undefined },
) {
  authorize(actor, 'device.read');
  const page = await keysetPage(query, {
    position: Positions.atId,
    read: (after, limit) =>
      selectDevicesByOrganizationId(ctx.db, actor.organizationId, query, after).limit(limit).execute(),
    positionOf: (row) => ({ at: row.connected_at.toISOString(), id: row.id }),
    present: (rows) =>
      rows.map((row) => ({
        id: row.id,
        user: presentUser(row),
        platform: row.platform,
        name: row.name,
        deviceId: row.device_identifier,
        connectedAt: row.connected_at.toISOString(),
        lastSeenAt: new Date(row.last_seen_at).toISOString(),
      })),
  });
  const total: CappedCount | null = query.cursor
    ? null
    : await countCapped(ctx.db, selectDevicesByOrganizationId(ctx.db, actor.organizationId, query).clearOrderBy());
  return { ...page, total };
}

/**
 * Users who were sent instructions and have not connected a device ("not connected yet"), in
 * e-mail order, cursor-paged; the first page also counts them (capped at 10,000).
 * @throws AppError 403 without `device.read` and `user.read`; 400 for a foreign cursor
 */
export async function listUsersAwaitingDevice(
  ctx: AppContext,
  actor: Actor,
  query: { search?: string | undefined; limit: number; cursor?: string | undefined },
) {
  authorize(actor, 'device.read');
  authorize(actor, 'user.read');
  const page = await keysetPage(query, {
    position: Positions.keyId,
    read: (after, limit) =>
      selectUsersAwaitingDevicePage(ctx.db, actor.organizationId, query.search, after).limit(limit).execute(),
    positionOf: (row) => ({ k: row.email.toLowerCase(), id: row.user_id }),
    present: (rows) =>
      rows.map((row) => ({ user: presentUser(row), sentAt: new Date(row.sent_at as Date).toISOString() })),
  });
  const total: CappedCount | null = query.cursor
    ? null
    : await countCapped(
        ctx.db,
        selectUsersAwaitingDevicePage(ctx.db, actor.organizationId, query.search).clearOrderBy(),
      );
  return { ...page, total };
}
