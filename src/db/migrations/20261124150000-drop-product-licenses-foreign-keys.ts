import { type Kysely, sql } from 'kysely';

// product_licenses is derived data (recomputed by syncLicenses/grantLicenses from assignments), and
// its foreign-key checks took half the time of granting a profile to a 1,000,000-member group
// (14 of 29 s, measured with EXPLAIN ANALYZE). The services that delete products, profiles and
// users delete or recount the licenses themselves.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table product_licenses drop constraint product_licenses__product`.execute(db);
  await sql`alter table product_licenses drop constraint product_licenses__user`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table product_licenses add constraint product_licenses__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade`.execute(
    db,
  );
  await sql`alter table product_licenses add constraint product_licenses__product foreign key (organization_id, product_id) references products (organization_id, id) on delete cascade`.execute(
    db,
  );
}
