import { type Kysely, sql } from 'kysely';

// A large backlog of queued e-mails is held until an administrator sends or discards it; "Send
// all" releases every message created up to this instant.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organizations add column outbox_released_at timestamptz`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table organizations drop column outbox_released_at`.execute(db);
}
