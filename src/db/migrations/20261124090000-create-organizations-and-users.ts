import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table organizations (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    default_locale text not null default 'en' constraint organizations__default_locale check (default_locale in ('en','pl','ru','cs','fi')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create table users (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    email text not null,
    username text not null,
    first_name text,
    last_name text,
    country text constraint users__country check (country ~ '^[A-Z]{2}$'),
    alias text not null,
    identity_type text not null constraint users__identity_type check (identity_type in ('personal','enterprise','federated')),
    status text not null default 'active' constraint users__status check (status in ('active','invited','removed')),
    locale text constraint users__locale check (locale in ('en','pl','ru','cs','fi')),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`create unique index users__organization_id_email_identity_type on users (organization_id, lower(email), identity_type)`.execute(
    db,
  );
  await sql`create table admin_credentials (
    user_id uuid primary key references users (id) on delete cascade,
    organization_id uuid not null references organizations (id) on delete cascade,
    password_hash text not null,
    password_changed_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index admin_credentials__organization_id on admin_credentials (organization_id)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table admin_credentials`.execute(db);
  await sql`drop table users`.execute(db);
  await sql`drop table organizations`.execute(db);
}
