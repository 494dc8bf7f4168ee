import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/** What counting a hit answers: the hits of the window so far and the seconds until it ends. */
export interface RateLimitHit {
  key: string;
  hits: number;
  /** Whole seconds until the window ends (at least 1): a 429's Retry-After. */
  retry_after_seconds: number;
}

/**
 * Counting a hit against each key a query gives, as a statement to run on its own or as a `with`
 * clause of a larger one (an authentication that checks a token and counts its request at once).
 * @param keys a query with one text column named `key`
 * @param windowMinutes the window length
 * @returns the statement, returning {@link RateLimitHit} rows
 */
export function hitRateLimitStatement(keys: RawBuilder<unknown>, windowMinutes: number): RawBuilder<RateLimitHit> {
  return sql<RateLimitHit>`
    insert into rate_limits as r (key, window_start, hits, last_hit_at)
    select k.key, now(), 1, now() from (${keys}) as k
    on conflict (key) do update set
      hits = case when r.window_start < now() - make_interval(mins => ${windowMinutes}) then 1 else r.hits + 1 end,
      window_start = case when r.window_start < now() - make_interval(mins => ${windowMinutes}) then now() else r.window_start end,
      last_hit_at = now()
    returning r.key, r.hits,
      greatest(1, ceil(extract(epoch from r.window_start + make_interval(mins => ${windowMinutes}) - now())))::int
        as retry_after_seconds`;
}

/**
 * Counts a hit against `key` in a fixed window and returns the count so far. Counters live in
 * PostgreSQL, so every app process sees the same numbers.
 * @param db database
 * @param key what is counted, e.g. `login:address:203.0.113.5`
 * @param windowMinutes the window length
 * @returns hits in the current window, this one included
 */
export async function hitRateLimit(db: Executor, key: string, windowMinutes: number): Promise<number> {
  return (await hitRateLimitWithRetry(db, key, windowMinutes)).hits;
}

/**
 * {@link hitRateLimit}, answering also when the window ends.
 * @returns the hits in the current window (this one included) and the seconds until it ends
 */
