import { type Kysely, sql } from 'kysely';

// product_licenses had two indexes, (organization_id, product_id, user_id) as the key and
// (organization_id, user_id) for per-user reads. Every read of it is by user (a user's products,
// the users-list product filter, revoking a group's members), and seat counts live in
// products.licenses_used, so one index keyed by user serves them all; granting a profile to a
// 1,000,000-member group writes one index entry per license instead of two.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index product_licenses__organization_id_user_id`.execute(db);
  await sql`alter table product_licenses drop constraint product_licenses_pkey`.execute(db);
  await sql`alter table product_licenses add primary key (organization_id, user_id, product_id)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table product_licenses drop constraint product_licenses_pkey`.execute(db);
  await sql`alter table product_licenses add primary key (organization_id, product_id, user_id)`.execute(db);
  await sql`create index product_licenses__organization_id_user_id on product_licenses (organization_id, user_id)`.execute(
    db,
  );
}
