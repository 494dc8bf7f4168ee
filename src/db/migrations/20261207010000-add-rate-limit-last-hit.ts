import { type Kysely, sql } from 'kysely';

// Sign-in throttling waits longer after each failure of an (account, address) pair, which needs
// the time of the last failure, not only the start of the counting window.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits add column last_hit_at timestamptz not null default now()`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table rate_limits drop column last_hit_at`.execute(db);
}
