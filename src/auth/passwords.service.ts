import { sql } from 'kysely';
import type { Locale } from '../../shared/contracts.ts';
import { recordAudit, recordSecurityEvent } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { findAdminRolesByUserIds, findGrantsByPrincipal } from '../roles/grants.ts';
import { type Actor, authorize, can } from '../roles/policy.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import { loginPolicy, type RequestOrigin } from './auth.service.ts';
import { attachInvitations, RESET_TTL_MINUTES } from './invitations.ts';
import {
  findLivePasswordTokenByHash,
  replacePasswordTokens,
  spendPasswordTokensByUserId,
} from './password-tokens.queries.ts';
import { checkAttempt, hitRateLimit, recordFailedAttempt } from './rate-limit.ts';
import { hashPassword, hashSecret, randomToken, verifyPassword } from './secrets.ts';
import { deleteSessionsByUserId } from './sessions.queries.ts';

/** "Forgot password" requests per e-mail address in the sign-in window; more are dropped silently. */
export const RESET_REQUESTS_PER_ACCOUNT = 5;

function rateLimited(ctx: AppContext): AppError {
  return new AppError(AuthErrorCodes.rateLimited, 429, 'Too many attempts. Try again later.', {
    extra: { retryAfterSeconds: ctx.config.login.windowMinutes * 60 },
  });
}

