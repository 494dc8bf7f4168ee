import { type Kysely, sql } from 'kysely';

// Rows an operation left alone without failing them (an undo's conflicts, rows a cancellation did
// not reach) are counted apart from the failed ones. Operations finished before count their
// skipped rows once here (only cancelled ones had any).
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operations add column skipped_rows integer not null default 0`.execute(db);
  await sql`update bulk_operations o set skipped_rows = (
      select count(*) from bulk_operation_rows r where r.operation_id = o.id and r.status = 'skipped')
    where o.status = 'cancelled'`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operations drop column skipped_rows`.execute(db);
}
