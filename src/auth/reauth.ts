import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LIMITS } from '../../shared/contracts.ts';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import type { Action } from '../roles/permissions.ts';
import { type Actor, can } from '../roles/policy.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import type { RequestOrigin, SessionHandle } from './auth.service.ts';
import { loginPolicy } from './auth.service.ts';
import { checkAttempt, recordFailedAttempt, recordSuccessfulAttempt } from './rate-limit.ts';
import { verifyPassword } from './secrets.ts';

/**
 * Asks a console session for its administrator's password again before a step that hands out
 * lasting power (a system-admin API token, a SCIM token): a session cookie that leaked, or a
 * console left open, is not enough. Callers with an API token have no password and are not asked.
 * Wrong passwords count against the same throttling as sign-in (scope `reauth`).
 * @param ctx the app
 * @param caller the actor, its console session (null for API tokens) and where it calls from
 * @param password the password sent with the request
 * @param action what the step needs: a caller without it is not asked (the service refuses it)
 * @throws AppError 403 `auth.reauthentication_required` when it is missing or wrong; 429 when throttled
 */
export async function confirmPassword(
  ctx: AppContext,
  caller: { actor: Actor; session: SessionHandle | null; origin: RequestOrigin },
  password: string | undefined,
  action: Action,
): Promise<void> {
  const { actor, session, origin } = caller;
  if (!session || actor.type !== 'user' || !can(actor, action)) {
    return;
  }
  if (!password) {
    throw new AppError(AuthErrorCodes.reauthenticationRequired, 403, 'Enter your password again to do this.', {
      errors: [{ field: 'body.password', message: 'required: your password' }],
    });
  }
  const policy = loginPolicy(ctx);
  const subject = { scope: 'reauth', account: actor.id, address: origin.ip };
  const refusal = await checkAttempt(ctx.db, subject, policy);
  if (refusal) {
    throw new AppError(AuthErrorCodes.rateLimited, 429, 'Too many wrong passwords. Try again later.', {
      extra: { retryAfterSeconds: refusal.retryAfterSeconds },
    });
  }
  const credential = await ctx.db
    .selectFrom('admin_credentials')
    .select('password_hash')
    .where('organization_id', '=', actor.organizationId)
    .where('user_id', '=', actor.id)
    .executeTakeFirst();
  if (!(await verifyPassword(credential?.password_hash, password))) {
    await recordFailedAttempt(ctx.db, subject, policy);
    await recordSecurityEvent(ctx.db, actor, {
      action: 'auth.reauthentication_failed',
      target: { type: 'user', id: actor.id, label: actor.label },
      after: { sessionId: session.id },
    });
    throw new AppError(AuthErrorCodes.reauthenticationRequired, 403, 'The password is not correct.', {
      errors: [{ field: 'body.password', message: 'not correct' }],
    });
  }
  await recordSuccessfulAttempt(ctx.db, subject);
}

/** The body field of a step that asks for the password again. */
export const REAUTH_PASSWORD = z
  .string()
  .max(LIMITS.passwordMax)
  .optional()
  .meta({ description: 'Your password again: required from a console session (not from an API token).' });

/** The caller of a request as {@link confirmPassword} needs it. */
export function callerOf(request: FastifyRequest): {
  actor: Actor;
  session: SessionHandle | null;
  origin: RequestOrigin;
} {
  return {
    actor: request.actor as Actor,
    session: request.session,
    origin: { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
  };
}
