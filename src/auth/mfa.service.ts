import { randomInt, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import type { MyMfa } from '../../shared/api/mfa.ts';
import { recordAudit, recordSecurityEvent } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import { findGrantsByPrincipal } from '../roles/grants.ts';
import { type Actor, authorize, can } from '../roles/policy.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import { loginPolicy, type RequestOrigin, type SessionHandle, startSession } from './auth.service.ts';
import { type SecretBox, secretBox } from './encryption.ts';
import { replacePendingFactor } from './mfa-factors.queries.ts';
import { checkAttempt, recordFailedAttempt } from './rate-limit.ts';
import { hashSecret } from './secrets.ts';

/** Recovery codes given at enrolment (each works once). */
export const RECOVERY_CODE_COUNT = 10;

/** TOTP as authenticator apps expect it (RFC 6238 defaults): SHA-1, 6 digits, 30-second steps. */
const TOTP_PERIOD = 30;

function totpOf(secret: string, label: string): TOTP {
  return new TOTP({
    issuer: 'Usher',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

/**
 * The time step a TOTP code belongs to, if it is right for the secret within one step of now
 * (clock drift, RFC 6238 §5.2).
 * @returns the step, or null for a wrong code
 */
function totpStep(secret: string, code: string, now = Date.now()): number | null {
  const delta = totpOf(secret, 'x').validate({ token: code, window: 1, timestamp: now });
  return delta === null ? null : Math.floor(now / 1000 / TOTP_PERIOD) + delta;
}

/** What a sealed TOTP secret is bound to: copied to another factor's row, it does not open. */
const totpContext = (organizationId: string, userId: string, factorId: string) =>
  `mfa-totp:${organizationId}:${userId}:${factorId}`;

/**
 * The base32 secret of a TOTP factor. Secrets are stored sealed (`v1.…`, see auth/encryption.ts);
 * one stored before that (base32 never holds a dot) is read as is and marked `plain`, so the
 * caller seals it at its first use.
 */
function openTotpSecret(
  box: SecretBox,
  factor: { id: string; secret: string | null },
  owner: { organizationId: string; id: string },
): { secret: string; plain: boolean } | null {
  if (!factor.secret) {
    return null;
  }
  if (!factor.secret.includes('.')) {
    return { secret: factor.secret, plain: true };
  }
  return { secret: box.open(factor.secret, totpContext(owner.organizationId, owner.id, factor.id)), plain: false };
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code: 10 characters (about 49 bits) shown as `xxxxx-xxxxx`. */
function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

const normalizeRecoveryCode = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

export function requireSessionUser(actor: Actor): void {
  authorize(actor, 'self.update');
  if (actor.type !== 'user') {
    throw new AppError(AuthErrorCodes.noSession, 400, 'Second factors belong to administrators, not API tokens.');
  }
}

/** One factor of the signed-in admin, as the console shows it. */
export type MfaFactorView = MyMfa['factors'][number];

/**
 * The signed-in admin's second factors, unused recovery codes left, and the organization setting.
 * @throws AppError 400 for API tokens
 */
export async function getMyMfa(ctx: AppContext, actor: Actor): Promise<MyMfa> {
  requireSessionUser(actor);
  const factors = await ctx.db
    .selectFrom('mfa_factors')
    .select(['id', 'kind', 'label', 'created_at', 'last_used_at'])
    .where('organization_id', '=', actor.organizationId)
    .where('user_id', '=', actor.id)
    .where('confirmed_at', 'is not', null)
    .orderBy('created_at')
    .execute();
  const codes = await ctx.db
    .selectFrom('mfa_recovery_codes')
    .select(sql<number>`count(*)::int`.as('left'))
    .where('organization_id', '=', actor.organizationId)
    .where('user_id', '=', actor.id)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  const organization = await ctx.db
    .selectFrom('organizations')
    .select('require_mfa')
    .where('id', '=', actor.organizationId)
    .executeTakeFirstOrThrow();
  return {
    factors: factors.map((factor) => ({
      id: factor.id,
      kind: factor.kind,
      label: factor.label,
      createdAt: factor.created_at.toISOString(),
      lastUsedAt: factor.last_used_at?.toISOString() ?? null,
    })),
    recoveryCodesLeft: codes.left,
    required: organization.require_mfa,
  };
}

/**
 * Starts enrolling an authenticator app: a new random secret (160 bits, RFC 4226 §4), kept
 * unconfirmed until the first code proves the app has it. An earlier unconfirmed one is replaced.
 * @returns the secret (base32) and the `otpauth://` URL for the QR code
 * @throws AppError 400 for API tokens; 409 `auth.mfa_already_enrolled` with a confirmed app
 */
export async function startTotpEnrolment(
  ctx: AppContext,
  actor: Actor,
): Promise<{ secret: string; otpauthUrl: string }> {
  requireSessionUser(actor);
  const secret = new Secret({ size: 20 }).base32;
  const box = await secretBox(ctx.config);
  const factorId = randomUUID();
  await transaction(ctx.db, async (trx) => {
    const confirmed = await trx
      .selectFrom('mfa_factors')
      .select('id')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('kind', '=', 'totp')
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
    if (confirmed) {
      throw new AppError(
        AuthErrorCodes.mfaAlreadyEnrolled,
        409,
        'An authenticator app is enrolled already: remove it first to enrol another.',
      );
    }
    await replacePendingFactor(trx, { organizationId: actor.organizationId, userId: actor.id }, 'totp', {
      id: factorId,
      label: 'Authenticator app',
      secret: box.seal(secret, totpContext(actor.organizationId, actor.id, factorId)),
    });
  });
  return { secret, otpauthUrl: totpOf(secret, actor.label).toString() };
}

/**
 * Writes a new set of recovery codes (the earlier ones stop working) inside the caller's transaction.
 * @returns the codes, to show once
 */
export async function replaceRecoveryCodes(
  trx: Parameters<Parameters<typeof transaction>[1]>[0],
  actor: Actor,
): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await trx
    .deleteFrom('mfa_recovery_codes')
    .where('organization_id', '=', actor.organizationId)
    .where('user_id', '=', actor.id)
    .execute();
  await trx
    .insertInto('mfa_recovery_codes')
    .values(
      codes.map((code) => ({
        organization_id: actor.organizationId,
        user_id: actor.id,
        code_hash: hashSecret(normalizeRecoveryCode(code)),
      })),
    )
    .execute();
  return codes;
}

/**
 * Finishes enrolling an authenticator app with its first code. The admin gets new recovery codes
 * (shown once), and a session that could only enrol becomes a full one.
 * @returns the recovery codes
 * @throws AppError 400 for API tokens; 409 `auth.mfa_no_enrolment` without a started enrolment;
 *   400 `auth.invalid_code` for a wrong code
 */
export async function confirmTotpEnrolment(
  ctx: AppContext,
  actor: Actor,
  session: SessionHandle | null,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  requireSessionUser(actor);
  const box = await secretBox(ctx.config);
  return transaction(ctx.db, async (trx) => {
    const pending = await trx
      .selectFrom('mfa_factors')
      .select(['id', 'secret'])
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('kind', '=', 'totp')
      .where('confirmed_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    const opened = pending ? openTotpSecret(box, pending, actor) : null;
    if (!pending || !opened) {
      throw new AppError(
        AuthErrorCodes.mfaNoEnrolment,
        409,
        'No authenticator enrolment is under way: start one with POST /api/v1/auth/mfa/totp.',
      );
    }
    const step = totpStep(opened.secret, code.trim());
    if (step === null) {
      throw new AppError(
        AuthErrorCodes.invalidCode,
        400,
        'The code is not correct. Enter the code the app shows now.',
        {
          errors: [{ field: 'body.code', message: 'wrong code' }],
        },
      );
    }
    await trx
      .updateTable('mfa_factors')
      .set({
        confirmed_at: sql<Date>`now()`,
        last_used_step: step,
        ...(opened.plain
          ? { secret: box.seal(opened.secret, totpContext(actor.organizationId, actor.id, pending.id)) }
          : {}),
      })
      .where('id', '=', pending.id)
      .execute();
    const recoveryCodes = await replaceRecoveryCodes(trx, actor);
    if (session?.mfaEnrolmentRequired) {
      await trx.updateTable('sessions').set({ mfa_enrolment_required: false }).where('id', '=', session.id).execute();
    }
    await recordAudit(trx, actor, {
      action: 'auth.mfa_enrol',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { factorId: pending.id, kind: 'totp', recoveryCodes: RECOVERY_CODE_COUNT },
    });
    return { recoveryCodes };
  });
}

/**
 * Replaces the signed-in admin's recovery codes.
 * @returns the new codes, to show once
 * @throws AppError 409 `auth.mfa_no_factor` without a second factor
 */
export async function regenerateRecoveryCodes(ctx: AppContext, actor: Actor): Promise<{ recoveryCodes: string[] }> {
  requireSessionUser(actor);
  return transaction(ctx.db, async (trx) => {
    const factor = await trx
      .selectFrom('mfa_factors')
      .select('id')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
    if (!factor) {
      throw new AppError(AuthErrorCodes.mfaNoFactor, 409, 'Recovery codes come with a second factor: enrol one first.');
    }
    const recoveryCodes = await replaceRecoveryCodes(trx, actor);
    await recordAudit(trx, actor, {
      action: 'auth.mfa_recovery_codes',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { recoveryCodes: RECOVERY_CODE_COUNT },
    });
    return { recoveryCodes };
  });
}

/**
 * Removes one of the signed-in admin's factors; with the last one go the recovery codes.
 * @throws AppError 404 for a factor that is not theirs
 */
export async function removeMyFactor(ctx: AppContext, actor: Actor, factorId: string): Promise<void> {
  requireSessionUser(actor);
  await transaction(ctx.db, async (trx) => {
    const removed = await trx
      .deleteFrom('mfa_factors')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('id', '=', factorId)
      .where('confirmed_at', 'is not', null)
      .returning(['id', 'kind', 'label'])
      .executeTakeFirst();
    if (!removed) {
      throw new AppError('request.not_found', 404, 'No such second factor of yours.');
    }
    const left = await trx
      .selectFrom('mfa_factors')
      .select('id')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('confirmed_at', 'is not', null)
      .executeTakeFirst();
    if (!left) {
      await trx
        .deleteFrom('mfa_recovery_codes')
        .where('organization_id', '=', actor.organizationId)
        .where('user_id', '=', actor.id)
        .execute();
    }
    await recordAudit(trx, actor, {
      action: 'auth.mfa_remove',
      target: { type: 'user', id: actor.id, label: actor.label },
      before: { factorId: removed.id, kind: removed.kind, label: removed.label },
      after: { factorsLeft: left ? 'some' : 'none' },
    });
  });
}

/** A sign-in waiting for its second factor, with the admin it is for and its throttle. */
export interface OpenChallenge {
  id: string;
  webauthnChallenge: string | null;
  actor: Actor;
  subject: { scope: string; account: string; address: string };
}

/**
 * The sign-in a challenge cookie belongs to, once the sign-in throttle lets it try a factor.
 * @param ctx the app
 * @param challengeToken the secret of the challenge cookie set by the sign-in
 * @param origin the caller
 * @throws AppError 401 `auth.mfa_challenge_expired`; 429
 */
export async function openChallenge(
  ctx: AppContext,
  challengeToken: string | undefined,
  origin: RequestOrigin,
): Promise<OpenChallenge> {
  const challenge = challengeToken
    ? await ctx.db
        .selectFrom('mfa_challenges')
        .innerJoin('users', (join) =>
          join
            .onRef('users.id', '=', 'mfa_challenges.user_id')
            .onRef('users.organization_id', '=', 'mfa_challenges.organization_id'),
        )
        .select([
          'mfa_challenges.id',
          'mfa_challenges.organization_id',
          'mfa_challenges.user_id',
          'mfa_challenges.webauthn_challenge',
          'users.email',
        ])
        .where('mfa_challenges.token_hash', '=', hashSecret(challengeToken))
        .where('mfa_challenges.expires_at', '>', sql<Date>`now()`)
        .where('users.status', '=', 'active')
        .executeTakeFirst()
    : undefined;
  if (!challenge) {
    throw new AppError(
      AuthErrorCodes.mfaChallengeExpired,
      401,
      'The sign-in waited too long for the second factor, or was not started. Sign in again.',
    );
  }
  const grants = await findGrantsByPrincipal(ctx.db, challenge.organization_id, { userId: challenge.user_id });
  const actor: Actor = {
    type: 'user',
    id: challenge.user_id,
    label: challenge.email,
    organizationId: challenge.organization_id,
    grants,
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
  const subject = { scope: 'login', account: challenge.email.trim().toLowerCase(), address: origin.ip };
  const refusal = await checkAttempt(ctx.db, subject, loginPolicy(ctx));
  if (refusal) {
    throw new AppError(AuthErrorCodes.rateLimited, 429, 'Too many attempts. Try again later.', {
      extra: { retryAfterSeconds: refusal.retryAfterSeconds },
    });
  }
  return { id: challenge.id, webauthnChallenge: challenge.webauthn_challenge, actor, subject };
}

/**
 * Ends a sign-in's second-factor step: a wrong factor counts as a failed sign-in of the account
 * (same throttle) and is audited; a right one starts the session, and its use is audited.
 * @param method the factor that was right, or null
 * @throws AppError 401 `auth.invalid_code` for a wrong factor or an admin who may not sign in
 */
export async function finishChallenge(
  ctx: AppContext,
  challenge: OpenChallenge,
  method: { kind: 'totp' | 'webauthn' | 'recovery_code'; factorId: string | null } | null,
  origin: RequestOrigin,
): Promise<{ session: SessionHandle; actor: Actor }> {
  const { actor } = challenge;
  if (!method || !can(actor, 'console.signIn')) {
    await recordFailedAttempt(ctx.db, challenge.subject, loginPolicy(ctx));
    await recordSecurityEvent(ctx.db, actor, {
      action: 'auth.mfa_failed',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { reason: method ? 'no_admin_role' : 'wrong_code' },
    });
    throw new AppError(AuthErrorCodes.invalidCode, 401, 'The code is not correct.');
  }
  await ctx.db.deleteFrom('mfa_challenges').where('id', '=', challenge.id).execute();
  const session = await startSession(ctx, actor, origin, { method: method.kind, mfaEnrolmentRequired: false });
  await transaction(ctx.db, (trx) =>
    recordAudit(trx, actor, {
      action: 'auth.mfa_verify',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { method: method.kind, ...(method.factorId ? { factorId: method.factorId } : {}), sessionId: session.id },
    }),
  );
  return { session, actor };
}

/**
 * Completes a sign-in with the second factor: a TOTP code (6 digits, each usable once) or a
 * recovery code. A wrong code counts as a failed sign-in of the account (same throttle); every
 * use and failure is audited.
 * @param ctx the app
 * @param challengeToken the secret of the challenge cookie set by the sign-in
 * @param code what the admin typed
 * @param origin the caller
 * @returns the new session and the signed-in actor
 * @throws AppError 401 `auth.mfa_challenge_expired`; 429; 401 `auth.invalid_code`
 */
export async function verifyMfa(
  ctx: AppContext,
  challengeToken: string | undefined,
  code: string,
  origin: RequestOrigin,
): Promise<{ session: SessionHandle; actor: Actor }> {
  const challenge = await openChallenge(ctx, challengeToken, origin);
  const { actor } = challenge;
  const typed = code.trim();
  const box = await secretBox(ctx.config);
  const method = await transaction(ctx.db, async (trx) => {
    if (/^\d{6}$/.test(typed)) {
      const factors = await trx
        .selectFrom('mfa_factors')
        .select(['id', 'secret', 'last_used_step'])
        .where('organization_id', '=', actor.organizationId)
        .where('user_id', '=', actor.id)
        .where('kind', '=', 'totp')
        .where('confirmed_at', 'is not', null)
        .forUpdate()
        .execute();
      for (const factor of factors) {
        const opened = openTotpSecret(box, factor, actor);
        const step = opened ? totpStep(opened.secret, typed) : null;
        // A code is good once: a step at or before the last one used is a replay.
        if (opened && step !== null && step > Number(factor.last_used_step ?? -1)) {
          await trx
            .updateTable('mfa_factors')
            .set({
              last_used_step: step,
              last_used_at: sql<Date>`now()`,
              ...(opened.plain
                ? { secret: box.seal(opened.secret, totpContext(actor.organizationId, actor.id, factor.id)) }
                : {}),
            })
            .where('id', '=', factor.id)
            .execute();
          return { kind: 'totp' as const, factorId: factor.id };
        }
      }
      return null;
    }
    const used = await trx
      .updateTable('mfa_recovery_codes')
      .set({ used_at: sql<Date>`now()` })
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('code_hash', '=', hashSecret(normalizeRecoveryCode(typed)))
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return used ? { kind: 'recovery_code' as const, factorId: null } : null;
  });
  return finishChallenge(ctx, challenge, method, origin);
}
