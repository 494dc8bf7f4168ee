import { type Kysely, sql } from 'kysely';

// Search at 1,000,000 users (issue 22): the text the users-list search matches, lower-cased once
// when a user is written instead of for every row a search walks (lower() was most of the cost of
// walking 15,000 index entries for a frequent fragment). The sort indexes carry it with the
// columns their keys are computed from, so the walk is an index-only scan; the trigram index
// (rare terms) is on it too. Indexes on `users` are dropped before the column is added, so the
// table's rewrite does not build them twice.
const SEARCH_TEXT = sql`lower(email || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, ''))`;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index users__organization_id_search`.execute(db);
  await sql`drop index users__organization_id_email`.execute(db);
  await sql`drop index users__organization_id_last_name`.execute(db);
  await sql`alter table users add column search_text text generated always as (${SEARCH_TEXT}) stored`.execute(db);
  await sql`create index users__organization_id_search on users using gin (search_text gin_trgm_ops)`.execute(db);
  await sql`create index users__organization_id_email on users (organization_id, lower(email), id)
    include (email, search_text, status, identity_type)`.execute(db);
  await sql`create index users__organization_id_last_name on users (organization_id, lower(coalesce(last_name, '')), lower(email), id)
    include (email, last_name, search_text, status, identity_type)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index users__organization_id_search`.execute(db);
  await sql`drop index users__organization_id_email`.execute(db);
  await sql`drop index users__organization_id_last_name`.execute(db);
  await sql`alter table users drop column search_text`.execute(db);
  await sql`create index users__organization_id_search on users using gin ((${SEARCH_TEXT}) gin_trgm_ops)`.execute(db);
  await sql`create index users__organization_id_email on users (organization_id, lower(email), id)
    include (email, first_name, last_name, status, identity_type)`.execute(db);
  await sql`create index users__organization_id_last_name on users (organization_id, lower(coalesce(last_name, '')), lower(email), id)
    include (email, first_name, last_name, status, identity_type)`.execute(db);
}
