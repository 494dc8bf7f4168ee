import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import type { Actor } from '../roles/policy.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import type { RequestOrigin, SessionHandle } from './auth.service.ts';
import {
  finishChallenge,
  openChallenge,
  RECOVERY_CODE_COUNT,
  replaceRecoveryCodes,
  requireSessionUser,
} from './mfa.service.ts';
import { replacePendingFactor } from './mfa-factors.queries.ts';

/**
 * The relying party: its id is the host name of USHER_PUBLIC_URL, so a passkey made for Usher is
 * offered by the browser only on that host (the authenticator signs a hash of it).
 */
function relyingParty(ctx: AppContext): { id: string; origin: string } {
  const url = new URL(ctx.config.publicUrl);
  return { id: url.hostname, origin: url.origin };
}

/**
 * The origin an answer may come from: the one the browser wrote into the signed client data when
 * its host is the relying party's (another port or scheme of the same host, as behind a proxy or
 * in a local trial), else the public URL's, so any other site fails verification.
 */
function expectedOrigin(ctx: AppContext, clientDataJSON: string): string {
  const rp = relyingParty(ctx);
  try {
    const { origin } = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { origin?: unknown };
    if (typeof origin === 'string' && new URL(origin).hostname === rp.id) {
      return origin;
    }
  } catch {
    // Unreadable client data fails verification below.
  }
  return rp.origin;
}

const invalidCredential = (detail: string) =>
  new AppError(AuthErrorCodes.invalidCode, 400, detail, {
    errors: [{ field: 'body.response', message: 'not a valid answer of the authenticator' }],
  });

/**
 * Starts enrolling a passkey or security key: registration options for `navigator.credentials.create`
 * (no attestation, the admin's passkeys excluded). The challenge waits in an unconfirmed factor
 * row; an earlier unconfirmed one is replaced.
 * @param label the name the admin gives the key
 * @throws AppError 400 for API tokens
 */
export async function startPasskeyEnrolment(
  ctx: AppContext,
  actor: Actor,
  label: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  requireSessionUser(actor);
  return transaction(ctx.db, async (trx) => {
    const existing = await trx
      .selectFrom('mfa_factors')
      .select(['credential_id', 'transports'])
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('kind', '=', 'webauthn')
      .where('confirmed_at', 'is not', null)
      .execute();
    const options = await generateRegistrationOptions({
      rpName: 'Usher',
      rpID: relyingParty(ctx).id,
      userName: actor.label,
      userID: new TextEncoder().encode(actor.id),
      attestationType: 'none',
      excludeCredentials: existing.flatMap((row) =>
        row.credential_id ? [{ id: row.credential_id, transports: transportsOf(row.transports) }] : [],
      ),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    });
    // Not a secret: the challenge the authenticator must sign, kept until it answers.
    await replacePendingFactor(trx, { organizationId: actor.organizationId, userId: actor.id }, 'webauthn', {
      label,
      secret: options.challenge,
    });
    return options;
  });
}

type Transport = NonNullable<RegistrationResponseJSON['response']['transports']>[number];

function transportsOf(stored: string[] | null): Transport[] | undefined {
  return stored ? (stored as Transport[]) : undefined;
}

/**
 * Finishes enrolling a passkey with the authenticator's answer. An admin without recovery codes
 * gets them now (shown once); a session that could only enrol becomes a full one.
 * @returns the new factor's id and the recovery codes (empty when the admin has some already)
 * @throws AppError 409 `auth.mfa_no_enrolment` without a started enrolment; 400
 *   `auth.invalid_code` for an answer that does not verify
 */
export async function confirmPasskeyEnrolment(
  ctx: AppContext,
  actor: Actor,
  session: SessionHandle | null,
  response: RegistrationResponseJSON,
): Promise<{ factorId: string; recoveryCodes: string[] }> {
  requireSessionUser(actor);
  return transaction(ctx.db, async (trx) => {
    const pending = await trx
      .selectFrom('mfa_factors')
      .select(['id', 'secret', 'label'])
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('kind', '=', 'webauthn')
      .where('confirmed_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!pending?.secret) {
      throw new AppError(
        AuthErrorCodes.mfaNoEnrolment,
        409,
        'No passkey enrolment is under way: start one with POST /api/v1/auth/mfa/webauthn/registration/options.',
      );
    }
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: pending.secret,
      expectedOrigin: expectedOrigin(ctx, response.response.clientDataJSON),
      expectedRPID: relyingParty(ctx).id,
      requireUserVerification: false,
    }).catch(() => null);
    if (!verification?.verified) {
      throw invalidCredential('The security key did not answer the enrolment: start it again.');
    }
    const { credential } = verification.registrationInfo;
    const taken = await trx
      .selectFrom('mfa_factors')
      .select('id')
      .where('credential_id', '=', credential.id)
      .executeTakeFirst();
    if (taken) {
      throw new AppError(AuthErrorCodes.mfaAlreadyEnrolled, 409, 'This passkey is enrolled already.');
    }
    await trx
      .updateTable('mfa_factors')
      .set({
        secret: null,
        credential_id: credential.id,
        public_key: credential.publicKey,
        sign_count: credential.counter,
        transports: credential.transports ?? response.response.transports ?? null,
        confirmed_at: sql<Date>`now()`,
      })
      .where('id', '=', pending.id)
      .execute();
    const codesLeft = await trx
      .selectFrom('mfa_recovery_codes')
      .select('id')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    const recoveryCodes = codesLeft ? [] : await replaceRecoveryCodes(trx, actor);
    if (session?.mfaEnrolmentRequired) {
      await trx.updateTable('sessions').set({ mfa_enrolment_required: false }).where('id', '=', session.id).execute();
    }
    await recordAudit(trx, actor, {
      action: 'auth.mfa_enrol',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: {
        factorId: pending.id,
        kind: 'webauthn',
        label: pending.label,
        recoveryCodes: recoveryCodes.length > 0 ? RECOVERY_CODE_COUNT : 0,
      },
    });
    return { factorId: pending.id, recoveryCodes };
  });
}

