import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { findSystemAdminEmailsByOrganizationId } from '../users/users.lookup.ts';

/** The seat-use thresholds an organization is alerted at (Kaspersky's: 90, 100 and 110 %). */
export const ALERT_LEVELS = [90, 100, 110] as const;
/** A threshold reached, or 0 below all of them. */
export type AlertLevel = 0 | (typeof ALERT_LEVELS)[number];

/**
 * The highest threshold a product's demand reaches.
 * @param demand licenses in use, plus those a bulk run could not assign
 * @param quantity the product's licenses
 * @returns 110, 100, 90 or 0
 */
export function alertLevelOf(demand: number, quantity: number): AlertLevel {
  if (quantity <= 0) {
    return demand > 0 ? 110 : 0;
  }
  // Integer arithmetic: 90 % of 10 seats is exactly 9, not 8.999….
  for (const level of [...ALERT_LEVELS].reverse()) {
    if (demand * 100 >= quantity * level) {
      return level;
    }
  }
  return 0;
}

/** One product's seat use after a change. */
export interface ProductSeats {
  id: string;
  name: string;
  quantity: number;
  used: number;
  /** Licenses wanted beyond those in use (a bulk run's deficit); 0 when only use changed. */
  missing: number;
  /** The level stored before the change (`products.alert_level`). */
  stored: number;
}

/**
 * Moves products' alert levels to what their seat use reaches now, and queues one e-mail to the
 * organization's system admins for each threshold crossed upwards: a level is alerted once, and
 * again only after use went back below it. Runs in the transaction of the change, so the e-mail
 * exists exactly when the change commits (a dry run's savepoint takes it back with the change).
 *
 * The 110 % level is only reached through demand beyond the seats (a bulk run's deficit), which a
 * later change of use alone does not measure: with `keepDemandLevel`, such a change leaves a stored
 * 110 as long as every seat is still taken.
 * @param trx the change's transaction
 * @param products the products whose use or quantity changed
 * @param options.keepDemandLevel true for changes of use only (not of the quantity)
 * @returns the levels alerted (for tests and callers that report them)
 */
export async function noteSeatLevels(
  trx: Transaction<DB>,
  organizationId: string,
  products: ProductSeats[],
  options: { keepDemandLevel: boolean },
): Promise<{ productId: string; level: AlertLevel }[]> {
  const raised: (ProductSeats & { level: AlertLevel })[] = [];
  for (const product of products) {
    let level = alertLevelOf(product.used + product.missing, product.quantity);
    if (level < product.stored && options.keepDemandLevel && product.stored === 110 && level === 100) {
      level = 110;
    }
    if (level === product.stored) {
      continue;
    }
    await trx
      .updateTable('products')
      .set({ alert_level: level })
      .where('organization_id', '=', organizationId)
      .where('id', '=', product.id)
      .execute();
    if (level > product.stored) {
      raised.push({ ...product, level });
    }
  }
  if (raised.length === 0) {
    return [];
  }
  const admins = await findSystemAdminEmailsByOrganizationId(trx, organizationId);
  const organization = await trx
    .selectFrom('organizations')
    .select('default_locale')
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
  await queueMessages(
    trx,
    organizationId,
    raised.flatMap((product) =>
      admins.map((admin) => ({
        kind: 'license_alert' as const,
        userId: admin.id,
        to: admin.email,
        locale: admin.locale ?? organization.default_locale,
        data: {
          product: product.name,
          productId: product.id,
          level: product.level,
          used: product.used,
          total: product.quantity,
          missing: product.missing,
        },
      })),
    ),
  );
  return raised.map((product) => ({ productId: product.id, level: product.level }));
}
