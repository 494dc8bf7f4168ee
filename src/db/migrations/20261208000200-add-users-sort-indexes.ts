import { type Kysely, sql } from 'kysely';

// The users list sorts by identity type, status and creation time too (issue 15), keyset-paged
// with the id as tie-breaker: one index per order, leading with organization_id, so the first page
// and a deep page of a 1,000,000-user organization are each one index range scan. Like the e-mail
// and last-name indexes they carry the search text and the filtered columns, so a search walking
// the list in that order is an index-only scan. The status index (until now a filter index without
// them) is rebuilt with them.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index users__organization_id_identity_type on users (organization_id, identity_type, lower(email), id)
    include (email, search_text, status)`.execute(db);
  await sql`create index users__organization_id_created_at on users (organization_id, created_at, id)
    include (email, search_text, status, identity_type)`.execute(db);
  await sql`drop index users__organization_id_status`.execute(db);
  await sql`create index users__organization_id_status on users (organization_id, status, lower(email), id)
    include (email, search_text, identity_type)`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index users__organization_id_identity_type`.execute(db);
  await sql`drop index users__organization_id_created_at`.execute(db);
  await sql`drop index users__organization_id_status`.execute(db);
  await sql`create index users__organization_id_status on users (organization_id, status, lower(email), id)`.execute(
    db,
  );
}
