import type { AppContext } from '../context.ts';
import { decodeCursor, encodeCursor } from '../core/schemas.ts';
import { type CappedCount, countCapped } from '../db/count-capped.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { type DeviceFilter, selectDevicesByOrganizationId, selectUsersAwaitingDevicePage } from './devices.queries.ts';

const isTimePosition = (value: unknown): value is { at: string; id: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { at?: unknown }).at === 'string' &&
  !Number.isNaN(Date.parse((value as { at: string }).at)) &&
  typeof (value as { id?: unknown }).id === 'string' &&
  /^[0-9a-f-]{36}$/.test((value as { id: string }).id);

const isKeyPosition = (value: unknown): value is { k: string; id: string } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { k?: unknown }).k === 'string' &&
  typeof (value as { id?: unknown }).id === 'string' &&
  /^[0-9a-f-]{36}$/.test((value as { id: string }).id);

interface UserPart {
  user_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
}

const presentUser = (row: UserPart) => ({
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
  const after = decodeCursor(query.cursor, isTimePosition);
  const rows = await selectDevicesByOrganizationId(ctx.db, actor.organizationId, query, after)
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const total: CappedCount | null = query.cursor
    ? null
    : await countCapped(ctx.db, selectDevicesByOrganizationId(ctx.db, actor.organizationId, query).clearOrderBy());
  return {
    items: page.map((row) => ({
      id: row.id,
      user: presentUser(row),
      platform: row.platform,
      name: row.name,
      deviceId: row.device_identifier,
      connectedAt: row.connected_at.toISOString(),
      lastSeenAt: new Date(row.last_seen_at).toISOString(),
    })),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ at: last.connected_at.toISOString(), id: last.id }) : null,
    total,
  };
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
  const after = decodeCursor(query.cursor, isKeyPosition);
  const rows = await selectUsersAwaitingDevicePage(ctx.db, actor.organizationId, query.search, after)
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const total: CappedCount | null = query.cursor
    ? null
    : await countCapped(
        ctx.db,
        selectUsersAwaitingDevicePage(ctx.db, actor.organizationId, query.search).clearOrderBy(),
      );
  return {
    items: page.map((row) => ({ user: presentUser(row), sentAt: new Date(row.sent_at as Date).toISOString() })),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ k: last.email.toLowerCase(), id: last.user_id }) : null,
    total,
  };
}
