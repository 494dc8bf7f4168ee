import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Actor } from '../roles/policy.ts';
import { hashSecret, randomToken } from './secrets.ts';

/** Ways to give the second factor at sign-in. */
export type MfaMethod = 'totp' | 'webauthn' | 'recovery_code';

/** How long a sign-in may wait for its second factor after the password was right. */
export const MFA_CHALLENGE_MINUTES = 5;

/**
 * The second-factor state of an admin: the methods they can sign in with, and whether the
 * organization requires a factor they do not have yet.
 * @param db database or transaction
 * @returns methods (empty without a confirmed factor) and `required`
 */
export async function mfaStateOf(
  db: Executor,
  organizationId: string,
  userId: string,
): Promise<{ methods: MfaMethod[]; required: boolean }> {
  const kinds = await db
    .selectFrom('mfa_factors')
    .select('kind')
    .distinct()
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .execute();
  if (kinds.length > 0) {
    const codes = await db
      .selectFrom('mfa_recovery_codes')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .limit(1)
      .execute();
    const methods: MfaMethod[] = (['totp', 'webauthn'] as const).filter((kind) =>
      kinds.some((row) => row.kind === kind),
    );
    return { methods: codes.length > 0 ? [...methods, 'recovery_code'] : methods, required: false };
  }
  const organization = await db
    .selectFrom('organizations')
    .select('require_mfa')
    .where('id', '=', organizationId)
    .executeTakeFirst();
  return { methods: [], required: organization?.require_mfa ?? false };
}

/**
 * Records a sign-in whose password was right and that now waits for the second factor.
 * @param db database
 * @param actor the admin
 * @returns the secret for the short-lived challenge cookie (only its SHA-256 is stored)
 */
export async function startMfaChallenge(db: Executor, actor: Actor): Promise<string> {
  const token = randomToken();
  await db
    .deleteFrom('mfa_challenges')
    .where('organization_id', '=', actor.organizationId)
    .where('user_id', '=', actor.id)
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
  await db
    .insertInto('mfa_challenges')
    .values({
      token_hash: hashSecret(token),
      organization_id: actor.organizationId,
      user_id: actor.id,
      expires_at: new Date(Date.now() + MFA_CHALLENGE_MINUTES * 60_000),
    })
    .execute();
  return token;
}