function userActor(user: { id: string; email: string; organizationId: string }, origin: RequestOrigin): Actor {
  return {
    type: 'user',
    id: user.id,
    label: user.email,
    organizationId: user.organizationId,
    grants: [],
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
}

/**
 * Changes the signed-in admin's own password: the current one must be right (a wrong one counts
 * as a failed sign-in of the account), the new one follows the set-up policy (checked by the
 * route), and every other session of the admin ends.
 * @param ctx the app
 * @param actor the signed-in admin
 * @param sessionId the session that stays signed in
 * @param input the current and the new password
 * @returns how many other sessions ended
 * @throws AppError 400 `auth.no_session` for API tokens; 429; 400 `auth.wrong_password`;
 *   400 `auth.password_unchanged`
 */
export async function changePassword(
  ctx: AppContext,
  actor: Actor,
  sessionId: string | undefined,
  input: { currentPassword: string; newPassword: string },
): Promise<{ sessionsEnded: number }> {
  authorize(actor, 'self.update');
  if (actor.type !== 'user' || !sessionId) {
    throw new AppError(
      AuthErrorCodes.noSession,
      400,
      'A password belongs to an administrator signed in to the console.',
    );
  }
  // A wrong current password is a failed sign-in of the account (the same throttle as sign-in).
  const subject = { scope: 'login', account: actor.label.toLowerCase(), address: actor.sourceIp ?? 'unknown' };
  const policy = loginPolicy(ctx);
  const refusal = await checkAttempt(ctx.db, subject, policy);
  if (refusal) {
    throw new AppError(AuthErrorCodes.rateLimited, 429, 'Too many attempts. Try again later.', {
      extra: { retryAfterSeconds: refusal.retryAfterSeconds },
    });
  }
  const credentials = await ctx.db
    .selectFrom('admin_credentials')
    .select('password_hash')
    .where('organization_id', '=', actor.organizationId)
    .where('user_id', '=', actor.id)
    .executeTakeFirst();
  if (!(await verifyPassword(credentials?.password_hash, input.currentPassword))) {
    await recordFailedAttempt(ctx.db, subject, policy);
    await recordSecurityEvent(ctx.db, actor, {
      action: 'auth.password_change_failed',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { reason: 'wrong_current_password' },
    });
    throw new AppError(AuthErrorCodes.wrongPassword, 400, 'The current password is not correct.', {
      errors: [{ field: 'body.currentPassword', message: 'not your current password' }],
    });
  }
  if (input.newPassword === input.currentPassword) {
    throw new AppError(
      AuthErrorCodes.passwordUnchanged,
      400,
      'Choose a new password that differs from the current one.',
      {
        errors: [{ field: 'body.newPassword', message: 'the same as the current password' }],
      },
    );
  }
  const passwordHash = await hashPassword(input.newPassword);
  return transaction(ctx.db, async (trx) => {
    await trx
      .updateTable('admin_credentials')
      .set({ password_hash: passwordHash, password_changed_at: sql<Date>`now()` })
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', actor.id)
      .execute();
    const sessionsEnded = await deleteSessionsByUserId(trx, actor.organizationId, actor.id, sessionId);
    await spendPasswordTokensByUserId(trx, actor.organizationId, actor.id);
    await recordAudit(trx, actor, {
      action: 'auth.password_change',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { otherSessionsEnded: sessionsEnded },
    });
    return { sessionsEnded };
  });
}

/**
 * "Forgot password": e-mails a one-time reset link to every administrator account of the address
 * (one per organization). The caller answers the same whether or not any account exists; requests
 * are limited per source address (429) and per e-mail address (further ones are dropped).
 * @param ctx the app
 * @param emailInput the e-mail typed on the sign-in page
 * @param origin the caller
 * @throws AppError 429 `auth.rate_limited` when the address asked too often
 */
export async function requestPasswordReset(ctx: AppContext, emailInput: string, origin: RequestOrigin): Promise<void> {
  const email = emailInput.trim().toLowerCase();
  const window = ctx.config.login.windowMinutes;
  if ((await hitRateLimit(ctx.db, `reset:address:${origin.ip}`, window)) > ctx.config.login.maxPerAddress) {
    throw rateLimited(ctx);
  }
  if ((await hitRateLimit(ctx.db, `reset:account:${email}`, window)) > RESET_REQUESTS_PER_ACCOUNT) {
    return;
  }
  const accounts = await ctx.db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.organization_id')
    .select(['users.id', 'users.email', 'users.organization_id', 'users.locale', 'organizations.default_locale'])
    .where(sql<string>`lower(users.email)`, '=', email)
    .where('users.status', '=', 'active')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('admin_role_assignments')
          .select('admin_role_assignments.user_id')
          .whereRef('admin_role_assignments.organization_id', '=', 'users.organization_id')
          .whereRef('admin_role_assignments.user_id', '=', 'users.id'),
      ),
    )
    .execute();
  for (const account of accounts) {
    const user = { id: account.id, email: account.email, organizationId: account.organization_id };
    const grants = await findGrantsByPrincipal(ctx.db, user.organizationId, { userId: user.id });
    if (!can({ ...userActor(user, origin), grants }, 'console.signIn')) {
      continue;
    }
    const token = randomToken();
    const expiresAt = new Date(Date.now() + RESET_TTL_MINUTES * 60_000);
    await transaction(ctx.db, async (trx) => {
      await replacePasswordTokens(trx, [
        {
          organization_id: user.organizationId,
          user_id: user.id,
          purpose: 'reset',
          token_hash: hashSecret(token),
          expires_at: expiresAt,
        },
      ]);
      await queueMessages(trx, user.organizationId, [
        {
          kind: 'password_reset',
          userId: user.id,
          to: user.email,
          locale: (account.locale ?? account.default_locale) as Locale,
          data: { token, expiresAt: expiresAt.toISOString() },
        },
      ]);
      await recordAudit(trx, userActor(user, origin), {
        action: 'auth.password_reset_request',
        target: { type: 'user', id: user.id, label: user.email },
        after: { expiresAt: expiresAt.toISOString() },
      });
    });
  }
}

/**
 * Sets a password from a one-time link (an invitation or a reset): the link is spent, with every
 * other unused link of the admin, and every session of the admin ends. The admin then signs in.
 * @param ctx the app
 * @param input the link's token and the new password (policy checked by the route)
 * @param origin the caller
 * @returns the e-mail of the account, to sign in with
 * @throws AppError 429; 400 `auth.invalid_link` for an unknown, used or expired link, or an
 *   account that is no administrator any more
 */
