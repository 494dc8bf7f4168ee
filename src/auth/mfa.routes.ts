import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MyMfaSchema } from '../../shared/api/mfa.ts';
import { SessionSchema } from '../../shared/api/session.ts';
import type { AppContext } from '../context.ts';
import { problems } from '../core/schemas.ts';
import { MFA_COOKIE, setSessionCookie } from './cookie.ts';
import {
  confirmTotpEnrolment,
  getMyMfa,
  regenerateRecoveryCodes,
  removeMyFactor,
  startTotpEnrolment,
  verifyMfa,
} from './mfa.service.ts';
import { presentSession } from './session-view.ts';
import {
  confirmPasskeyEnrolment,
  startPasskeyEnrolment,
  startPasskeySignIn,
  verifyPasskeySignIn,
} from './webauthn.service.ts';

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

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url text');

/** What `navigator.credentials.create`/`get` answered, as JSON (WebAuthn Level 3 `toJSON()`). */
function credentialBody<T extends z.ZodRawShape>(response: T) {
  return z.strictObject({
    response: z
      .looseObject({
        id: base64url.min(1),
        rawId: base64url.min(1),
        type: z.literal('public-key'),
        response: z.looseObject({ clientDataJSON: base64url.min(1), ...response }),
        clientExtensionResults: z.looseObject({}),
        authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      })
      .meta({ description: 'The answer of the authenticator, as `PublicKeyCredential.toJSON()` gives it.' }),
  });
}

const RegistrationBody = credentialBody({
  attestationObject: base64url.min(1),
  transports: z.array(z.string()).optional(),
});

const AuthenticationBody = credentialBody({
  authenticatorData: base64url.min(1),
  signature: base64url.min(1),
  userHandle: base64url.optional(),
});

const WebAuthnOptionsSchema = z
  .looseObject({ challenge: z.string() })
  .meta({ id: 'WebAuthnOptions', description: 'Options for `navigator.credentials.create` or `get`, as JSON.' });

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
          response: { 200: SessionSchema, ...problems(400, 401, 429) },
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

    app.post(
      '/auth/mfa/webauthn/authentication/options',
      {
        config: { public: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Start the second factor with a passkey',
          description:
            'For a sign-in that answered `mfaRequired` with `webauthn`: options for `navigator.credentials.get` ' +
            "(the admin's passkeys and a new challenge).",
          security: [],
          response: { 200: WebAuthnOptionsSchema, ...problems(401, 409, 429) },
        },
      },
      async (request) => ({
        ...(await startPasskeySignIn(ctx, request.cookies[MFA_COOKIE], {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        })),
      }),
    );

    app.post(
      '/auth/mfa/webauthn/authentication/verify',
      {
        config: { public: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Give the second factor with a passkey',
          description:
            "Completes the sign-in with the passkey's assertion; answers as sign-in does. A failed assertion " +
            'counts toward the sign-in limits.',
          security: [],
          body: AuthenticationBody,
          response: { 200: SessionSchema, ...problems(400, 401, 429) },
        },
      },
      async (request, reply) => {
        const { session, actor } = await verifyPasskeySignIn(
          ctx,
          request.cookies[MFA_COOKIE],
          request.body.response as unknown as Parameters<typeof verifyPasskeySignIn>[2],
          { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
        );
        reply.clearCookie(MFA_COOKIE, { path: '/api/v1/auth' });
        setSessionCookie(ctx, reply, session.token ?? '');
        return presentSession(ctx, actor, session.csrfToken);
      },
    );

    app.post(
      '/auth/mfa/webauthn/registration/options',
      {
        config: { duringMfaEnrolment: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Start enrolling a passkey',
          description: 'Options for `navigator.credentials.create`; the passkey works once the answer is verified.',
          body: z.strictObject({
            label: z
              .string()
              .trim()
              .min(1)
              .max(100)
              .default('Passkey')
              .meta({ description: 'A name to tell the key apart, e.g. "YubiKey" or "Laptop".' }),
          }),
          response: { 200: WebAuthnOptionsSchema, ...problems(400, 401, 403) },
        },
      },
      async (request) => ({ ...(await startPasskeyEnrolment(ctx, request.actor!, request.body.label)) }),
    );

    app.post(
      '/auth/mfa/webauthn/registration/verify',
      {
        config: { duringMfaEnrolment: true },
        schema: {
          tags: ['Authentication'],
          summary: 'Finish enrolling a passkey',
          description:
            "Verifies the authenticator's answer; an admin without recovery codes gets them now (shown once).",
          body: RegistrationBody,
          response: {
            200: z.object({ factorId: z.uuid(), recoveryCodes: z.array(z.string()) }).meta({ id: 'PasskeyEnrolment' }),
            ...problems(400, 401, 403, 409),
          },
        },
      },
      async (request) =>
        confirmPasskeyEnrolment(
          ctx,
          request.actor!,
          request.session,
          request.body.response as unknown as Parameters<typeof confirmPasskeyEnrolment>[3],
        ),
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
