import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/** A live session with what authentication needs of its user. */
export interface SessionWithUser {
  id: string;
  organizationId: string;
  userId: string;
  csrfToken: string;
  lastSeenAt: Date;
  idleExpired: boolean;
  email: string;
  status: string;
  mfaEnrolmentRequired: boolean;
}

/**
 * Finds the session whose token hashes to `tokenHash`, if it has not reached its absolute expiry.
 * @param idleMinutes sessions unused for longer are reported as `idleExpired`
 * @returns the session, or undefined
 */
export async function findSessionByTokenHash(
  db: Executor,
  tokenHash: string,
  idleMinutes: number,
): Promise<SessionWithUser | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', (join) =>
      join.onRef('users.id', '=', 'sessions.user_id').onRef('users.organization_id', '=', 'sessions.organization_id'),
    )
    .select([
      'sessions.id',
      'sessions.organization_id',
      'sessions.user_id',
      'sessions.csrf_token',
      'sessions.last_seen_at',
      'sessions.mfa_enrolment_required',
      'users.email',
      'users.status',
      sql<boolean>`sessions.last_seen_at < now() - make_interval(mins => ${idleMinutes})`.as('idle_expired'),
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row
    ? {
        id: row.id,
        organizationId: row.organization_id,
        userId: row.user_id,
        csrfToken: row.csrf_token,
        lastSeenAt: row.last_seen_at,
        idleExpired: row.idle_expired,
        email: row.email,
        status: row.status,
        mfaEnrolmentRequired: row.mfa_enrolment_required,
      }
    : undefined;
}

/** Marks a session used now (callers throttle this to about once a minute). */
export async function updateSessionLastSeenById(db: Executor, sessionId: string): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: sql<Date>`now()` }).where('id', '=', sessionId).execute();
}

/** Deletes one session. */
export async function deleteSessionById(db: Executor, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/**
 * Deletes sessions past their absolute expiry or idle for longer than `idleMinutes`.
 * @returns how many were deleted
 */
export async function deleteExpiredSessions(db: Executor, idleMinutes: number): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<=', sql<Date>`now()`),
        eb('last_seen_at', '<', sql<Date>`now() - make_interval(mins => ${idleMinutes})`),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Ends every console session of a user except `keepSessionId` (after a password change or reset).
 * @returns how many sessions ended
 */
export async function deleteSessionsByUserId(
  db: Executor,
  organizationId: string,
  userId: string,
  keepSessionId: string | null,
): Promise<number> {
  let query = db.deleteFrom('sessions').where('organization_id', '=', organizationId).where('user_id', '=', userId);
  if (keepSessionId) {
    query = query.where('id', '<>', keepSessionId);
  }
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
