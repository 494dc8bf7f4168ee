import { type Kysely, sql } from 'kysely';

// Single sign-on for the admins of a Federated directory (issue 21 item 3): the directory's
// identity provider (OpenID Connect now; the client secret sealed with the instance key, bound to
// its directory), the sign-ins sent to a provider and not back yet (`sso_requests`, keyed by the
// SHA-256 of the state, with the PKCE verifier and nonce; used once), and the organization setting
// that turns password sign-in off for federated admins except one break-glass system admin.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table identity_providers (
    directory_id uuid primary key,
    organization_id uuid not null references organizations (id) on delete cascade,
    protocol text not null constraint identity_providers__protocol check (protocol in ('oidc','saml')),
    oidc_issuer text,
    oidc_client_id text,
    oidc_client_secret text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint identity_providers__directory foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create table sso_requests (
    id uuid primary key default gen_random_uuid(),
    state_hash text not null,
    organization_id uuid not null references organizations (id) on delete cascade,
    directory_id uuid not null,
    code_verifier text not null,
    nonce text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint sso_requests__state_hash unique (state_hash),
    constraint sso_requests__directory foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`alter table organizations add column sso_only boolean not null default false`.execute(db);
  await sql`alter table organizations add column break_glass_user_id uuid`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table organizations drop column break_glass_user_id`.execute(db);
  await sql`alter table organizations drop column sso_only`.execute(db);
  await sql`drop table sso_requests`.execute(db);
  await sql`drop table identity_providers`.execute(db);
}
