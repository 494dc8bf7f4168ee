import { type Kysely, sql } from 'kysely';

// The organization-wide devices list: when each device was last seen (its latest connection
// through a link, a reconnect included), and an index for the list's newest-first pages.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table devices add column last_seen_at timestamptz`.execute(db);
  await sql`update devices set last_seen_at = connected_at`.execute(db);
  await sql`alter table devices alter column last_seen_at set default now(), alter column last_seen_at set not null`.execute(
    db,
  );
  await sql`create index devices__organization_id_connected_at on devices (organization_id, connected_at desc, id desc)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index devices__organization_id_connected_at`.execute(db);
  await sql`alter table devices drop column last_seen_at`.execute(db);
}
