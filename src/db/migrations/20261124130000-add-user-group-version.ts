import { type Kysely, sql } from 'kysely';

// Optimistic concurrency for group edits, and when a group last changed.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table user_groups add column version integer not null default 1`.execute(db);
  await sql`alter table user_groups add column updated_at timestamptz not null default now()`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table user_groups drop column updated_at`.execute(db);
  await sql`alter table user_groups drop column version`.execute(db);
}
