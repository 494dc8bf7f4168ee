import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { problems } from '../http/schemas.ts';
import { MFA_COOKIE, setSessionCookie } from './cookie.ts';
import {
  confirmTotpEnrolment,
  getMyMfa,
  regenerateRecoveryCodes,
  removeMyFactor,
  startTotpEnrolment,
  verifyMfa,
} from './mfa.service.ts';
import { presentSession, SessionViewSchema } from './session-view.ts';

const CodeBody = z.strictObject({
  code: z
    .string()
    .trim()
    .min(6)
    .max(32)
    .meta({ description: 'A 6-digit code of the authenticator app, or a recovery code (`xxxxx-xxxxx`).' }),
});

const RecoveryCodesSchema = z
  .object({
    recoveryCodes: z
      .array(z.string())
      .meta({ description: 'One-time codes for when the authenticator is not at hand; shown only now.' }),
  })
  .meta({ id: 'RecoveryCodes' });

const MyMfaSchema = z
  .object({
    factors: z.array(
      z.object({
        id: z.uuid(),
        kind: z.enum(['totp', 'webauthn']),
        label: z.string(),
        createdAt: z.iso.datetime(),
        lastUsedAt: z.iso.datetime().nullable(),
      }),
    ),
    recoveryCodesLeft: z.number().int().meta({ description: 'Unused recovery codes.' }),
    required: z.boolean().meta({ description: 'The organization requires a second factor.' }),
  })
  .meta({ id: 'MyMfa' });

/** Second factor: verifying it at sign-in, and the admin's own enrolment and removal. */
export function mfaRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/auth/mfa/verify',
      {
        config: { public: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Give the second factor',
          description:
            'Completes a sign-in that answered `mfaRequired` (its short-lived cookie identifies it) with a code of ' +
            'the authenticator app or a recovery code; answers as sign-in does. Each code works once; a wrong ' +
            'code counts toward the sign-in limits.',
          security: [],
          body: CodeBody,
          response: { 200: SessionViewSchema, ...problems(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const { session, actor } = await verifyMfa(ctx, request.cookies[MFA_COOKIE], request.body.code, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        reply.clearCookie(MFA_COOKIE, { path: '/api/v1/auth' });
        setSessionCookie(ctx, reply, session.token ?? '');
        return presentSession(ctx, actor, session.csrfToken);
      },
    );

    app.get(
      '/auth/mfa',
      {
        config: { duringMfaEnrolment: true },
        schema: {
          tags: ['Authentication'],
          summary: 'My second factors',
          description: "The signed-in admin's second factors, recovery codes left, and whether they are required.",
          response: { 200: MyMfaSchema, ...problems(400, 401, 403) },
        },
      },
      async (request) => getMyMfa(ctx, request.actor!),
    );

    app.post(
      '/auth/mfa/totp',
      {
        config: { duringMfaEnrolment: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Start enrolling an authenticator app',
          description:
            'A new TOTP secret (RFC 6238: SHA-1, 6 digits, 30 s) and its `otpauth://` URL for a QR code; it works ' +
            'once confirmed with a code.',
          response: {
            200: z.object({ secret: z.string(), otpauthUrl: z.string() }).meta({ id: 'TotpEnrolment' }),
            ...problems(400, 401, 403, 409),
          },
        },
      },
      async (request) => startTotpEnrolment(ctx, request.actor!),
    );

    app.post(
      '/auth/mfa/totp/confirm',
      {
        config: { duringMfaEnrolment: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Confirm the authenticator app',
          description: 'Confirms the enrolment with a current code and answers new recovery codes (shown once).',
          body: CodeBody,
          response: { 200: RecoveryCodesSchema, ...problems(400, 401, 403, 409) },
        },
      },
      async (request) => confirmTotpEnrolment(ctx, request.actor!, request.session, request.body.code),
    );

    app.post(
      '/auth/mfa/recovery-codes',
      {
        schema: {
          tags: ['Authentication'],
          summary: 'New recovery codes',
          description: 'Replaces the recovery codes; the earlier ones stop working.',
          response: { 200: RecoveryCodesSchema, ...problems(400, 401, 403, 409) },
        },
      },
      async (request) => regenerateRecoveryCodes(ctx, request.actor!),
    );

    app.delete(
      '/auth/mfa/factors/:id',
      {
        schema: {
          tags: ['Authentication'],
          summary: 'Remove a second factor',
          description: 'Removes one of my factors; with the last one, the recovery codes go too.',
          params: z.object({ id: z.uuid() }),
          response: { 204: z.null().meta({ description: 'Removed.' }), ...problems(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await removeMyFactor(ctx, request.actor!, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
