import { type Kysely, sql } from 'kysely';

// A queued e-mail an administrator decided not to send stays in the outbox as `discarded`.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table outbox_messages drop constraint outbox_messages__status`.execute(db);
  await sql`alter table outbox_messages add constraint outbox_messages__status
    check (status in ('queued','sending','sent','failed','discarded'))`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`update outbox_messages set status = 'queued' where status = 'discarded'`.execute(db);
  await sql`alter table outbox_messages drop constraint outbox_messages__status`.execute(db);
  await sql`alter table outbox_messages add constraint outbox_messages__status
    check (status in ('queued','sending','sent','failed'))`.execute(db);
}
