import { type Kysely, sql } from 'kysely';

// Rate-limit counters are written on every sign-in attempt and every call of the Adobe API
// (umapi/): as a logged table each hit committed on its own waited for a WAL flush (2.3 ms
// against 0.34 ms unlogged, measured on PostgreSQL 15 here), a large share of a UMAPI call. A
// counter lost in a crash only starts its window again, so the table needs no WAL.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits set unlogged`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits set logged`.execute(db);
}