export async function hitRateLimitWithRetry(db: Executor, key: string, windowMinutes: number): Promise<RateLimitHit> {
  const row = await hitRateLimitStatement(sql`select ${key}::text as key`, windowMinutes).execute(db);
  return row.rows[0] ?? { key, hits: 1, retry_after_seconds: windowMinutes * 60 };
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

/** Addresses an account signed in from are remembered this long (they pass the account-wide limit). */
const KNOWN_ADDRESS_DAYS = 30;

/**
 * Deletes counters nobody touched for `olderThanMinutes`; remembered sign-in addresses stay
 * {@link KNOWN_ADDRESS_DAYS} days.
 * @returns how many were deleted
 */
export async function deleteStaleRateLimits(db: Executor, olderThanMinutes: number): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where((eb) =>
      eb.or([
        eb.and([
          eb('key', 'not like', '%:known:%'),
          eb('last_hit_at', '<', sql<Date>`now() - make_interval(mins => ${olderThanMinutes})`),
        ]),
        eb('last_hit_at', '<', sql<Date>`now() - make_interval(days => ${KNOWN_ADDRESS_DAYS})`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * How attempts at a secret (a password, later a second-factor code) are throttled. Brute force
 * stays slow without handing an attacker a way to lock the owner out (NIST SP 800-63B §5.2.2):
 * - every attempt from one address counts against `maxPerAddress` per `windowMinutes`;
 * - failures of one (account, address) pair are free up to `freeFailures`, then each further
 *   attempt from that pair waits twice as long as the one before (1 s, 2 s, 4 s … up to
 *   `windowMinutes`);
 * - failures of one account from all addresses together count against `accountMaxFailures`,
 *   far above the pair limit; past it only addresses the account signed in from before (in the
 *   last 30 days) may try, and the caller tells the owner;
 * - failure counters are forgotten `forgetHours` after their last failure, and a success forgets
 *   its pair's.
 */
export interface AttemptPolicy {
  freeFailures: number;
  maxPerAddress: number;
  windowMinutes: number;
  accountMaxFailures: number;
  forgetHours: number;
}

/** Who is trying: `scope` separates kinds of secret (`login`, `mfa`), `account` is e.g. the e-mail. */
export interface AttemptSubject {
  scope: string;
  account: string;
  address: string;
}

/** Why an attempt is refused before it is checked, and when to come back. */
export interface AttemptRefusal {
  reason: 'address' | 'delay' | 'account';
  retryAfterSeconds: number;
}

const keys = (subject: AttemptSubject) => ({
  address: `${subject.scope}:address:${subject.address}`,
  pair: `${subject.scope}:pair:${subject.account}|${subject.address}`,
  account: `${subject.scope}:account:${subject.account}`,
  known: `${subject.scope}:known:${subject.account}|${subject.address}`,
});

/**
 * Seconds an (account, address) pair waits after its last failure before the next attempt.
 * @param failures the pair's failures so far
 * @param policy the policy
 */
export function attemptDelaySeconds(failures: number, policy: AttemptPolicy): number {
  if (failures < policy.freeFailures) {
    return 0;
  }
  return Math.min(2 ** Math.min(failures - policy.freeFailures, 30), policy.windowMinutes * 60);
}

async function readFailures(
  db: Executor,
  key: string,
  forgetHours: number,
): Promise<{ hits: number; secondsSince: number } | undefined> {
  const row = await sql<{ hits: number; seconds_since: number }>`
    select hits, extract(epoch from now() - last_hit_at)::float8 as seconds_since from rate_limits
    where key = ${key} and last_hit_at >= now() - make_interval(hours => ${forgetHours})`.execute(db);
  const found = row.rows[0];
  return found && { hits: found.hits, secondsSince: Number(found.seconds_since) };
}

/**
 * Counts an attempt against its address and says whether it may go ahead. Call before checking
 * the secret; then call {@link recordFailedAttempt} or {@link recordSuccessfulAttempt}.
 * @returns null when the attempt may be checked, else why not and for how long
 */
export async function checkAttempt(
  db: Executor,
  subject: AttemptSubject,
  policy: AttemptPolicy,
): Promise<AttemptRefusal | null> {
  const key = keys(subject);
  const addressHits = await hitRateLimit(db, key.address, policy.windowMinutes);
  if (addressHits > policy.maxPerAddress) {
    return { reason: 'address', retryAfterSeconds: policy.windowMinutes * 60 };
  }
  const pair = await readFailures(db, key.pair, policy.forgetHours);
  if (pair) {
    const wait = Math.ceil(attemptDelaySeconds(pair.hits, policy) - pair.secondsSince);
    if (wait > 0) {
      return { reason: 'delay', retryAfterSeconds: wait };
    }
  }
  const account = await readFailures(db, key.account, policy.forgetHours);
  if (account && account.hits >= policy.accountMaxFailures) {
    const known = await readFailures(db, key.known, KNOWN_ADDRESS_DAYS * 24);
    if (!known) {
      return {
        reason: 'account',
        retryAfterSeconds: Math.max(1, Math.ceil(policy.forgetHours * 3600 - account.secondsSince)),
      };
    }
  }
  return null;
}

async function hitFailure(db: Executor, key: string, forgetHours: number): Promise<number> {
  const row = await sql<{ hits: number }>`
    insert into rate_limits as r (key, window_start, hits, last_hit_at) values (${key}, now(), 1, now())
    on conflict (key) do update set
      hits = case when r.last_hit_at < now() - make_interval(hours => ${forgetHours}) then 1 else r.hits + 1 end,
      window_start = case when r.last_hit_at < now() - make_interval(hours => ${forgetHours}) then now() else r.window_start end,
      last_hit_at = now()
    returning hits`.execute(db);
  return row.rows[0]?.hits ?? 1;
}

/**
 * Records a failed attempt against its (account, address) pair and its account.
 * @returns the account's failures, and whether this one reached the account-wide limit (tell the
 * owner once)
 */
export async function recordFailedAttempt(
  db: Executor,
  subject: AttemptSubject,
  policy: AttemptPolicy,
): Promise<{ pairFailures: number; accountFailures: number; accountLimitReached: boolean }> {
  const key = keys(subject);
  const pairFailures = await hitFailure(db, key.pair, policy.forgetHours);
  const accountFailures = await hitFailure(db, key.account, policy.forgetHours);
  return { pairFailures, accountFailures, accountLimitReached: accountFailures === policy.accountMaxFailures };
}

/**
 * Records a successful attempt: forgets the pair's failures and remembers the address as one the
 * account uses (it passes the account-wide limit for 30 days). The account-wide count stays, so a
 * success in between does not give an attacker a fresh allowance.
 */
export async function recordSuccessfulAttempt(db: Executor, subject: AttemptSubject): Promise<void> {
  const key = keys(subject);
  await resetRateLimit(db, key.pair);
  await sql`
    insert into rate_limits as r (key, window_start, hits, last_hit_at) values (${key.known}, now(), 1, now())
    on conflict (key) do update set hits = r.hits + 1, last_hit_at = now()`.execute(db);
}
