import { type Kysely, sql } from 'kysely';

// Admin sign-in (issue 21): one-time links that set a password — an invitation sent with the
// welcome e-mail of a new admin, or a reset asked for on the sign-in page. Only the SHA-256 of a
// link's random token is stored; a link is spent by setting `used_at`. `last_sign_in_at` tells the
// console which admins have not signed in yet; admins who signed in before it existed get the time
// of their last recorded sign-in.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table password_tokens (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    purpose text not null constraint password_tokens__purpose check (purpose in ('invitation','reset')),
    token_hash text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz,
    constraint password_tokens__token_hash unique (token_hash),
    constraint password_tokens__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index password_tokens__organization_id_user_id on password_tokens (organization_id, user_id)`.execute(
    db,
  );
  await sql`alter table admin_credentials add column last_sign_in_at timestamptz`.execute(db);
  await sql`update admin_credentials c set last_sign_in_at = (
    select max(a.at) from audit_events a
    where a.organization_id = c.organization_id and a.action = 'auth.login' and a.target_id = c.user_id::text
  )`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table admin_credentials drop column last_sign_in_at`.execute(db);
  await sql`drop table password_tokens`.execute(db);
}
