import { type Kysely, sql } from 'kysely';

// Search at 1,000,000 users (issue 22): a frequent fragment (`st123` among `First1234 Last1234`)
// is found by walking the list's sort index with the search as a filter, thousands of entries per
// page. The sort indexes now carry the columns the search text is made of (and the status and
// identity type the list filters by), so that walk is an index-only scan: it reads index pages,
// not one table row per entry, once the table's visibility map is set (what (auto)vacuum does).
// The keys stay as they were: the list orders by the same expressions.
const COVERED = sql`include (email, first_name, last_name, status, identity_type)`;

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop index users__organization_id_email`.execute(db);
  await sql`drop index users__organization_id_last_name`.execute(db);
  await sql`create index users__organization_id_email on users (organization_id, lower(email), id) ${COVERED}`.execute(
    db,
  );
  await sql`create index users__organization_id_last_name
    on users (organization_id, lower(coalesce(last_name, '')), lower(email), id) ${COVERED}`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index users__organization_id_email`.execute(db);
  await sql`drop index users__organization_id_last_name`.execute(db);
  await sql`create index users__organization_id_email on users (organization_id, lower(email), id)`.execute(db);
  await sql`create index users__organization_id_last_name on users (organization_id, lower(coalesce(last_name, '')), lower(email), id)`.execute(
    db,
  );
}
