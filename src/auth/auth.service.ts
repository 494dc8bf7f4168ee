import { sql } from 'kysely';
import type { Locale } from '../../shared/contracts.ts';
import { recordAudit, recordSecurityEvent } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { type Executor, transaction } from '../db/database.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { findGrantsByPrincipal } from '../roles/grants.ts';
import { type Actor, can, type Grant } from '../roles/policy.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import { type MfaMethod, mfaStateOf, startMfaChallenge } from './mfa.challenge.ts';
import { type AttemptPolicy, checkAttempt, recordFailedAttempt, recordSuccessfulAttempt } from './rate-limit.ts';
import { hashSecret, randomToken, safeEqual, verifyPassword } from './secrets.ts';
import { deleteSessionById, findSessionByTokenHash, updateSessionLastSeenById } from './sessions.queries.ts';
import { passwordSignInRefused } from './sso.service.ts';

/** Where a request comes from, for rate limits and the audit log. */
export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}

/** A signed-in console session as the HTTP layer needs it. */
export interface SessionHandle {
  id: string;
  /** The secret that goes into the cookie; only its hash is stored. */
  token?: string;
  csrfToken: string;
  /** Started under "require a second factor" by an admin without one: may only enrol one. */
  mfaEnrolmentRequired?: boolean;
}

/** What a right password leads to: a session, or a second factor to give first. */
export type SignInResult =
  | { kind: 'session'; session: SessionHandle; actor: Actor }
  | { kind: 'mfa'; challengeToken: string; methods: MfaMethod[] };

const INVALID_CREDENTIALS = 'The e-mail or password is not correct.';

