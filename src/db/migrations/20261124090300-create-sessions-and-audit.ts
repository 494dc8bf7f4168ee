import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table sessions (
    id uuid primary key default gen_random_uuid(),
    token_hash text not null constraint sessions__token_hash unique,
    organization_id uuid not null,
    user_id uuid not null,
    csrf_token text not null,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at timestamptz not null,
    source_ip text,
    user_agent text,
    constraint sessions__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index sessions__organization_id_user_id on sessions (organization_id, user_id)`.execute(db);
  await sql`create index sessions__expires_at on sessions (expires_at)`.execute(db);
  await sql`create table audit_events (
    id bigint generated always as identity primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    at timestamptz not null default now(),
    actor_type text not null,
    actor_id text,
    actor_label text,
    action text not null,
    target_type text,
    target_id text,
    target_label text,
    before jsonb,
    after jsonb,
    source_ip text,
    user_agent text
  )`.execute(db);
  await sql`create index audit_events__organization_id_id on audit_events (organization_id, id desc)`.execute(db);
  await sql`create index audit_events__organization_id_at on audit_events (organization_id, at desc)`.execute(db);
  await sql`create index audit_events__organization_id_action on audit_events (organization_id, action, id desc)`.execute(
    db,
  );
  await sql`create index audit_events__organization_id_actor_id on audit_events (organization_id, actor_id, id desc)`.execute(
    db,
  );
  await sql`create index audit_events__organization_id_target_id on audit_events (organization_id, target_id, id desc)`.execute(
    db,
  );
  // Instance-level tables: not tenant data, so no organization_id.
  await sql`create table setup_tokens (
    token_hash text primary key,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
  )`.execute(db);
  await sql`create table rate_limits (
    key text primary key,
    window_start timestamptz not null,
    hits integer not null
  )`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table rate_limits`.execute(db);
  await sql`drop table setup_tokens`.execute(db);
  await sql`drop table audit_events`.execute(db);
  await sql`drop table sessions`.execute(db);
}
