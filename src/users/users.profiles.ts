import { sql, type Transaction } from 'kysely';
import { AppError } from '../core/errors.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB, UserRow } from '../db/schema.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { UserErrorCodes } from './users.errors.ts';

/**
 * The one writer of `user_profiles` (profiles held directly). Every path that gives or takes a
 * user's profile comes through here, so the rules hold on all of them: each profile given or
 * taken is authorized (`profile.assign` on the profile and its product: a product admin changes
 * only their products' licenses); a removed user gets no profile. Licenses and welcome e-mails
 * follow in the caller's change (`settleLicenses`, `queueWelcomeMessages`), which may combine them
 * with group changes of the same user.
 */

/** A profile with its product, as the name resolver finds it. */
export interface ProfileRef {
  id: string;
  name: string;
  productId: string;
}

/**
 * Gives and takes direct profiles of users, set-based (one delete and one insert for all of them).
 * @param changes per user (its row read under lock in the caller's transaction), the profiles to
 *   give and to take
 * @throws AppError 403 for a profile outside the actor's scope; 409 `users.removed` when giving
 *   a profile to a removed user
 */
export async function changeUserProfiles(
  trx: Transaction<DB>,
  actor: Actor,
  changes: { user: Pick<UserRow, 'id' | 'email' | 'status'>; give: ProfileRef[]; take: ProfileRef[] }[],
): Promise<void> {
  for (const change of changes) {
    for (const profile of [...change.give, ...change.take]) {
      authorize(actor, 'profile.assign', { productId: profile.productId, profileId: profile.id });
    }
    if (change.give.length > 0 && change.user.status === 'removed') {
      throw new AppError(
        UserErrorCodes.removed,
        409,
        `${change.user.email} is removed: restore the user first, then give profiles or groups.`,
      );
    }
  }
  const taken = changes.flatMap((change) => change.take.map((profile) => [change.user.id, profile.id]));
  if (taken.length > 0) {
    await sql`
      delete from user_profiles up using unnest(${taken.map(([user]) => user)}::uuid[], ${taken.map(([, profile]) => profile)}::uuid[]) as t(user_id, profile_id)
      where up.organization_id = ${actor.organizationId} and up.user_id = t.user_id and up.profile_id = t.profile_id`.execute(
      trx,
    );
  }
  await insertMany(
    trx,
    'user_profiles',
    changes.flatMap((change) =>
      change.give.map((profile) => ({
        organization_id: actor.organizationId,
        user_id: change.user.id,
        profile_id: profile.id,
      })),
    ),
  );
}

/**
 * The direct profiles of users created in this transaction (active by construction); the caller
 * has authorized each profile and counts their licenses with the rest of the new users'.
 */
export async function insertNewUserProfiles(
  trx: Transaction<DB>,
  organizationId: string,
  rows: { userId: string; profileId: string }[],
): Promise<void> {
  await insertMany(
    trx,
    'user_profiles',
    rows.map((row) => ({ organization_id: organizationId, user_id: row.userId, profile_id: row.profileId })),
  );
}

/**
 * Takes every direct profile of removed users (removal recounts their licenses itself).
 * @returns the profiles taken, with names, for the audit (enough to give them back)
 */
export async function takeAllProfiles(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
): Promise<{ user_id: string; profile_id: string; profile_name: string; product_name: string }[]> {
  const deleted = await sql<{ user_id: string; profile_id: string; profile_name: string; product_name: string }>`
    with gone as (
      delete from user_profiles where organization_id = ${organizationId} and user_id = any(${userIds}::uuid[])
      returning user_id, profile_id)
    select gone.user_id, gone.profile_id, pp.name as profile_name, p.name as product_name from gone
    join product_profiles pp on pp.organization_id = ${organizationId} and pp.id = gone.profile_id
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    order by pp.name`.execute(trx);
  return deleted.rows;
}
