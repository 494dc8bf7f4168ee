import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { IdParams, problems } from '../core/schemas.ts';
import {
  getIdentityProvider,
  removeIdentityProvider,
  setIdentityProvider,
  testIdentityProvider,
} from './identity-providers.service.ts';

const IdentityProviderSchema = z
  .object({
    directoryId: z.uuid(),
    protocol: z.enum(['oidc']),
    issuer: z.string().meta({ description: "The provider's issuer URL; its discovery document is read from it." }),
    clientId: z.string(),
    clientSecretSet: z.boolean().meta({ description: 'A client secret is stored (sealed); it is never shown.' }),
    redirectUri: z.string().meta({ description: 'The redirect URI to register at the identity provider.' }),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'IdentityProvider' });

const IdentityProviderBody = z.strictObject({
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
          description: 'The OpenID Connect provider its admins sign in through (never the client secret).',
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
            'Sets the OpenID Connect provider of a Federated directory (authorization code flow with PKCE). The admins whose e-mail is in its claimed domains then sign in through it. System admins.',
          params: IdParams,
          body: IdentityProviderBody,
          response: { 200: IdentityProviderSchema, ...problems(401, 403, 404, 422, 503) },
        },
      },
      async (request) => setIdentityProvider(ctx, request.actor!, request.params.id, request.body),
    );
    app.delete(
      '/directories/:id/identity-provider',
      {
        schema: {
          tags,
          summary: "Remove a directory's identity provider",
          description: 'Its admins sign in with a password again. System admins.',
          params: IdParams,
          response: { 204: z.null().meta({ description: 'Removed.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await removeIdentityProvider(ctx, request.actor!, request.params.id);
        return reply.status(204).send(null);
      },
    );
    app.post(
      '/directories/:id/identity-provider/test',
      {
        schema: {
          tags,
          summary: "Test a directory's identity provider",
          description: "Reads the provider's discovery document as sign-in does. System admins.",
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
