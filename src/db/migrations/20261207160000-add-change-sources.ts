import { type Kysely, sql } from 'kysely';

// Who manages what: every user, group and group membership records the source that made it
// (`console` — the console or the REST API —, `bulk` with the operation's id, `scim` with the
// token's id, `directory_sync` with the sync's id, `umapi` with the integration's id). A source
// that synchronizes removes only what it manages. Rows made before sources were recorded count as
// the console's. A constant default: no table is rewritten, however many memberships it holds.
const TABLES = ['users', 'user_groups', 'group_members'];

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`alter table ${sql.table(table)}
      add column source_type text not null default 'console'
        constraint ${sql.ref(`${table}__source_type`)}
        check (source_type in ('console', 'bulk', 'scim', 'directory_sync', 'umapi')),
      add column source_id text`.execute(db);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await sql`alter table ${sql.table(table)} drop column source_type, drop column source_id`.execute(db);
  }
}
