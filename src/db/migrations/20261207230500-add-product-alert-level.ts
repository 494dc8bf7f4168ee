import { type Kysely, sql } from 'kysely';

// The highest seat-use threshold (90, 100 or 110 % of a product's licenses) its system admins were
// last alerted of, so each crossing sends one e-mail; 0 = below every threshold.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table products add column alert_level smallint not null default 0 constraint products__alert_level check (alert_level in (0, 90, 100, 110))`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table products drop column alert_level`.execute(db);
}
