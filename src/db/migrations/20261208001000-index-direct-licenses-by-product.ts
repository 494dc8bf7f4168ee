import { type Kysely, sql } from 'kysely';

// Since licenses through groups are counted instead of written per member (20261208000700),
// `product_licenses` holds direct licenses only, and reading a product's holders is no longer a
// rare read: the users list's product filter reads them (its few-holders plan, and the probe
// that picks it), as do a product's removal and seat recounts. Keyed by user alone, each of those
// read the whole table (a 1,000,000-user organization's product filter spent 0.6 s in a
// sequential scan of 500,000 licenses). The index by product costs one entry per direct license.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index product_licenses__organization_id_product_id on product_licenses (organization_id, product_id, user_id)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index product_licenses__organization_id_product_id`.execute(db);
}