export async function setPasswordFromLink(
  ctx: AppContext,
  input: { token: string; newPassword: string },
  origin: RequestOrigin,
): Promise<{ email: string }> {
  const window = ctx.config.login.windowMinutes;
  if ((await hitRateLimit(ctx.db, `reset:confirm:${origin.ip}`, window)) > ctx.config.login.maxPerAddress) {
    throw rateLimited(ctx);
  }
  const passwordHash = await hashPassword(input.newPassword);
  const result = await transaction(ctx.db, async (trx) => {
    const link = await findLivePasswordTokenByHash(trx, hashSecret(input.token));
    if (!link) {
      return undefined;
    }
    const user = { id: link.userId, email: link.email, organizationId: link.organizationId };
    const grants = await findGrantsByPrincipal(trx, link.organizationId, { userId: link.userId });
    const actor = { ...userActor(user, origin), grants };
    if (!can(actor, 'console.signIn')) {
      return undefined;
    }
    await trx
      .insertInto('admin_credentials')
      .values({ user_id: link.userId, organization_id: link.organizationId, password_hash: passwordHash })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ password_hash: passwordHash, password_changed_at: sql<Date>`now()` }),
      )
      .execute();
    await spendPasswordTokensByUserId(trx, link.organizationId, link.userId);
    const sessionsEnded = await deleteSessionsByUserId(trx, link.organizationId, link.userId, null);
    await recordAudit(trx, actor, {
      action: link.purpose === 'invitation' ? 'auth.password_set' : 'auth.password_reset',
      target: { type: 'user', id: link.userId, label: link.email },
      after: { via: link.purpose, firstPassword: !link.hasPassword, sessionsEnded },
    });
    return { email: link.email };
  });
  if (!result) {
    throw new AppError(
      AuthErrorCodes.invalidLink,
      400,
      'This link is not valid: it was used already, has expired or was replaced by a newer one. Ask for a new link.',
      { errors: [{ field: 'body.token', message: 'unknown, used or expired link' }] },
    );
  }
  return result;
}

/**
 * "Resend invitation": a new welcome e-mail naming the admin roles a user holds, with a new
 * "set your password" link (the earlier link stops working).
 * @param ctx the app
 * @param actor who resends
 * @param userId the admin who has not set a password yet
 * @throws AppError 403 without `adminRole.assign`; 404; 409 `auth.not_an_admin` or
 *   `auth.invitation_not_needed` (the admin has a password: "Forgot password" is theirs to use)
 */
export async function resendInvitation(ctx: AppContext, actor: Actor, userId: string): Promise<void> {
  authorize(actor, 'adminRole.assign');
  await transaction(ctx.db, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .innerJoin('organizations', 'organizations.id', 'users.organization_id')
      .leftJoin('admin_credentials', 'admin_credentials.user_id', 'users.id')
      .select([
        'users.id',
        'users.email',
        'users.status',
        'users.locale',
        'organizations.default_locale',
        'admin_credentials.user_id as credential_user_id',
      ])
      .where('users.organization_id', '=', actor.organizationId)
      .where('users.id', '=', userId)
      .executeTakeFirst();
    if (!user) {
      throw new AppError('request.not_found', 404, 'User not found.');
    }
    const roles = (await findAdminRolesByUserIds(trx, actor.organizationId, [userId])).get(userId) ?? [];
    if (roles.length === 0 || user.status !== 'active') {
      throw new AppError(AuthErrorCodes.notAnAdmin, 409, `${user.email} holds no admin role.`);
    }
    if (user.credential_user_id !== null) {
      throw new AppError(
        AuthErrorCodes.invitationNotNeeded,
        409,
        `${user.email} has set a password already; "Forgot password" on the sign-in page sends a new one.`,
      );
    }
    await queueMessages(trx, actor.organizationId, [
      {
        kind: 'welcome',
        userId,
        to: user.email,
        locale: user.locale ?? user.default_locale,
        data: {
          adminRoles: roles.map((role) => ({ role: role.role, ...(role.scope ? { scope: role.scope } : {}) })),
        },
      },
    ]);
    await attachInvitations(trx, actor.organizationId, [userId]);
    await recordAudit(trx, actor, {
      action: 'admin.invitation_resend',
      target: { type: 'user', id: userId, label: user.email },
      after: { roles: roles.map((role) => role.role) },
    });
  });
}
