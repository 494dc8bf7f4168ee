import { type Kysely, sql } from 'kysely';

// The services a product profile enables (issue 4: "the services they enable").
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table product_profiles add column services text[] not null default '{}'`.execute(db);
  await sql`alter table products add column updated_at timestamptz not null default now()`.execute(db);
  await sql`alter table product_profiles add column updated_at timestamptz not null default now()`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table product_profiles drop column updated_at`.execute(db);
  await sql`alter table products drop column updated_at`.execute(db);
  await sql`alter table product_profiles drop column services`.execute(db);
}
