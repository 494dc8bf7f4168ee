import { type Kysely, sql } from 'kysely';

// Undo of a directory-sync run: each applied user outcome keeps the user's state before and after
// (`states`, `{ before, after }` as a bulk row's `changes`), and the bulk operation that undoes a
// run names it (`source_sync_run_id`; set to null when the run's results are deleted, the undo's
// own rows keep what it needs).
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table directory_sync_run_users add column states jsonb`.execute(db);
  await sql`alter table bulk_operations add column source_sync_run_id uuid`.execute(db);
  await sql`alter table bulk_operations add constraint bulk_operations__source_sync_run
    foreign key (organization_id, source_sync_run_id) references directory_sync_runs (organization_id, id)
    on delete set null (source_sync_run_id)`.execute(db);
  await sql`create index bulk_operations__organization_id_source_sync_run_id on bulk_operations (organization_id, source_sync_run_id) where source_sync_run_id is not null`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index bulk_operations__organization_id_source_sync_run_id`.execute(db);
  await sql`alter table bulk_operations drop constraint bulk_operations__source_sync_run`.execute(db);
  await sql`alter table bulk_operations drop column source_sync_run_id`.execute(db);
  await sql`alter table directory_sync_run_users drop column states`.execute(db);
}
