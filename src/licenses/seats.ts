import { sql, type Transaction } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

/**
 * Products' seat counters as a run of many changes reads them (a bulk run's deficit report and its
 * dry run), so that no adapter names `products` itself.
 */

/** A product's seats: its quantity, licenses in use and stored alert level. */
export interface SeatCount {
  id: string;
  name: string;
  license_quantity: number;
  licenses_used: number;
  alert_level: number;
}

/**
 * The seat counters of some products of an organization (one query).
 * @param db database or transaction
 * @param organizationId the tenant
 * @param productIds the products (not empty)
 * @returns those that exist, in no particular order
 */
export async function findSeatCountsByProductIds(
  db: Executor,
  organizationId: string,
  productIds: string[],
): Promise<SeatCount[]> {
  return db
    .selectFrom('products')
    .select(['id', 'name', 'license_quantity', 'licenses_used', 'alert_level'])
    .where('organization_id', '=', organizationId)
    .where('id', 'in', productIds)
    .execute();
}

/**
 * Licenses in use of every product of an organization.
 * @returns product id → licenses in use
 */
export async function findLicensesUsedByOrganizationId(
  db: Executor,
  organizationId: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('products')
    .select(['id', 'licenses_used'])
    .where('organization_id', '=', organizationId)
    .execute();
  return new Map(rows.map((row) => [row.id, row.licenses_used]));
}

/**
 * Counts licenses as taken without assigning them: a dry run, inside a savepoint it rolls back,
 * adds what its earlier batches took (rolled back too) so that its seat checks are cumulative.
 * @param trx the dry run's transaction (inside its savepoint)
 * @param organizationId the tenant
 * @param taken product id → licenses to count as used
 */
export async function countLicensesAsTaken(
  trx: Transaction<DB>,
  organizationId: string,
  taken: Record<string, number>,
): Promise<void> {
  for (const [productId, count] of Object.entries(taken)) {
    await trx
      .updateTable('products')
      .set({ licenses_used: sql<number>`licenses_used + ${count}` })
      .where('organization_id', '=', organizationId)
      .where('id', '=', productId)
      .execute();
  }
}
