import { type Kysely, sql } from 'kysely';

// Where the organization's users download the security application, per platform: the
// connection page of an instructions e-mail links to it. An object of platform → URL; `{}` is none.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table organizations add column device_download_links jsonb not null default '{}'::jsonb`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table organizations drop column device_download_links`.execute(db);
}