function actorFor(
  user: { id: string; email: string; organizationId: string },
  grants: Grant[],
  origin: RequestOrigin,
): Actor {
  return {
    type: 'user',
    id: user.id,
    label: user.email,
    organizationId: user.organizationId,
    grants,
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
}

/** The sign-in throttling policy of this installation (see src/auth/rate-limit.ts and the README). */
export function loginPolicy(ctx: AppContext): AttemptPolicy {
  const { login } = ctx.config;
  return {
    freeFailures: login.maxFailures,
    maxPerAddress: login.maxPerAddress,
    windowMinutes: login.windowMinutes,
    accountMaxFailures: login.accountMaxFailures,
    forgetHours: 24,
  };
}

/**
 * Signs an administrator in with e-mail and password. Throttled per address, per (account,
 * address) with growing waits, and per account far above those (src/auth/rate-limit.ts): the
 * owner's usual address is never locked out, and the owner is e-mailed when the account-wide
 * limit is reached. Every failure gets the same generic answer and is audited in each
 * organization the e-mail belongs to.
 * @param ctx the app
 * @param input e-mail, password and, when the e-mail is an admin in several organizations, which one
 * @param origin the caller's address and user agent
 * @returns the new session and the signed-in actor
 * @throws AppError `auth.rate_limited` (429) or `auth.invalid_credentials` (401)
 */
export async function signIn(
  ctx: AppContext,
  input: { email: string; password: string; organizationId?: string | undefined },
  origin: RequestOrigin,
): Promise<SignInResult> {
  const { db } = ctx;
  const email = input.email.trim().toLowerCase();
  const policy = loginPolicy(ctx);
  const subject = { scope: 'login', account: email, address: origin.ip };

  const refusal = await checkAttempt(db, subject, policy);
  const rateLimited = (message: string, retryAfterSeconds: number) =>
    new AppError(AuthErrorCodes.rateLimited, 429, message, { extra: { retryAfterSeconds } });
  if (refusal?.reason === 'address') {
    throw rateLimited('Too many sign-in attempts from this address. Try again later.', refusal.retryAfterSeconds);
  }

  let candidatesQuery = db
    .selectFrom('users')
    .innerJoin('admin_credentials', 'admin_credentials.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.organization_id', 'users.locale', 'admin_credentials.password_hash'])
    .where(sql<string>`lower(users.email)`, '=', email)
    .where('users.status', '=', 'active')
    .orderBy('users.created_at');
  if (input.organizationId) {
    candidatesQuery = candidatesQuery.where('users.organization_id', '=', input.organizationId);
  }
  const candidates = await candidatesQuery.execute();

  if (refusal) {
    for (const candidate of candidates) {
      const user = { id: candidate.id, email: candidate.email, organizationId: candidate.organization_id };
      await recordSecurityEvent(db, actorFor(user, [], origin), {
        action: 'auth.login_blocked',
        target: { type: 'user', id: user.id, label: user.email },
        after: { reason: refusal.reason === 'delay' ? 'too_many_failures' : 'account_limit' },
      });
    }
    throw rateLimited(
      refusal.reason === 'delay'
        ? `Too many failed sign-ins. Wait ${refusal.retryAfterSeconds} seconds before trying again.`
        : 'Too many failed sign-ins for this account. Try again from an address you signed in from before, or later.',
      refusal.retryAfterSeconds,
    );
  }

  let matched: (typeof candidates)[number] | undefined;
  if (candidates.length === 0) {
    await verifyPassword(undefined, input.password);
  }
  for (const candidate of candidates) {
    if (await verifyPassword(candidate.password_hash, input.password)) {
      matched = candidate;
      break;
    }
  }
  const matchedUser = matched && { id: matched.id, email: matched.email, organizationId: matched.organization_id };
  const grants = matchedUser
    ? await findGrantsByPrincipal(db, matchedUser.organizationId, { userId: matchedUser.id })
    : [];
  const actor = matchedUser && actorFor(matchedUser, grants, origin);

  if (!actor || !can(actor, 'console.signIn')) {
    const failed = await recordFailedAttempt(db, subject, policy);
    for (const candidate of candidates) {
      const user = { id: candidate.id, email: candidate.email, organizationId: candidate.organization_id };
      await recordSecurityEvent(db, actorFor(user, [], origin), {
        action: 'auth.login_failed',
        target: { type: 'user', id: user.id, label: user.email },
        after: { reason: matched?.id === user.id ? 'no_admin_role' : 'bad_password' },
      });
    }
    if (failed.accountLimitReached) {
      await warnOwnersOfFailures(ctx, candidates, failed.accountFailures, origin);
    }
    throw new AppError(AuthErrorCodes.invalidCredentials, 401, INVALID_CREDENTIALS);
  }

  if (await passwordSignInRefused(db, actor)) {
    await recordSecurityEvent(db, actor, {
      action: 'auth.login_failed',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { reason: 'sso_required' },
    });
    throw new AppError(
      AuthErrorCodes.ssoRequired,
      403,
      "Your organization signs you in through its identity provider: enter your e-mail on the sign-in page and continue to your organization's sign-in.",
    );
  }

  const mfa = await mfaStateOf(db, actor.organizationId, actor.id);
  if (mfa.methods.length > 0) {
    const challengeToken = await startMfaChallenge(db, actor);
    return { kind: 'mfa', challengeToken, methods: mfa.methods };
  }
  const session = await startSession(ctx, actor, origin, {
    method: 'password',
    mfaEnrolmentRequired: mfa.required,
  });
  return { kind: 'session', session, actor };
}

/**
 * Starts a console session for an admin whose credentials were checked: the session row, the
 * throttle's success (the address becomes a known one), the last sign-in time and `auth.login`.
 * @param ctx the app
 * @param actor the admin
 * @param origin the caller
 * @param options how the admin signed in, and whether the session may only enrol a second factor
 * @returns the session (with the cookie's secret)
 */
