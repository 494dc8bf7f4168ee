import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

/**
 * The tables that large changes fill: bulk files, directory sync runs, identity providers and the
 * Adobe API creating thousands of users. Their statistics can describe a table many times smaller
 * than it has become (a first import into a new installation, or any large run: autovacuum may be
 * slow or off, and the embedded database has none), and plans made from them stay cached in every
 * connection: a foreign-key check planned while `users` held one row walked every user of the
 * organization (through the e-mail index, whose cost then ties with the id's) for each membership
 * inserted — 25,000 rows: 2 s per batch instead of 0.05 s; a directory sync of 100,000 users: 2.4 s
 * per 1,000 users written; license lookups planned for a few dozen rows scanned a table of 500,000.
 */
const FILLED_TABLES = [
  'users',
  'user_profiles',
  'group_members',
  'product_licenses',
  'audit_events',
  'outbox_messages',
  'bulk_operation_rows',
  'directory_sync_users',
  'directory_sync_run_users',
  'directory_sync_run_entries',
  'directory_sync_run_members',
] as const;

/**
 * Refreshes the statistics of the tables large changes fill that have grown to more than twice the
 * size their statistics describe: `ANALYZE` also makes every connection plan its statements on
 * them again. A table that doubles is analyzed once per doubling, so the cost stays a small share
 * of the rows written. Callers run it between their batches.
 * @returns the tables analyzed
 */
export async function refreshGrownStatistics(db: Kysely<DB>): Promise<string[]> {
  const grown = await sql<{ name: string }>`
    select t.name from unnest(${FILLED_TABLES}::text[]) as t(name)
    join pg_class c on c.oid = to_regclass(t.name)
    where pg_relation_size(c.oid) / current_setting('block_size')::int > 2 * greatest(c.relpages, 1)`.execute(db);
  const names = grown.rows.map((row) => row.name);
  if (names.length > 0) {
    await sql`analyze ${sql.join(names.map((name) => sql.table(name)))}`.execute(db);
  }
  return names;
}
