import { type Kysely, sql } from 'kysely';

// Adobe User Management API (UMAPI) integrations. An integration is an API token of kind `umapi`:
// its secret is the OAuth client secret (stored as SHA-256, like every token), its role grants are
// the same `admin_role_assignments` rows, and `client_id` is the public OAuth client id that
// Adobe's clients send as `client_id` to the token endpoint and as `x-api-key` on every call
// (umapi-client `umapi_client/auth.py` AdobeAuthBase.__call__ and OAuthS2S.post_body).
// Access tokens handed out by `POST /ims/token/v2/` are rows of `umapi_access_tokens` (SHA-256 of
// the bearer secret and its expiry): the clients never refresh on a 401, so a token must stay
// valid for the whole `expires_in` it was given, across processes.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table api_tokens drop constraint api_tokens__kind`.execute(db);
  await sql`alter table api_tokens add constraint api_tokens__kind check (kind in ('api','scim','umapi'))`.execute(db);
  await sql`alter table api_tokens add column client_id text`.execute(db);
  await sql`create unique index api_tokens__client_id on api_tokens (client_id) where client_id is not null`.execute(
    db,
  );
  await sql`create table umapi_access_tokens (
    token_hash text primary key,
    organization_id uuid not null,
    api_token_id uuid not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint umapi_access_tokens__api_token foreign key (organization_id, api_token_id)
      references api_tokens (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index umapi_access_tokens__organization_id_api_token_id on umapi_access_tokens (organization_id, api_token_id)`.execute(
    db,
  );
  await sql`create index umapi_access_tokens__expires_at on umapi_access_tokens (expires_at)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table umapi_access_tokens`.execute(db);
  await sql`delete from api_tokens where kind = 'umapi'`.execute(db);
  await sql`drop index api_tokens__client_id`.execute(db);
  await sql`alter table api_tokens drop column client_id`.execute(db);
  await sql`alter table api_tokens drop constraint api_tokens__kind`.execute(db);
  await sql`alter table api_tokens add constraint api_tokens__kind check (kind in ('api','scim'))`.execute(db);
}
