import { type Kysely, sql } from 'kysely';

// An uploaded file's rows are stored in several short transactions, so a large upload never holds
// the embedded database for long; until the last row is stored the operation is `receiving`,
// which no list, page or worker shows or takes.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operations drop constraint bulk_operations__status`.execute(db);
  await sql`alter table bulk_operations add constraint bulk_operations__status
    check (status in ('receiving','queued','running','completed','completed_with_errors','failed','cancelled'))`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from bulk_operations where status = 'receiving'`.execute(db);
  await sql`alter table bulk_operations drop constraint bulk_operations__status`.execute(db);
  await sql`alter table bulk_operations add constraint bulk_operations__status
    check (status in ('queued','running','completed','completed_with_errors','failed','cancelled'))`.execute(db);
}
