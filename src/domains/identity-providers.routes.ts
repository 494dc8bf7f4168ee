import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdentityProviderSchema } from '../../shared/api/domains.ts';
import type { AppContext } from '../context.ts';
import { deleteById } from '../core/routes.ts';
import { IdParams, problems } from '../core/schemas.ts';
import {
  getIdentityProvider,
  removeIdentityProvider,
  setIdentityProvider,
  testIdentityProvider,
} from './identity-providers.service.ts';

const OidcBody = z.strictObject({
  protocol: z.literal('oidc').meta({ description: 'OpenID Connect.' }),
  issuer: z.string().trim().min(1).max(500).meta({
    description:
      'Issuer URL, e.g. `https://login.microsoftonline.com/<tenant>/v2.0`, `https://<org>.okta.com`, `https://accounts.google.com`.',
  }),
  clientId: z.string().trim().min(1).max(500),
  clientSecret: z
    .string()
    .min(1)
    .max(2000)
    .optional()
    .meta({ description: 'Required the first time; left out, the stored secret is kept.' }),
});

const SamlBody = z.strictObject({
  protocol: z.literal('saml').meta({ description: 'SAML 2.0.' }),
  metadataUrl: z.string().trim().min(1).max(2000).optional().meta({
    description: "The identity provider's metadata URL (https); read when saved and when tested.",
  }),
  metadataXml: z
    .string()
    .min(1)
    .max(1024 * 1024)
    .optional()
    .meta({ description: "The identity provider's metadata XML, when it has no URL." }),
  entityId: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .meta({ description: "Without metadata: the IdP's entity id." }),
  ssoUrl: z
    .string()
    .trim()
    .min(1)
    .max(2000)
    .optional()
    .meta({ description: 'Without metadata: its single sign-on URL (HTTP-Redirect binding).' }),
  certificate: z
    .string()
    .min(1)
    .max(20_000)
    .optional()
    .meta({ description: 'Without metadata: its signing certificate (PEM or base64).' }),
});

const IdentityProviderBody = z.discriminatedUnion('protocol', [OidcBody, SamlBody]);

/** A Federated directory's identity provider for single sign-on of its admins. */
export function identityProvidersRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Domains'];
    app.get(
      '/directories/:id/identity-provider',
      {
        schema: {
          tags,
          summary: "Get a directory's identity provider",
          description:
            'The OpenID Connect or SAML 2.0 provider its admins sign in through (never the client secret), with what to register there.',
          params: IdParams,
          response: { 200: IdentityProviderSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getIdentityProvider(ctx, request.actor!, request.params.id),
    );
    app.put(
      '/directories/:id/identity-provider',
      {
        schema: {
          tags,
          summary: "Set a directory's identity provider",
          description:
            "Sets the identity provider of a Federated directory: OpenID Connect (issuer, client id and secret; authorization code flow with PKCE) or SAML 2.0 (the provider's metadata URL or XML, or its entity id, single sign-on URL and signing certificate). The admins whose e-mail is in its claimed domains then sign in through it. System admins.",
          params: IdParams,
          body: IdentityProviderBody,
          response: { 200: IdentityProviderSchema, ...problems(401, 403, 404, 422, 503) },
        },
      },
      async (request) => setIdentityProvider(ctx, request.actor!, request.params.id, request.body),
    );
    deleteById(
      app,
      '/directories/:id/identity-provider',
      {
        tags,
        summary: "Remove a directory's identity provider",
        description: 'Its admins sign in with a password again. System admins.',
        done: 'Removed.',
        problems: [401, 403, 404],
      },
      (actor, id) => removeIdentityProvider(ctx, actor, id),
    );
    app.post(
      '/directories/:id/identity-provider/test',
      {
        schema: {
          tags,
          summary: "Test a directory's identity provider",
          description:
            "OpenID Connect: reads the provider's discovery document as sign-in does. SAML: reads its metadata URL again and checks its certificates. System admins.",
          params: IdParams,
          response: {
            200: z.object({ ok: z.boolean(), message: z.string() }),
            ...problems(401, 403, 404),
          },
        },
      },
      async (request) => testIdentityProvider(ctx, request.actor!, request.params.id),
    );
  };
}
