import { type Kysely, sql } from 'kysely';

// Second factor for password sign-in (issue 21): an admin's factors (TOTP authenticator apps
// now, WebAuthn passkeys later in the same table), one-time recovery codes stored as SHA-256, and
// the half-finished sign-ins waiting for a code (`mfa_challenges`, keyed by the SHA-256 of the
// secret in a short-lived cookie). A TOTP secret must be read back to check codes, so it is kept as
// is; `last_used_step` refuses a code used once already (RFC 6238 §5.2). `require_mfa` is the
// organization setting; a session started under it without a factor may only enrol one.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table mfa_factors (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    kind text not null constraint mfa_factors__kind check (kind in ('totp','webauthn')),
    label text not null,
    secret text,
    last_used_step bigint,
    credential_id text,
    public_key bytea,
    sign_count bigint,
    transports text[],
    confirmed_at timestamptz,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    constraint mfa_factors__credential_id unique (credential_id),
    constraint mfa_factors__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index mfa_factors__organization_id_user_id on mfa_factors (organization_id, user_id)`.execute(db);
  await sql`create table mfa_recovery_codes (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    code_hash text not null,
    created_at timestamptz not null default now(),
    used_at timestamptz,
    constraint mfa_recovery_codes__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index mfa_recovery_codes__organization_id_user_id on mfa_recovery_codes (organization_id, user_id)`.execute(
    db,
  );
  await sql`create table mfa_challenges (
    id uuid primary key default gen_random_uuid(),
    token_hash text not null,
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    webauthn_challenge text,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint mfa_challenges__token_hash unique (token_hash),
    constraint mfa_challenges__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`alter table organizations add column require_mfa boolean not null default false`.execute(db);
  await sql`alter table sessions add column mfa_enrolment_required boolean not null default false`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions drop column mfa_enrolment_required`.execute(db);
  await sql`alter table organizations drop column require_mfa`.execute(db);
  await sql`drop table mfa_challenges`.execute(db);
  await sql`drop table mfa_recovery_codes`.execute(db);
  await sql`drop table mfa_factors`.execute(db);
}
