import { sql, type Transaction } from 'kysely';
import type { Executor } from '../db/database.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB } from '../db/schema.ts';

/** Why a one-time password link was made: the welcome e-mail of a new admin, or "Forgot password". */
export type PasswordTokenPurpose = 'invitation' | 'reset';

/** A password link that is still usable, with what setting the password needs of its user. */
export interface LivePasswordToken {
  id: string;
  organizationId: string;
  userId: string;
  purpose: PasswordTokenPurpose;
  email: string;
  hasPassword: boolean;
}

/**
 * Stores new password links (their SHA-256 only) and deletes the unused links of the same users and
 * purpose, so only the newest e-mail's link works.
 * @param trx the transaction that queues their e-mails
 * @param rows one per user: organization, user, purpose, token hash and expiry
 */
export async function replacePasswordTokens(
  trx: Transaction<DB>,
  rows: {
    organization_id: string;
    user_id: string;
    purpose: PasswordTokenPurpose;
    token_hash: string;
    expires_at: Date;
  }[],
): Promise<void> {
  if (rows.length === 0) {
    return;
  }
  for (const purpose of ['invitation', 'reset'] as const) {
    const users = rows.filter((row) => row.purpose === purpose);
    if (users.length > 0) {
      await trx
        .deleteFrom('password_tokens')
        .where('organization_id', '=', users[0]?.organization_id ?? '')
        .where(
          'user_id',
          'in',
          users.map((row) => row.user_id),
        )
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .execute();
    }
  }
  await insertMany(trx, 'password_tokens', rows);
}

/**
 * Finds the unused, unexpired link whose token hashes to `tokenHash`, locking it so two requests
 * with the same link cannot both use it.
 * @returns the link and its user, or undefined
 */
export async function findLivePasswordTokenByHash(
  trx: Transaction<DB>,
  tokenHash: string,
): Promise<LivePasswordToken | undefined> {
  const row = await trx
    .selectFrom('password_tokens')
    .innerJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'password_tokens.user_id')
        .onRef('users.organization_id', '=', 'password_tokens.organization_id'),
    )
    .leftJoin('admin_credentials', 'admin_credentials.user_id', 'password_tokens.user_id')
    .select([
      'password_tokens.id',
      'password_tokens.organization_id',
      'password_tokens.user_id',
      'password_tokens.purpose',
      'users.email',
      'admin_credentials.user_id as credential_user_id',
    ])
    .where('password_tokens.token_hash', '=', tokenHash)
    .where('password_tokens.used_at', 'is', null)
    .where('password_tokens.expires_at', '>', sql<Date>`now()`)
    .where('users.status', '=', 'active')
    .forUpdate('password_tokens')
    .executeTakeFirst();
  return row
    ? {
        id: row.id,
        organizationId: row.organization_id,
        userId: row.user_id,
        purpose: row.purpose,
        email: row.email,
        hasPassword: row.credential_user_id !== null,
      }
    : undefined;
}

/**
 * Spends every unused link of a user (the one just used, and any other invitation or reset).
 * @returns nothing
 */
export async function spendPasswordTokensByUserId(
  trx: Transaction<DB>,
  organizationId: string,
  userId: string,
): Promise<void> {
  await trx
    .updateTable('password_tokens')
    .set({ used_at: sql<Date>`now()` })
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

/**
 * Ids of the users among `userIds` who hold an admin role but have no password yet.
 * @param db database or transaction
 * @returns their ids
 */
export async function findAdminsWithoutPasswordByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<string[]> {
  if (userIds.length === 0) {
    return [];
  }
  const rows = await db
    .selectFrom('users')
    .select('users.id')
    .where('users.organization_id', '=', organizationId)
    .where('users.id', 'in', userIds)
    .where('users.status', '=', 'active')
    .where(({ exists, not, selectFrom }) =>
      not(
        exists(
          selectFrom('admin_credentials').select('user_id').whereRef('admin_credentials.user_id', '=', 'users.id'),
        ),
      ),
    )
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('admin_role_assignments')
          .select('admin_role_assignments.user_id')
          .whereRef('admin_role_assignments.organization_id', '=', 'users.organization_id')
          .whereRef('admin_role_assignments.user_id', '=', 'users.id'),
      ),
    )
    .execute();
  return rows.map((row) => row.id);
}
