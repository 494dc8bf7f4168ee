import { type Kysely, sql } from 'kysely';

// A directory sync run keeps what spans the run in the database instead of in memory, so its
// memory does not grow with the directory: the in-scope entries read (with the user each was
// matched to), and the user DNs of each mapped directory group (nesting resolved). Both are the
// run's working set, deleted when the run ends; unlogged, as nothing in it outlives the run (a
// run cut short by a crash fails and is not resumed), and without foreign keys, whose checks would
// cost a lookup per row: the minutely sync job deletes what a run that stopped left. The connection's record of managed users is
// looked up by the directory's stable key a page at a time.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create unlogged table directory_sync_run_entries (
    organization_id uuid not null,
    run_id uuid not null,
    seq integer not null,
    dn text not null,
    dn_key text not null,
    external_key text not null,
    email text not null,
    first_name text,
    last_name text,
    country text,
    username text,
    user_id uuid,
    primary key (run_id, seq)
  )`.execute(db);
  await sql`create unique index directory_sync_run_entries__run_id_email on directory_sync_run_entries (run_id, lower(email))`.execute(
    db,
  );
  // Users gone from the directory are the managed users no entry names (an anti-join on this).
  await sql`create index directory_sync_run_entries__run_id_user_id on directory_sync_run_entries (run_id, user_id)`.execute(
    db,
  );
  await sql`create unlogged table directory_sync_run_members (
    organization_id uuid not null,
    run_id uuid not null,
    dn_key text not null,
    mapping integer not null,
    primary key (run_id, dn_key, mapping)
  )`.execute(db);
  await sql`create index directory_sync_users__organization_id_directory_id_external_key on directory_sync_users (organization_id, directory_id, external_key)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index directory_sync_users__organization_id_directory_id_external_key`.execute(db);
  await sql`drop table directory_sync_run_members`.execute(db);
  await sql`drop table directory_sync_run_entries`.execute(db);
}
