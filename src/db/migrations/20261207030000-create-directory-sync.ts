import { type Kysely, sql } from 'kysely';

// Directory sync: one connection per directory (LDAP / Active Directory), its runs with per-user
// outcomes, and the users each connection manages (so a run touches only those, and a user an
// admin added by hand is left alone until the directory has them too).
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table directory_syncs (
    organization_id uuid not null,
    directory_id uuid not null,
    url text not null,
    start_tls boolean not null default false,
    ca_certificate text,
    bind_dn text not null,
    bind_password_sealed text not null,
    base_dn text not null,
    user_filter text not null,
    group_base_dn text,
    group_filter text,
    attributes jsonb not null,
    groups jsonb not null default '[]',
    missing_users text not null constraint directory_syncs__missing_users check (missing_users in ('remove','remove-entitlements','preserve')),
    max_removals integer not null default 200,
    max_removal_percent integer not null default 10,
    interval_minutes integer not null default 0,
    next_run_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    primary key (organization_id, directory_id),
    constraint directory_syncs__directory foreign key (organization_id, directory_id)
      references directories (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index directory_syncs__next_run_at on directory_syncs (next_run_at) where interval_minutes > 0`.execute(
    db,
  );
  await sql`create table directory_sync_runs (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null,
    directory_id uuid not null,
    dry_run boolean not null default false,
    ignore_safety_limit boolean not null default false,
    trigger text not null constraint directory_sync_runs__trigger check (trigger in ('manual','schedule')),
    status text not null default 'queued' constraint directory_sync_runs__status check (status in ('queued','running','completed','completed-with-errors','failed','stopped')),
    initiator_type text not null,
    initiator_id uuid,
    initiator_label text not null,
    phase text,
    found integer not null default 0,
    in_scope integer not null default 0,
    processed integer not null default 0,
    created integer not null default 0,
    updated integer not null default 0,
    taken_over integer not null default 0,
    restored integer not null default 0,
    removed integer not null default 0,
    memberships_added integer not null default 0,
    memberships_removed integer not null default 0,
    unchanged integer not null default 0,
    skipped integer not null default 0,
    failed integer not null default 0,
    error_code text,
    error_message text,
    heartbeat_at timestamptz,
    created_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    constraint directory_sync_runs__organization_id_id unique (organization_id, id),
    constraint directory_sync_runs__directory foreign key (organization_id, directory_id)
      references directories (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index directory_sync_runs__organization_id_directory_id_created_at on directory_sync_runs (organization_id, directory_id, created_at desc)`.execute(
    db,
  );
  await sql`create index directory_sync_runs__finished_at on directory_sync_runs (finished_at) where finished_at is not null`.execute(
    db,
  );
  await sql`create table directory_sync_run_users (
    organization_id uuid not null,
    run_id uuid not null,
    seq integer not null,
    email text,
    dn text,
    user_id uuid,
    action text not null,
    status text not null constraint directory_sync_run_users__status check (status in ('planned','succeeded','failed','skipped')),
    message text,
    changes jsonb,
    primary key (run_id, seq),
    constraint directory_sync_run_users__run foreign key (organization_id, run_id)
      references directory_sync_runs (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create table directory_sync_users (
    organization_id uuid not null,
    directory_id uuid not null,
    user_id uuid not null,
    external_key text,
    dn text,
    synced_at timestamptz not null default now(),
    primary key (organization_id, directory_id, user_id),
    constraint directory_sync_users__directory foreign key (organization_id, directory_id)
      references directories (organization_id, id) on delete cascade,
    constraint directory_sync_users__user foreign key (organization_id, user_id)
      references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index directory_sync_users__organization_id_user_id on directory_sync_users (organization_id, user_id)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table directory_sync_users`.execute(db);
  await sql`drop table directory_sync_run_users`.execute(db);
  await sql`drop table directory_sync_runs`.execute(db);
  await sql`drop table directory_syncs`.execute(db);
}
