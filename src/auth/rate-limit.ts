import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * Counts a hit against `key` in a fixed window and returns the count so far. Counters live in
 * PostgreSQL, so every app process sees the same numbers.
 * @param db database
 * @param key what is counted, e.g. `login:address:203.0.113.5`
 * @param windowMinutes the window length
 * @returns hits in the current window, this one included
 */
export async function hitRateLimit(db: Executor, key: string, windowMinutes: number): Promise<number> {
  const row = await sql<{ hits: number }>`
    insert into rate_limits as r (key, window_start, hits) values (${key}, now(), 1)
    on conflict (key) do update set
      hits = case when r.window_start < now() - make_interval(mins => ${windowMinutes}) then 1 else r.hits + 1 end,
      window_start = case when r.window_start < now() - make_interval(mins => ${windowMinutes}) then now() else r.window_start end
    returning hits`.execute(db);
  return row.rows[0]?.hits ?? 1;
}

/**
 * Reads the hits of `key` in the current window without counting one.
 * @returns hits so far (0 when the window has passed)
 */
export async function peekRateLimit(db: Executor, key: string, windowMinutes: number): Promise<number> {
  const row = await sql<{ hits: number }>`
    select hits from rate_limits
    where key = ${key} and window_start >= now() - make_interval(mins => ${windowMinutes})`.execute(db);
  return row.rows[0]?.hits ?? 0;
}

/** Forgets the hits of `key` (after a successful sign-in). */
export async function resetRateLimit(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/**
 * Deletes counters whose window ended long ago.
 * @returns how many were deleted
 */
export async function deleteStaleRateLimits(db: Executor, olderThanMinutes: number): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where('window_start', '<', sql<Date>`now() - make_interval(mins => ${olderThanMinutes})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
