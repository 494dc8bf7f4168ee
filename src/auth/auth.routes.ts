import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MfaRequiredSchema, SessionSchema } from '../../shared/api/session.ts';
import { LIMITS, LOCALES } from '../../shared/contracts.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { problems } from '../core/schemas.ts';
import { transaction } from '../db/database.ts';
import { authorize } from '../roles/policy.ts';
import { setOwnLocale } from '../users/users.update.ts';
import { signIn, signOut } from './auth.service.ts';
import { clearSessionCookie, setMfaCookie, setSessionCookie } from './cookie.ts';
import { MFA_CHALLENGE_MINUTES } from './mfa.challenge.ts';
import { presentSession } from './session-view.ts';

const LoginBody = z.strictObject({
  email: z.string().trim().min(1).max(LIMITS.emailMax).meta({ description: "The administrator's e-mail." }),
  password: z.string().min(1).max(LIMITS.passwordMax).meta({ description: 'The password.' }),
  organizationId: z
    .uuid()
    .optional()
    .meta({ description: 'Only when the same e-mail is an administrator in several organizations.' }),
});

const MeBody = z.strictObject({
  locale: z.enum(LOCALES).nullable().meta({ description: 'Console language; null follows the organization default.' }),
});

/** Sign-in, sign-out, the current session, and the admin's own preferences. */
export function authRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/auth/login',
      {
        config: { public: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Sign in',
          description:
            'Starts a console session (HttpOnly cookie) for an administrator. Rate-limited per address and per ' +
            'account; every failure answers the same 401. The response carries the CSRF token for later writes. ' +
            'An administrator with a second factor gets `{"mfaRequired":true,"methods":[…]}` and no session yet: ' +
            'POST /api/v1/auth/mfa/verify completes the sign-in.',
          security: [],
          body: LoginBody,
          response: { 200: z.union([SessionSchema, MfaRequiredSchema]), ...problems(401, 403, 429) },
        },
      },
      async (request, reply) => {
        const result = await signIn(ctx, request.body, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (result.kind === 'mfa') {
          setMfaCookie(ctx, reply, result.challengeToken, MFA_CHALLENGE_MINUTES * 60);
          return { mfaRequired: true as const, methods: result.methods };
        }
        setSessionCookie(ctx, reply, result.session.token ?? '');
        return presentSession(ctx, result.actor, result.session.csrfToken, result.session.mfaEnrolmentRequired);
      },
    );

    app.post(
      '/auth/logout',
      {
        schema: {
          tags: ['Authentication'],
          summary: 'Sign out',
          description: 'Ends the console session and clears its cookie.',
          response: { 204: z.null().meta({ description: 'Signed out.' }), ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        const actor = request.actor!;
        if (!request.session) {
          throw new AppError(
            'auth.no_session',
            400,
            'Sign-out ends a console session; API tokens are revoked instead.',
          );
        }
        await signOut(ctx, actor, request.session.id);
        clearSessionCookie(ctx, reply);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/auth/session',
      {
        schema: {
          tags: ['Authentication'],
          summary: 'Current session',
          description: 'Who is signed in (or which token is calling), the organization, roles and abilities.',
          response: { 200: SessionSchema, ...problems(401) },
        },
      },
      async (request) =>
        presentSession(
          ctx,
          request.actor!,
          request.session?.csrfToken ?? null,
          request.session?.mfaEnrolmentRequired ?? false,
        ),
    );

    app.patch(
      '/me',
      {
        schema: {
          tags: ['Authentication'],
          summary: 'Update my preferences',
          description: "Sets the signed-in administrator's console language, remembered across sessions.",
          body: MeBody,
          response: { 200: SessionSchema, ...problems(401, 403) },
        },
      },
      async (request) => {
        const actor = request.actor!;
        authorize(actor, 'self.update');
        if (actor.type !== 'user') {
          throw new AppError('auth.not_a_user', 400, 'Preferences belong to administrators, not API tokens.');
        }
        await transaction(ctx.db, (trx) => setOwnLocale(trx, actor, request.body.locale));
        return presentSession(
          ctx,
          actor,
          request.session?.csrfToken ?? null,
          request.session?.mfaEnrolmentRequired ?? false,
        );
      },
    );
  };
}