/**
 * Options for `navigator.credentials.get` for a sign-in waiting for its second factor: the
 * admin's passkeys, and a new challenge kept with the sign-in.
 * @param challengeToken the secret of the challenge cookie set by the sign-in
 * @throws AppError 401 `auth.mfa_challenge_expired`; 429; 409 `auth.mfa_no_factor` without a passkey
 */
export async function startPasskeySignIn(
  ctx: AppContext,
  challengeToken: string | undefined,
  origin: RequestOrigin,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const challenge = await openChallenge(ctx, challengeToken, origin);
  const keys = await ctx.db
    .selectFrom('mfa_factors')
    .select(['credential_id', 'transports'])
    .where('organization_id', '=', challenge.actor.organizationId)
    .where('user_id', '=', challenge.actor.id)
    .where('kind', '=', 'webauthn')
    .where('confirmed_at', 'is not', null)
    .execute();
  if (keys.length === 0) {
    throw new AppError(
      AuthErrorCodes.mfaNoFactor,
      409,
      'No passkey is enrolled: use the authenticator app or a recovery code.',
    );
  }
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(ctx).id,
    allowCredentials: keys.flatMap((key) =>
      key.credential_id ? [{ id: key.credential_id, transports: transportsOf(key.transports) }] : [],
    ),
    userVerification: 'preferred',
  });
  await ctx.db
    .updateTable('mfa_challenges')
    .set({ webauthn_challenge: options.challenge })
    .where('id', '=', challenge.id)
    .execute();
  return options;
}

/**
 * Completes a sign-in with a passkey's assertion, as POST /auth/mfa/verify does with a code. The
 * challenge is spent by any attempt; a failed assertion counts as a failed sign-in.
 * @throws AppError 401 `auth.mfa_challenge_expired`; 429; 401 `auth.invalid_code`
 */
export async function verifyPasskeySignIn(
  ctx: AppContext,
  challengeToken: string | undefined,
  response: AuthenticationResponseJSON,
  origin: RequestOrigin,
): Promise<{ session: SessionHandle; actor: Actor }> {
  const challenge = await openChallenge(ctx, challengeToken, origin);
  const { actor } = challenge;
  const expected = challenge.webauthnChallenge;
  await ctx.db.updateTable('mfa_challenges').set({ webauthn_challenge: null }).where('id', '=', challenge.id).execute();
  const method = expected
    ? await transaction(ctx.db, async (trx) => {
        const key = await trx
          .selectFrom('mfa_factors')
          .select(['id', 'credential_id', 'public_key', 'sign_count', 'transports'])
          .where('organization_id', '=', actor.organizationId)
          .where('user_id', '=', actor.id)
          .where('kind', '=', 'webauthn')
          .where('credential_id', '=', response.id)
          .where('confirmed_at', 'is not', null)
          .forUpdate()
          .executeTakeFirst();
        if (!key?.credential_id || !key.public_key) {
          return null;
        }
        const verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: expected,
          expectedOrigin: expectedOrigin(ctx, response.response.clientDataJSON),
          expectedRPID: relyingParty(ctx).id,
          credential: {
            id: key.credential_id,
            publicKey: new Uint8Array(key.public_key),
            counter: Number(key.sign_count ?? 0),
            transports: transportsOf(key.transports),
          },
          requireUserVerification: false,
        }).catch(() => null);
        if (!verification?.verified) {
          return null;
        }
        await trx
          .updateTable('mfa_factors')
          .set({ sign_count: verification.authenticationInfo.newCounter, last_used_at: sql<Date>`now()` })
          .where('id', '=', key.id)
          .execute();
        return { kind: 'webauthn' as const, factorId: key.id };
      })
    : null;
  return finishChallenge(ctx, challenge, method, origin);
}
