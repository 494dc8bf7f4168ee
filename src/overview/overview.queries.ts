import { type CappedCount, countCapped } from '../db/count-capped.ts';
import type { Executor } from '../db/database.ts';

/**
 * The organization's users by status, each count capped.
 * @returns active and removed users
 */
export async function countUsersByOrganizationIdAndStatus(
  db: Executor,
  organizationId: string,
): Promise<{ active: CappedCount; removed: CappedCount }> {
  const of = (status: 'active' | 'removed') =>
    countCapped(
      db,
      db.selectFrom('users').select('id').where('organization_id', '=', organizationId).where('status', '=', status),
    );
  return { active: await of('active'), removed: await of('removed') };
}

/** @returns the organization's user groups, capped */
export async function countGroupsByOrganizationId(db: Executor, organizationId: string): Promise<CappedCount> {
  return countCapped(db, db.selectFrom('user_groups').select('id').where('organization_id', '=', organizationId));
}

/** @returns queued (waiting to be sent) and failed e-mails of the organization, each capped */
export async function countOutboxByOrganizationIdAndStatus(
  db: Executor,
  organizationId: string,
): Promise<{ queued: CappedCount; failed: CappedCount }> {
  const of = (status: 'queued' | 'failed') =>
    countCapped(
      db,
      db
        .selectFrom('outbox_messages')
        .select('id')
        .where('organization_id', '=', organizationId)
        .where('status', '=', status),
    );
  return { queued: await of('queued'), failed: await of('failed') };
}

/**
 * The products with their seats and alert level, and the organization's latest finished bulk run
 * (not a dry run) with its license deficit report.
 * @returns products by name
 */
export async function findProductSeatsByOrganizationId(db: Executor, organizationId: string) {
  const products = await db
    .selectFrom('products')
    .select(['id', 'name', 'license_quantity', 'licenses_used', 'alert_level'])
    .where('organization_id', '=', organizationId)
    .orderBy('name')
    .execute();
  const lastRun = await db
    .selectFrom('bulk_operations')
    .select(['id', 'file_name', 'finished_at', 'deficits'])
    .where('organization_id', '=', organizationId)
    .where('dry_run', '=', false)
    .where('finished_at', 'is not', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { products, lastRun };
}
