import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LIMITS } from '../../shared/contracts.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { problems } from '../core/schemas.ts';
import type { RequestOrigin, SessionHandle } from './auth.service.ts';
import { setSessionCookie } from './cookie.ts';
import { refusalPage } from './refusal-page.ts';
import { completeSamlSignIn, samlServiceProviderMetadata, startSamlSignIn } from './saml.service.ts';
import { completeOidcSignIn, federatedDirectoryOf, SSO_REQUEST_MINUTES, startOidcSignIn } from './sso.service.ts';

/** The cookie that binds a sign-in sent to the identity provider to this browser. */
export const SSO_COOKIE = 'usher_sso';
const SSO_COOKIE_PATH = '/api/v1/auth/sso';

const DiscoverBody = z.strictObject({
  email: z.string().trim().min(1).max(LIMITS.emailMax).meta({ description: "The administrator's e-mail." }),
});

const DiscoverAnswer = z
  .object({
    method: z.enum(['password', 'sso']).meta({
      description: '`sso`: the e-mail belongs to a Federated directory with an identity provider; go to `startUrl`.',
    }),
    protocol: z.enum(['oidc', 'saml']).optional(),
    startUrl: z.string().optional(),
  })
  .meta({ id: 'SignInMethod' });

/** Single sign-on through a Federated directory's identity provider. */
export function ssoRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Authentication'];
    const secure = ctx.config.publicUrl.startsWith('https://');

    /**
     * Ends a return from the identity provider, OpenID Connect or SAML alike: the session cookie and
     * the console, or a page in the browser's language saying why the sign-in was refused.
     */
    const finishSignIn = async (
      request: FastifyRequest,
      reply: FastifyReply,
      status: 302 | 303,
      signIn: (origin: RequestOrigin) => Promise<{ session: SessionHandle }>,
    ) => {
      try {
        const { session } = await signIn({ ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
        setSessionCookie(ctx, reply, session.token ?? '');
        return reply.redirect('/', status);
      } catch (error) {
        if (error instanceof AppError) {
          return reply
            .status(error.status)
            .type('text/html; charset=utf-8')
            .send(refusalPage(error.code, error.message, request.headers['accept-language']));
        }
        throw error;
      }
    };

    app.post(
      '/auth/sso/discover',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'How an e-mail signs in',
          description:
            'The e-mail-first sign-in page asks this: an e-mail whose domain a Federated directory with an identity provider claims signs in there (`startUrl`); any other e-mail with a password. Says nothing about whether the account exists.',
          security: [],
          body: DiscoverBody,
          response: { 200: DiscoverAnswer, ...problems() },
        },
      },
      async (request) => {
        const directory = await federatedDirectoryOf(ctx.db, request.body.email);
        if (!directory) {
          return { method: 'password' as const };
        }
        return {
          method: 'sso' as const,
          protocol: directory.protocol,
          startUrl: `/api/v1/auth/sso/start?email=${encodeURIComponent(request.body.email.trim())}`,
        };
      },
    );

    app.get(
      '/auth/sso/start',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Go to the identity provider',
          description:
            "Redirects the browser to the identity provider of the e-mail's Federated directory: OpenID Connect (authorization code flow with PKCE, state and nonce, bound to this browser with a short-lived cookie) or SAML 2.0 (an AuthnRequest with the HTTP-Redirect binding, whose id the answer must name).",
          security: [],
          querystring: z.object({ email: z.string().trim().min(1).max(LIMITS.emailMax) }),
        },
      },
      async (request, reply) => {
        try {
          const directory = await federatedDirectoryOf(ctx.db, request.query.email);
          if (directory?.protocol === 'saml') {
            const { url } = await startSamlSignIn(ctx, request.query.email);
            return reply.redirect(url, 302);
          }
          const { url, state } = await startOidcSignIn(ctx, request.query.email);
          reply.setCookie(SSO_COOKIE, state, {
            path: SSO_COOKIE_PATH,
            httpOnly: true,
            sameSite: 'lax',
            secure,
            maxAge: SSO_REQUEST_MINUTES * 60,
          });
          return reply.redirect(url, 302);
        } catch (error) {
          if (error instanceof AppError && error.status < 500) {
            return reply
              .status(error.status)
              .type('text/html; charset=utf-8')
              .send(refusalPage(error.code, error.message, request.headers['accept-language']));
          }
          throw error;
        }
      },
    );

    app.get(
      '/auth/sso/oidc/callback',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'Back from the identity provider (OpenID Connect)',
          description:
            "The redirect URI to register at the identity provider. Checks the state against this browser, exchanges the code with the PKCE verifier, verifies the ID token (signature, issuer, audience, expiry, nonce) and starts a session for the existing admin of that e-mail in the directory's organization; nobody is created. Answers a page saying why when refused.",
          security: [],
        },
      },
      async (request, reply) => {
        const browserState = request.cookies[SSO_COOKIE];
        reply.clearCookie(SSO_COOKIE, { path: SSO_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure });
        return finishSignIn(request, reply, 302, (origin) =>
          completeOidcSignIn(ctx, new URL(request.url, ctx.config.publicUrl), browserState, origin),
        );
      },
    );

    app.get(
      '/auth/saml/:directoryId/metadata',
      {
        config: { public: true },
        schema: {
          tags,
          summary: 'SAML service provider metadata',
          description:
            "Usher's SAML 2.0 metadata for a Federated directory, to give its identity provider: the entity id (this URL, the audience of assertions) and the Assertion Consumer Service (HTTP-POST binding). Public, like any SP metadata.",
          security: [],
          params: z.object({ directoryId: z.uuid() }),
        },
      },
      async (request, reply) => {
        const xml = await samlServiceProviderMetadata(ctx, request.params.directoryId);
        return reply.type('application/samlmetadata+xml; charset=utf-8').send(xml);
      },
    );

    await app.register(async (acs) => {
      acs.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string', bodyLimit: 1024 * 1024 },
        (_request, body, done) => {
          done(null, Object.fromEntries(new URLSearchParams(String(body))));
        },
      );
      acs.post(
        '/auth/saml/:directoryId/acs',
        {
          config: { public: true },
          schema: {
            tags,
            summary: 'Back from the identity provider (SAML Assertion Consumer Service)',
            description:
              "The ACS URL to register at the identity provider (HTTP-POST binding). The response or its assertion must be signed with the provider's certificate; issuer, audience, recipient, destination and validity times are checked, InResponseTo must name a sign-in Usher started for this directory (each works once) and an assertion is accepted once. Starts a session for the existing admin of that e-mail in the directory's organization; nobody is created. Answers a page saying why when refused.",
            security: [],
            params: z.object({ directoryId: z.uuid() }),
            consumes: ['application/x-www-form-urlencoded'],
          },
        },
        async (request, reply) => {
          const body = (request.body ?? {}) as { SAMLResponse?: string };
          const { directoryId } = request.params as { directoryId: string };
          return finishSignIn(request, reply, 303, (origin) => completeSamlSignIn(ctx, directoryId, body, origin));
        },
      );
    });
  };
}
