import type { Overview } from '../../shared/api/overview.ts';
import { listBulkOperations } from '../bulk/bulk.service.ts';
import type { AppContext } from '../context.ts';
import { countCapped } from '../db/count-capped.ts';
import { selectUsersAwaitingDeviceByOrganizationId } from '../devices/devices.service.ts';
import { type AlertLevel, alertLevelOf } from '../licenses/alerts.ts';
import { getOutboxBacklog } from '../outbox/outbox.service.ts';
import { type Actor, authorize, can } from '../roles/policy.ts';
import {
  countGroupsByOrganizationId,
  countOutboxByOrganizationIdAndStatus,
  countUsersByOrganizationIdAndStatus,
  findProductSeatsByOrganizationId,
} from './overview.queries.ts';

/** How many recent bulk operations and users awaiting a device the overview lists. */
const RECENT = 5;

interface DeficitLine {
  productId: string;
  needed: number;
}

/**
 * The console's home: the organization at a glance. Each part is present when the actor may read
 * what it summarizes (users, groups, products, bulk operations, the outbox, devices) and null
 * otherwise, so one call serves every admin role.
 * @throws AppError 403 without `organization.read`
 */
export async function getOverview(ctx: AppContext, actor: Actor): Promise<Overview> {
  authorize(actor, 'organization.read');
  const organizationId = actor.organizationId;
  const users = can(actor, 'user.read') ? await countUsersByOrganizationIdAndStatus(ctx.db, organizationId) : null;
  const groups = can(actor, 'group.read') ? await countGroupsByOrganizationId(ctx.db, organizationId) : null;
  let licenses = null;
  if (can(actor, 'product.read')) {
    const { products, lastRun } = await findProductSeatsByOrganizationId(ctx.db, organizationId);
    const deficits = (lastRun?.deficits ?? []) as DeficitLine[];
    licenses = {
      products: products.map((product) => {
        const missing = deficits.find((line) => line.productId === product.id)?.needed ?? 0;
        return {
          id: product.id,
          name: product.name,
          licenseQuantity: product.license_quantity,
          licensesUsed: product.licenses_used,
          lastRunDeficit: missing,
          level: alertLevelOf(product.licenses_used + missing, product.license_quantity) as AlertLevel,
          alerted: product.alert_level as AlertLevel,
        };
      }),
      lastRun: lastRun
        ? { id: lastRun.id, fileName: lastRun.file_name, finishedAt: (lastRun.finished_at as Date).toISOString() }
        : null,
    };
  }
  const bulk = can(actor, 'bulk.run') ? (await listBulkOperations(ctx, actor, { limit: RECENT })).items : null;
  let outbox = null;
  if (can(actor, 'outbox.read')) {
    const counts = await countOutboxByOrganizationIdAndStatus(ctx.db, organizationId);
    const backlog = await getOutboxBacklog(ctx, actor);
    outbox = { ...counts, held: backlog.held };
  }
  let awaitingDevice = null;
  if (can(actor, 'device.read') && can(actor, 'user.read')) {
    const awaiting = selectUsersAwaitingDeviceByOrganizationId(ctx.db, organizationId);
    const total = await countCapped(ctx.db, awaiting);
    const first = await awaiting.orderBy('sent_at', 'desc').orderBy('u.id').limit(RECENT).execute();
    awaitingDevice = {
      ...total,
      users: first.map((row) => ({
        id: row.user_id,
        email: row.email,
        firstName: row.first_name,
        lastName: row.last_name,
        sentAt: new Date(row.sent_at).toISOString(),
      })),
    };
  }
  return { users, groups, licenses, bulk, outbox, awaitingDevice };
}
