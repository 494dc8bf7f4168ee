import { type Kysely, sql } from 'kysely';

// An undo may delete for good the users the undone operation created (when nothing else refers
// to them) instead of removing them; the choice is kept on the undo so its preview runs for real
// with it.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operations add column delete_created_users boolean not null default false`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operations drop column delete_created_users`.execute(db);
}
