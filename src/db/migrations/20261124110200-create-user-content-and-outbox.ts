import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column removed_at timestamptz`.execute(db);
  // What a removed user's stored content waits for: 'pending' = transfer later (the "Inactive
  // users" list), null otherwise.
  await sql`alter table users add column content_status text constraint users__content_status check (content_status in ('pending'))`.execute(
    db,
  );
  // The user's stored content, as a count of items and bytes.
  await sql`create table user_content (
    organization_id uuid not null,
    user_id uuid not null,
    items bigint not null default 0 constraint user_content__items check (items >= 0),
    bytes bigint not null default 0 constraint user_content__bytes check (bytes >= 0),
    updated_at timestamptz not null default now(),
    primary key (organization_id, user_id),
    constraint user_content__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  // The durable outbox: every e-mail is written here in the transaction of the change that causes
  // it, and delivered later by a worker (the e-mail issue builds rendering and delivery).
  await sql`create table outbox_messages (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    kind text not null,
    user_id uuid,
    to_address text not null,
    locale text not null default 'en',
    data jsonb not null default '{}',
    status text not null default 'queued' constraint outbox_messages__status check (status in ('queued','sending','sent','failed')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error text,
    sent_at timestamptz,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index outbox_messages__organization_id_created_at on outbox_messages (organization_id, created_at desc)`.execute(
    db,
  );
  await sql`create index outbox_messages__status_next_attempt_at on outbox_messages (next_attempt_at) where status in ('queued','sending')`.execute(
    db,
  );
  // Users list at scale: substring search and the common sorts.
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index users__organization_id_search on users using gin ((lower(email || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) gin_trgm_ops)`.execute(
    db,
  );
  await sql`create index users__organization_id_email on users (organization_id, lower(email), id)`.execute(db);
  await sql`create index users__organization_id_last_name on users (organization_id, lower(coalesce(last_name, '')), lower(email), id)`.execute(
    db,
  );
  await sql`create index users__organization_id_status on users (organization_id, status, lower(email), id)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index users__organization_id_status`.execute(db);
  await sql`drop index users__organization_id_last_name`.execute(db);
  await sql`drop index users__organization_id_email`.execute(db);
  await sql`drop index users__organization_id_search`.execute(db);
  await sql`drop table outbox_messages`.execute(db);
  await sql`drop table user_content`.execute(db);
  await sql`alter table users drop column content_status`.execute(db);
  await sql`alter table users drop column removed_at`.execute(db);
}