export async function startSession(
  ctx: AppContext,
  actor: Actor,
  origin: RequestOrigin,
  options: { method: string; mfaEnrolmentRequired: boolean },
): Promise<SessionHandle> {
  const token = randomToken();
  const csrfToken = randomToken();
  const subject = { scope: 'login', account: actor.label.trim().toLowerCase(), address: origin.ip };
  return transaction(ctx.db, async (trx) => {
    const row = await trx
      .insertInto('sessions')
      .values({
        token_hash: hashSecret(token),
        organization_id: actor.organizationId,
        user_id: actor.id,
        csrf_token: csrfToken,
        last_seen_at: new Date(),
        expires_at: new Date(Date.now() + ctx.config.session.maxHours * 3_600_000),
        source_ip: origin.ip,
        user_agent: origin.userAgent?.slice(0, 512) ?? null,
        mfa_enrolment_required: options.mfaEnrolmentRequired,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordSuccessfulAttempt(trx, subject);
    await trx
      .updateTable('admin_credentials')
      .set({ last_sign_in_at: sql<Date>`now()` })
      .where('user_id', '=', actor.id)
      .execute();
    await recordAudit(trx, actor, {
      action: 'auth.login',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: {
        sessionId: row.id,
        method: options.method,
        ...(options.mfaEnrolmentRequired ? { mfaEnrolmentRequired: true } : {}),
      },
    });
    return { id: row.id, token, csrfToken, mfaEnrolmentRequired: options.mfaEnrolmentRequired };
  });
}

/**
 * Tells each account behind a throttled e-mail, through the outbox, that its sign-in reached the
 * account-wide limit of failures, and audits it.
 */
async function warnOwnersOfFailures(
  ctx: AppContext,
  owners: { id: string; email: string; organization_id: string; locale: Locale | null }[],
  failures: number,
  origin: RequestOrigin,
): Promise<void> {
  for (const owner of owners) {
    await transaction(ctx.db, async (trx) => {
      const organization = await trx
        .selectFrom('organizations')
        .select('default_locale')
        .where('id', '=', owner.organization_id)
        .executeTakeFirstOrThrow();
      const locale = owner.locale ?? organization.default_locale;
      await queueMessages(trx, owner.organization_id, [
        { kind: 'sign_in_throttled', userId: owner.id, to: owner.email, locale, data: { failures } },
      ]);
      const user = { id: owner.id, email: owner.email, organizationId: owner.organization_id };
      await recordAudit(trx, actorFor(user, [], origin), {
        action: 'auth.login_throttled',
        target: { type: 'user', id: owner.id, label: owner.email },
        after: { failures },
      });
    });
  }
}

/**
 * Ends a session and records the sign-out.
 * @param ctx the app
 * @param actor the signed-in admin
 * @param sessionId the session to end
 */
export async function signOut(ctx: AppContext, actor: Actor, sessionId: string): Promise<void> {
  await transaction(ctx.db, async (trx) => {
    await deleteSessionById(trx, sessionId);
    await recordAudit(trx, actor, {
      action: 'auth.logout',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { sessionId },
    });
  });
}

/**
 * Resolves the session cookie to an actor. An idle or expired session, or an admin who lost every
 * admin role or was removed, ends the session.
 * @param ctx the app
 * @param token the cookie's secret
 * @param origin the caller
 * @returns the actor and the session
 * @throws AppError `auth.session_expired` (401)
 */
export async function authenticateSession(
  ctx: AppContext,
  token: string,
  origin: RequestOrigin,
): Promise<{ actor: Actor; session: SessionHandle }> {
  const session = await findSessionByTokenHash(ctx.db, hashSecret(token), ctx.config.session.idleMinutes);
  const expired = () => new AppError(AuthErrorCodes.sessionExpired, 401, 'Your session has ended. Sign in again.');
  if (!session) {
    throw expired();
  }
  const grants =
    session.idleExpired || session.status !== 'active'
      ? []
      : await findGrantsByPrincipal(ctx.db, session.organizationId, { userId: session.userId });
  const actor = actorFor(
    { id: session.userId, email: session.email, organizationId: session.organizationId },
    grants,
    origin,
  );
  if (!can(actor, 'console.signIn')) {
    await deleteSessionById(ctx.db, session.id);
    throw expired();
  }
  if (Date.now() - session.lastSeenAt.getTime() > 60_000) {
    await updateSessionLastSeenById(ctx.db, session.id);
  }
  return {
    actor,
    session: { id: session.id, csrfToken: session.csrfToken, mfaEnrolmentRequired: session.mfaEnrolmentRequired },
  };
}

/**
 * Checks the CSRF token of a cookie-authenticated write.
 * @throws AppError `auth.csrf_failed` (403); the caller audits it
 */
export function checkCsrf(session: SessionHandle, header: string | undefined): void {
  if (!header || !safeEqual(header, session.csrfToken)) {
    throw new AppError(
      AuthErrorCodes.csrfFailed,
      403,
      'Missing or wrong X-CSRF-Token header: send the csrfToken returned at sign-in.',
    );
  }
}

/**
 * Resolves a bearer token to an actor carrying the token's role. Using a revoked token is
 * audited in the token's organization. SCIM tokens (Settings → SCIM) work only under /scim/v2.
 * @param purpose `api` for /api/v1 (refuses SCIM tokens), `scim` for /scim/v2 (takes both kinds)
 * @throws AppError `auth.invalid_token` or `auth.token_revoked` (401)
 */
export async function authenticateApiToken(
  ctx: AppContext,
  token: string,
  origin: RequestOrigin,
  purpose: 'api' | 'scim' = 'api',
): Promise<Actor> {
  const row = await ctx.db
    .selectFrom('api_tokens')
    .select(['id', 'organization_id', 'name', 'revoked_at', 'last_used_at', 'kind'])
    .where('token_hash', '=', hashSecret(token))
    .executeTakeFirst();
  if (!row) {
    throw new AppError(AuthErrorCodes.invalidToken, 401, 'The API token is not valid.');
  }
  const grants = row.revoked_at ? [] : await findGrantsByPrincipal(ctx.db, row.organization_id, { apiTokenId: row.id });
  const actor: Actor = {
    type: 'api_token',
    id: row.id,
    label: row.name,
    organizationId: row.organization_id,
    grants,
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
  if (row.revoked_at) {
    await recordSecurityEvent(ctx.db, actor, {
      action: 'auth.token_rejected',
      target: { type: 'api_token', id: row.id, label: row.name },
      after: { reason: 'revoked' },
    });
    throw new AppError(AuthErrorCodes.tokenRevoked, 401, 'The API token has been revoked.');
  }
  if (purpose === 'api' && row.kind === 'scim') {
    throw new AppError(AuthErrorCodes.invalidToken, 401, 'This is a SCIM token: it works only under /scim/v2.');
  }
  if (row.kind === 'umapi') {
    // An integration's client secret is exchanged at /ims/token/v2 for an access token; it is
    // never a bearer token itself.
    throw new AppError(
      AuthErrorCodes.invalidToken,
      401,
      'This is the client secret of an integration: exchange it at /ims/token/v2 for an access token.',
    );
  }
  if (purpose === 'scim') {
    // What a token provisions over SCIM is managed by that connection.
    actor.source = { type: 'scim', id: row.id };
  }
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await ctx.db.updateTable('api_tokens').set({ last_used_at: sql<Date>`now()` }).where('id', '=', row.id).execute();
  }
  return actor;
}

/**
 * Ends the console sessions of those among `userIds` who hold no admin role any more (their last
 * role was just revoked), in the transaction of the revocation.
 * @returns how many sessions ended
 */
export async function deleteSessionsOfFormerAdmins(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<number> {
  if (userIds.length === 0) {
    return 0;
  }
  const result = await db
    .deleteFrom('sessions')
    .where('sessions.organization_id', '=', organizationId)
    .where('sessions.user_id', 'in', [...new Set(userIds)])
    .where(({ exists, not, selectFrom }) =>
      not(
        exists(
          selectFrom('admin_role_assignments')
            .select('admin_role_assignments.user_id')
            .whereRef('admin_role_assignments.organization_id', '=', 'sessions.organization_id')
            .whereRef('admin_role_assignments.user_id', '=', 'sessions.user_id'),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
