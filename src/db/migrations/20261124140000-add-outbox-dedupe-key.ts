import { type Kysely, sql } from 'kysely';

// Lets a background job that writes many messages run again after a crash without sending twice.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table outbox_messages add column dedupe_key text`.execute(db);
  await sql`create unique index outbox_messages__organization_id_dedupe_key on outbox_messages (organization_id, dedupe_key) where dedupe_key is not null`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index outbox_messages__organization_id_dedupe_key`.execute(db);
  await sql`alter table outbox_messages drop column dedupe_key`.execute(db);
}
