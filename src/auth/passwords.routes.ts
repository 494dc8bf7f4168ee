import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LIMITS } from '../../shared/contracts.ts';
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from '../../shared/password-policy.ts';
import type { AppContext } from '../context.ts';
import { problems } from '../core/schemas.ts';
import { changePassword, requestPasswordReset, resendInvitation, setPasswordFromLink } from './passwords.service.ts';

/** A new password under the set-up policy. */
const NewPassword = z
  .string()
  .max(LIMITS.passwordMax, `must be at most ${LIMITS.passwordMax} characters`)
  // The policy of every new password (shared/password-policy.ts): length, not blank, not trivial.
  .superRefine((password, check) => {
    const problem = passwordProblem(password);
    if (problem) {
      check.addIssue({ code: 'custom', message: PASSWORD_PROBLEM_MESSAGES[problem] });
    }
  })
  .meta({ description: `The new password, ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters.` });

const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(LIMITS.passwordMax).meta({ description: 'The password used now.' }),
  newPassword: NewPassword,
});

const ResetBody = z.strictObject({
  email: z.string().trim().min(1).max(LIMITS.emailMax).meta({ description: "The administrator's e-mail." }),
});

const ConfirmBody = z.strictObject({
  token: z.string().min(1).max(200).meta({ description: 'The token of the e-mailed link (invitation or reset).' }),
  newPassword: NewPassword,
});

const ConfirmResponse = z
  .object({ email: z.string().meta({ description: 'The e-mail to sign in with.' }) })
  .meta({ id: 'PasswordSet' });

const UserParams = z.object({ id: z.uuid() });

/** The password lifecycle: change, "Forgot password", one-time links, and resending an invitation. */
export function passwordsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/auth/password',
      {
        schema: {
          tags: ['Authentication'],
          summary: 'Change my password',
          description:
            "Changes the signed-in administrator's password: the current one must be right (a wrong one counts " +
            'toward the sign-in limits) and every other session of the administrator ends.',
          body: ChangePasswordBody,
          response: { 204: z.null().meta({ description: 'Changed.' }), ...problems(400, 401, 403, 429) },
        },
      },
      async (request, reply) => {
        await changePassword(ctx, request.actor!, request.session?.id, request.body);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/auth/password-reset',
      {
        config: { public: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Forgot password',
          description:
            'E-mails a one-time link that sets a new password to the administrator accounts of the address. ' +
            'The answer is the same whether or not such an account exists. Limited per source address (429) ' +
            'and per e-mail address.',
          security: [],
          body: ResetBody,
          response: {
            202: z.null().meta({ description: 'A link is on its way if the account exists.' }),
            ...problems(429),
          },
        },
      },
      async (request, reply) => {
        await requestPasswordReset(ctx, request.body.email, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        return reply.status(202).send(null);
      },
    );

    app.post(
      '/auth/password-reset/confirm',
      {
        config: { public: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Set a password from a link',
          description:
            'Sets the password with the token of an invitation or reset link. The link works once, until it ' +
            'expires or a newer one replaces it; every session of the administrator ends. Sign in afterwards.',
          security: [],
          body: ConfirmBody,
          response: { 200: ConfirmResponse, ...problems(400, 429) },
        },
      },
      async (request) =>
        setPasswordFromLink(ctx, request.body, { ip: request.ip, userAgent: request.headers['user-agent'] ?? null }),
    );

    app.post(
      '/users/:id/invitation',
      {
        schema: {
          tags: ['Users'],
          summary: 'Resend invitation',
          description:
            'Queues a new welcome e-mail with a new one-time "set your password" link for an administrator ' +
            'who has not set a password yet; the earlier link stops working.',
          params: UserParams,
          response: { 204: z.null().meta({ description: 'Queued.' }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await resendInvitation(ctx, request.actor!, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
