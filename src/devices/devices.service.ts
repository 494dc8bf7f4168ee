import { sql, type Transaction } from 'kysely';
import type { ConnectionLink, Device } from '../../shared/api/devices.ts';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../../shared/contracts.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { hitRateLimit } from '../auth/rate-limit.ts';
import { hashSecret } from '../auth/secrets.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { type Executor, transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import {
  DeviceErrorCodes,
  IDENTIFIER_TAKEN_MESSAGE,
  LINK_INVALID_MESSAGE,
  MOBILE_LIMIT_MESSAGE,
} from './devices.errors.ts';

export const PLATFORMS = DEVICE_PLATFORMS;
export type Platform = DevicePlatform;
const MOBILE: readonly Platform[] = ['android', 'ios'];

/** The window of the per-address limit of the public connection endpoints. */
const CONNECT_WINDOW_MINUTES = 15;

/** Where a public request came from. */
export interface Origin {
  ip: string;
  userAgent: string | null;
}

interface ValidLink {
  id: string;
  organization_id: string;
  user_id: string;
  expires_at: Date;
  created_at: Date;
  email: string;
  first_name: string | null;
  organization_name: string;
  locale: string;
  download_links: Partial<Record<DevicePlatform, string>>;
}

/**
 * Counts a request of this address against USHER_CONNECT_MAX_PER_IP.
 * @throws AppError `devices.rate_limited` (429) past the limit
 */
async function limitAddress(ctx: AppContext, origin: Origin): Promise<void> {
  const hits = await hitRateLimit(ctx.db, `connect:address:${origin.ip}`, CONNECT_WINDOW_MINUTES);
  if (hits > ctx.config.connectMaxPerAddress) {
    throw new AppError(DeviceErrorCodes.rateLimited, 429, 'Too many attempts from your address: try again later.', {
      extra: { retryAfterSeconds: CONNECT_WINDOW_MINUTES * 60 },
    });
  }
}

/**
 * Finds the link of a token if it can still be used: known, not expired, and its user not removed.
 * Every other case is the same `devices.link_invalid`, so an answer never tells which it was.
 * @param lock lock the link row (connecting), so two devices at once are checked one after another
 * @throws AppError `devices.link_invalid` (404)
 */
async function findValidLink(db: Executor, token: string, lock: boolean): Promise<ValidLink> {
  const row = await sql<ValidLink>`
    select l.id, l.organization_id, l.user_id, l.expires_at, l.created_at, u.email, u.first_name,
      o.name as organization_name, coalesce(u.locale, o.default_locale) as locale,
      o.device_download_links as download_links
    from instruction_links l
    join users u on u.organization_id = l.organization_id and u.id = l.user_id
    join organizations o on o.id = l.organization_id
    where l.token_hash = ${hashSecret(token)} and l.expires_at > now() and u.status <> 'removed'
    ${lock ? sql`for update of l` : sql``}`.execute(db);
  const link = row.rows[0];
  if (!link) {
    throw new AppError(DeviceErrorCodes.linkInvalid, 404, LINK_INVALID_MESSAGE);
  }
  return link;
}

