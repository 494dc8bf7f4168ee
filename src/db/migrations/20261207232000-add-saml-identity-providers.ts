import { type Kysely, sql } from 'kysely';

// SAML 2.0 beside OpenID Connect for a Federated directory's identity provider (issue 21 item 3):
// the IdP's entity id, single sign-on URL (redirect binding), signing certificates (PEM, one or
// more) and the metadata URL they were read from; a SAML sign-in in `sso_requests` keeps its
// AuthnRequest id (hashed, as a state) and needs no PKCE verifier or nonce; `saml_assertions`
// remembers every accepted assertion id until it expires, so a replay is refused by any process.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table identity_providers add column saml_entity_id text`.execute(db);
  await sql`alter table identity_providers add column saml_sso_url text`.execute(db);
  await sql`alter table identity_providers add column saml_certificates text`.execute(db);
  await sql`alter table identity_providers add column saml_metadata_url text`.execute(db);
  await sql`alter table sso_requests alter column code_verifier drop not null`.execute(db);
  await sql`alter table sso_requests alter column nonce drop not null`.execute(db);
  await sql`create table saml_assertions (
    organization_id uuid not null references organizations (id) on delete cascade,
    directory_id uuid not null,
    assertion_id text not null,
    expires_at timestamptz not null,
    constraint saml_assertions__directory_id_assertion_id primary key (directory_id, assertion_id),
    constraint saml_assertions__directory foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index saml_assertions__expires_at on saml_assertions (expires_at)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table saml_assertions`.execute(db);
  await sql`delete from sso_requests where code_verifier is null or nonce is null`.execute(db);
  await sql`alter table sso_requests alter column nonce set not null`.execute(db);
  await sql`alter table sso_requests alter column code_verifier set not null`.execute(db);
  await sql`delete from identity_providers where protocol = 'saml'`.execute(db);
  await sql`alter table identity_providers drop column saml_metadata_url`.execute(db);
  await sql`alter table identity_providers drop column saml_certificates`.execute(db);
  await sql`alter table identity_providers drop column saml_sso_url`.execute(db);
  await sql`alter table identity_providers drop column saml_entity_id`.execute(db);
}
