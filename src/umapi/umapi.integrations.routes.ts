import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LIMITS } from '../../shared/contracts.ts';
import { ADMIN_ROLES } from '../../shared/roles.ts';
import { callerOf, confirmPassword, REAUTH_PASSWORD } from '../auth/reauth.ts';
import type { AppContext } from '../context.ts';
import { IdParams, problems } from '../core/schemas.ts';
import {
  createIntegration,
  getIntegrationSettings,
  revokeIntegration,
  rotateIntegrationSecret,
} from './umapi.integrations.ts';

const IntegrationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    clientId: z.string().meta({ description: 'The OAuth client id (`client_id`, also sent as `x-api-key`).' }),
    secretPrefix: z.string().meta({ description: 'The first characters of the client secret, to recognise it.' }),
    role: z.enum(ADMIN_ROLES),
    scope: z.array(z.uuid()).meta({ description: 'Product, profile or group ids of a scoped role.' }),
    createdAt: z.iso.datetime(),
    createdBy: z.string().nullable().meta({ description: 'E-mail of the admin who created it.' }),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'When a client last got an access token.' }),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Integration' });

const IntegrationSettingsSchema = z
  .object({
    orgId: z.string().meta({ description: "The organization id for the clients' `org_id`." }),
    host: z.string().meta({ description: 'Host (and port) of the token endpoint and the API.' }),
    tokenEndpoint: z.string(),
    apiEndpoint: z.string(),
    https: z.boolean().meta({ description: "Whether USHER_PUBLIC_URL is https; Adobe's clients need it." }),
    integrations: z.array(IntegrationSchema),
  })
  .meta({ id: 'IntegrationSettings' });

const CreateIntegrationBody = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.tokenNameMax).meta({ description: 'What uses it, e.g. "User Sync Tool".' }),
  role: z.enum(ADMIN_ROLES).meta({ description: 'The one admin role the integration acts with.' }),
  scope: z.array(z.uuid()).max(1000).optional().meta({
    description: 'For product-admin, profile-admin and group-admin: the product, profile or group ids it covers.',
  }),
  password: REAUTH_PASSWORD,
});

const Secret = z.string().meta({ description: 'The client secret, shown only here.' });

/**
 * Settings → Integrations: OAuth credentials for Adobe's User Management API clients
 * (user-sync.py, umapi-client.py). System admins only.
 */
export function integrationsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/integrations',
      {
        schema: {
          tags: ['Integrations'],
          summary: 'Integrations and client settings',
          description:
            "The organization id, host and endpoints that Adobe's User Sync Tool and umapi-client need, and the " +
            'integrations (OAuth clients), revoked ones included.',
          response: { 200: IntegrationSettingsSchema, ...problems(401, 403) },
        },
      },
      async (request) => getIntegrationSettings(ctx, request.actor!),
    );
    app.post(
      '/integrations',
      {
        schema: {
          tags: ['Integrations'],
          summary: 'Create an integration',
          description:
            "Creates an OAuth client (client credentials) carrying one admin role, for Adobe's User Management API " +
            'clients. The `clientSecret` is in this response only.',
          body: CreateIntegrationBody,
          response: {
            201: z.object({
              id: z.uuid(),
              clientId: z.string(),
              clientSecret: Secret,
              orgId: z.string(),
              integration: IntegrationSchema,
            }),
            ...problems(400, 401, 403, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const { password, ...input } = request.body;
        if (input.role === 'system-admin') {
          // A system-admin client secret is lasting power, as a system-admin API token is.
          await confirmPassword(ctx, callerOf(request), password, 'apiToken.create');
        }
        const created = await createIntegration(ctx, request.actor!, input);
        return reply.status(201).send({
          id: created.integration.id,
          clientId: created.integration.clientId,
          clientSecret: created.clientSecret,
          orgId: created.orgId,
          integration: created.integration,
        });
      },
    );
    app.post(
      '/integrations/:id/secret',
      {
        schema: {
          tags: ['Integrations'],
          summary: 'Rotate the client secret',
          description: 'Replaces the client secret; the old one and its access tokens stop working at once.',
          params: IdParams,
          response: { 200: z.object({ clientSecret: Secret }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => ({ clientSecret: await rotateIntegrationSecret(ctx, request.actor!, request.params.id) }),
    );
    app.delete(
      '/integrations/:id',
      {
        schema: {
          tags: ['Integrations'],
          summary: 'Revoke an integration',
          description: 'Revokes the integration at once: its clients get 401 on their next call.',
          params: IdParams,
          response: { 204: z.null().meta({ description: 'Revoked.' }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await revokeIntegration(ctx, request.actor!, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