async function mobileConnected(db: Executor, link: ValidLink): Promise<boolean> {
  const row = await db
    .selectFrom('devices')
    .select('id')
    .where('organization_id', '=', link.organization_id)
    .where('link_id', '=', link.id)
    .where('platform', 'in', [...MOBILE])
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * What the connection page shows for a link: whose it is, until when it works, and whether its one
 * mobile device is still free. Public and rate-limited per address.
 * @param token the token from the link
 * @throws AppError 404 `devices.link_invalid`; 429 `devices.rate_limited`
 */
export async function describeLink(ctx: AppContext, token: string, origin: Origin): Promise<ConnectionLink> {
  await limitAddress(ctx, origin);
  const link = await findValidLink(ctx.db, token, false);
  return {
    organizationName: link.organization_name,
    email: link.email,
    firstName: link.first_name,
    locale: link.locale,
    sentAt: link.created_at.toISOString(),
    expiresAt: link.expires_at.toISOString(),
    mobileAvailable: !(await mobileConnected(ctx.db, link)),
    downloadLinks: link.download_links,
  };
}

/** A device as the API shows it (declared once in shared/api/devices.ts). */
export type DeviceView = Device;

interface DeviceRow {
  id: string;
  platform: Platform;
  name: string;
  device_identifier: string;
  connected_at: Date;
  link_id: string;
  link_created_at: Date;
  link_expires_at: Date;
}

function presentDevice(row: DeviceRow): DeviceView {
  return {
    id: row.id,
    platform: row.platform,
    name: row.name,
    deviceId: row.device_identifier,
    connectedAt: row.connected_at.toISOString(),
    link: { id: row.link_id, sentAt: row.link_created_at.toISOString(), expiresAt: row.link_expires_at.toISOString() },
  };
}

function selectDevices(db: Executor, organizationId: string) {
  return db
    .selectFrom('devices as d')
    .innerJoin('instruction_links as l', (join) =>
      join.onRef('l.organization_id', '=', 'd.organization_id').onRef('l.id', '=', 'd.link_id'),
    )
    .select([
      'd.id',
      'd.platform',
      'd.name',
      'd.device_identifier',
      'd.connected_at',
      'd.link_id',
      'l.created_at as link_created_at',
      'l.expires_at as link_expires_at',
    ])
    .where('d.organization_id', '=', organizationId);
}

function linkActor(link: ValidLink, origin: Origin): Actor {
  // The person connecting is the link's user, not an administrator: recorded as such.
  return {
    type: 'system',
    id: `connection-link:${link.id}`,
    label: link.email,
    organizationId: link.organization_id,
    grants: [],
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
}

/**
 * Connects a device through a link: any number of Windows and macOS devices, one Android or iOS
 * device per link. The same device identifier connecting again for the same user and platform is
 * an idempotent reconnect (its name is updated); for another user or platform it is refused.
 * Public, rate-limited per address, audited.
 * @returns the device, and whether it was already connected
 * @throws AppError 404 `devices.link_invalid`; 409 `devices.mobile_limit` or
 *   `devices.identifier_taken`; 429 `devices.rate_limited`
 */
export async function connectDevice(
  ctx: AppContext,
  input: { token: string; platform: Platform; name: string; deviceId: string },
  origin: Origin,
): Promise<{ device: DeviceView; reconnected: boolean }> {
  await limitAddress(ctx, origin);
  return transaction(ctx.db, async (trx) => {
    const link = await findValidLink(trx, input.token, true);
    const existing = await trx
      .selectFrom('devices')
      .select(['id', 'user_id', 'platform', 'name'])
      .where('organization_id', '=', link.organization_id)
      .where('device_identifier', '=', input.deviceId)
      .forUpdate()
      .executeTakeFirst();
    const actor = linkActor(link, origin);
    if (existing) {
      if (existing.user_id !== link.user_id || existing.platform !== input.platform) {
        throw new AppError(DeviceErrorCodes.identifierTaken, 409, IDENTIFIER_TAKEN_MESSAGE);
      }
      await trx
        .updateTable('devices')
        .set({ last_seen_at: sql<Date>`now()` })
        .where('organization_id', '=', link.organization_id)
        .where('id', '=', existing.id)
        .execute();
      if (existing.name !== input.name) {
        await trx.updateTable('devices').set({ name: input.name }).where('id', '=', existing.id).execute();
        await recordAudit(trx, actor, {
          action: 'device.rename',
          target: { type: 'device', id: existing.id, label: input.name },
          before: { name: existing.name },
          after: { name: input.name },
        });
      }
      return { device: await deviceById(trx, link.organization_id, existing.id), reconnected: true };
    }
    if (MOBILE.includes(input.platform) && (await mobileConnected(trx, link))) {
      throw new AppError(DeviceErrorCodes.mobileLimit, 409, MOBILE_LIMIT_MESSAGE);
    }
    const inserted = await trx
      .insertInto('devices')
      .values({
        organization_id: link.organization_id,
        user_id: link.user_id,
        link_id: link.id,
        platform: input.platform,
        name: input.name,
        device_identifier: input.deviceId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'device.connect',
      target: { type: 'device', id: inserted.id, label: input.name },
      after: {
        userId: link.user_id,
        email: link.email,
        platform: input.platform,
        name: input.name,
        deviceId: input.deviceId,
        linkId: link.id,
      },
    });
    return { device: await deviceById(trx, link.organization_id, inserted.id), reconnected: false };
  });
}

async function deviceById(trx: Transaction<DB>, organizationId: string, id: string): Promise<DeviceView> {
  const row = await selectDevices(trx, organizationId).where('d.id', '=', id).executeTakeFirstOrThrow();
  return presentDevice(row as DeviceRow);
}

async function findUser(db: Executor, organizationId: string, userId: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) {
    throw notFound('User');
  }
  return user;
}

/**
 * A user's devices, newest first, each with the instructions e-mail (link) it came through.
 * @throws AppError 403 without `device.read`; 404 for a user not in the organization
 */
export async function listUserDevices(ctx: AppContext, actor: Actor, userId: string): Promise<{ items: DeviceView[] }> {
  authorize(actor, 'device.read');
  await findUser(ctx.db, actor.organizationId, userId);
  const rows = await selectDevices(ctx.db, actor.organizationId)
    .where('d.user_id', '=', userId)
    .orderBy('d.connected_at', 'desc')
    .orderBy('d.id')
    .execute();
  return { items: (rows as DeviceRow[]).map(presentDevice) };
}

/**
 * Disconnects one of a user's devices (deletes it; a mobile device frees its link's mobile slot
 * until the link expires). Audited.
 * @throws AppError 403 without `device.disconnect`; 404 `devices.not_found`
 */
export async function disconnectDevice(ctx: AppContext, actor: Actor, userId: string, deviceId: string): Promise<void> {
  authorize(actor, 'device.disconnect');
  await transaction(ctx.db, async (trx) => {
    const user = await findUser(trx, actor.organizationId, userId);
    const removed = await trx
      .deleteFrom('devices')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', userId)
      .where('id', '=', deviceId)
      .returning(['id', 'platform', 'name', 'device_identifier', 'link_id'])
      .executeTakeFirst();
    if (!removed) {
      throw new AppError(DeviceErrorCodes.notFound, 404, 'The user has no such device.');
    }
    await recordAudit(trx, actor, {
      action: 'device.disconnect',
      target: { type: 'device', id: removed.id, label: removed.name },
      before: {
        userId,
        email: user.email,
        platform: removed.platform,
        name: removed.name,
        deviceId: removed.device_identifier,
        linkId: removed.link_id,
      },
    });
  });
}

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
