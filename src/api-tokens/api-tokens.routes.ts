import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiTokenSchema, CreatedApiTokenSchema } from '../../shared/api/api-tokens.ts';
import { LIMITS } from '../../shared/contracts.ts';
import { ADMIN_ROLES } from '../../shared/roles.ts';
import { callerOf, confirmPassword, REAUTH_PASSWORD } from '../auth/reauth.ts';
import type { AppContext } from '../context.ts';
import { deleteById } from '../core/routes.ts';
import { problems } from '../core/schemas.ts';
import { createApiToken, listApiTokens, revokeApiToken } from './api-tokens.service.ts';

const CreateApiTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(LIMITS.tokenNameMax).meta({ description: 'What the token is for.' }),
  role: z.enum(ADMIN_ROLES).meta({ description: 'The one admin role the token carries.' }),
  scope: z.array(z.uuid()).max(1000).optional().meta({
    description: 'For product-admin, profile-admin and group-admin: the product, profile or group ids it covers.',
  }),
  password: REAUTH_PASSWORD,
});

/** API tokens: list, create (secret shown once), revoke. */
export function apiTokensRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/api-tokens',
      {
        schema: {
          tags: ['API tokens'],
          summary: 'List API tokens',
          description: 'Every API token of the organization, revoked ones included. Secrets are never shown again.',
          response: { 200: z.object({ items: z.array(ApiTokenSchema) }), ...problems(401, 403) },
        },
      },
      async (request) => ({ items: await listApiTokens(ctx, request.actor!) }),
    );

    app.post(
      '/api-tokens',
      {
        schema: {
          tags: ['API tokens'],
          summary: 'Create an API token',
          description:
            'Creates a token carrying one admin role (system admins only). The `token` secret is in this response ' +
            'only; store it now. Use it as `Authorization: Bearer <token>`.',
          body: CreateApiTokenBody,
          response: {
            201: CreatedApiTokenSchema,
            ...problems(401, 403, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const { password, ...input } = request.body;
        if (input.role === 'system-admin') {
          await confirmPassword(ctx, callerOf(request), password, 'apiToken.create');
        }
        const created = await createApiToken(ctx, request.actor!, input);
        return reply.status(201).send({ ...created.view, token: created.token });
      },
    );

    deleteById(
      app,
      '/api-tokens/:id',
      {
        tags: ['API tokens'],
        summary: 'Revoke an API token',
        description: 'Revokes the token at once; calls made with it afterwards get 401.',
        done: 'Revoked.',
        problems: [401, 403, 404, 409],
      },
      (actor, id) => revokeApiToken(ctx, actor, id),
    );
  };
}
