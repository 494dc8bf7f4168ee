import { type Kysely, sql } from 'kysely';

// An operation that undoes another: its rows are the inverse of the other's succeeded rows, and
// its source_operation_id names the operation it undoes (for a run of a dry run, the dry run).
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operations add column undo boolean not null default false`.execute(db);
  await sql`create index bulk_operations__source_operation_id on bulk_operations (source_operation_id) where source_operation_id is not null`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index bulk_operations__source_operation_id`.execute(db);
  await sql`alter table bulk_operations drop column undo`.execute(db);
}
