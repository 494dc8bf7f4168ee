import { type OperationNodeSource, sql } from 'kysely';
import type { Executor } from './database.ts';

/**
 * Counts above this are reported as "more than" it: an overview or a list total never reads more
 * than this many index entries, whatever the organization's size.
 */
export const COUNT_CAP = 10_000;

/** A count that stops at {@link COUNT_CAP}: `exact` false means "more than `total`". */
export interface CappedCount {
  total: number;
  exact: boolean;
}

/**
 * Runs a capped count: the query must select one row per item counted; at most `cap + 1` are read.
 * @returns the count, exact below the cap
 */
export async function countCapped(db: Executor, rows: OperationNodeSource, cap = COUNT_CAP): Promise<CappedCount> {
  const result = await sql<{ n: number }>`select count(*)::int as n from (${rows} limit ${cap + 1}) as counted`.execute(
    db,
  );
  const n = Number(result.rows[0]?.n ?? 0);
  return n > cap ? { total: cap, exact: false } : { total: n, exact: true };
}
