import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreatedIntegrationSchema,
  IntegrationSettingsSchema,
  RotatedSecretSchema,
} from '../../shared/api/integrations.ts';
import { LIMITS } from '../../shared/contracts.ts';
import { ADMIN_ROLES } from '../../shared/roles.ts';
import { callerOf, confirmPassword, REAUTH_PASSWORD } from '../auth/reauth.ts';
import type { AppContext } from '../context.ts';
import { deleteById } from '../core/routes.ts';
import { IdParams, problems } from '../core/schemas.ts';
import {
  createIntegration,
  getIntegrationSettings,
  revokeIntegration,
  rotateIntegrationSecret,
} from './umapi.integrations.ts';

const CreateIntegrationBody = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.tokenNameMax).meta({ description: 'What uses it, e.g. "User Sync Tool".' }),
  role: z.enum(ADMIN_ROLES).meta({ description: 'The one admin role the integration acts with.' }),
  scope: z.array(z.uuid()).max(1000).optional().meta({
    description: 'For product-admin, profile-admin and group-admin: the product, profile or group ids it covers.',
  }),
  password: REAUTH_PASSWORD,
});

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
            201: CreatedIntegrationSchema,
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
          response: { 200: RotatedSecretSchema, ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => ({ clientSecret: await rotateIntegrationSecret(ctx, request.actor!, request.params.id) }),
    );
    deleteById(
      app,
      '/integrations/:id',
      {
        tags: ['Integrations'],
        summary: 'Revoke an integration',
        description: 'Revokes the integration at once: its clients get 401 on their next call.',
        done: 'Revoked.',
        problems: [401, 403, 404, 409],
      },
      (actor, id) => revokeIntegration(ctx, actor, id),
    );
  };
}
