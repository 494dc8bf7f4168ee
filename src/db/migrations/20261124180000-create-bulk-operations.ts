import { type Kysely, sql } from 'kysely';

// Bulk CSV operations: one row per uploaded file, one row per data row of the file. Rows are the
// unit of work and of results: the worker claims pending rows with SKIP LOCKED and writes each
// row's outcome in the transaction that applies it, so a crash never applies a row twice.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table bulk_operations (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    type text not null constraint bulk_operations__type check (type in ('add-users','edit-users','remove-users','add-groups','edit-groups','add-group-members','remove-group-members')),
    file_name text not null,
    dry_run boolean not null default false,
    group_id uuid,
    group_name text,
    status text not null default 'queued' constraint bulk_operations__status check (status in ('queued','running','completed','completed_with_errors','failed','cancelled')),
    initiator_type text not null,
    initiator_id uuid not null,
    initiator_label text not null,
    delimiter text not null default ',',
    header text[] not null,
    total_rows integer not null default 0,
    processed_rows integer not null default 0,
    succeeded_rows integer not null default 0,
    failed_rows integer not null default 0,
    error_code text,
    error_message text,
    deficits jsonb not null default '[]',
    consumed jsonb not null default '{}',
    cancel_requested boolean not null default false,
    source_operation_id uuid,
    created_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    constraint bulk_operations__organization_id_id unique (organization_id, id)
  )`.execute(db);
  await sql`create index bulk_operations__organization_id_created_at on bulk_operations (organization_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index bulk_operations__finished_at on bulk_operations (finished_at) where finished_at is not null`.execute(
    db,
  );
  await sql`create table bulk_operation_rows (
    organization_id uuid not null,
    operation_id uuid not null,
    row_number integer not null,
    cells text[] not null,
    record jsonb,
    key text,
    status text not null default 'pending' constraint bulk_operation_rows__status check (status in ('pending','succeeded','failed','skipped')),
    message text,
    outcomes jsonb,
    primary key (operation_id, row_number),
    constraint bulk_operation_rows__operation foreign key (organization_id, operation_id)
      references bulk_operations (organization_id, id) on delete cascade
  ) with (fillfactor = 70)`.execute(db);
  // No index on status: the worker claims rows in key order from its last position, and without
  // an index on the column it changes (and with room left in each page), writing a row's outcome
  // is a HOT update that touches no index.
  // Changes made by a bulk operation carry its id in the audit log.
  await sql`alter table audit_events add column operation_id uuid`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_events drop column operation_id`.execute(db);
  await sql`drop table bulk_operation_rows`.execute(db);
  await sql`drop table bulk_operations`.execute(db);
}
