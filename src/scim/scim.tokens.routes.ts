import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreatedScimTokenSchema, ScimSettingsSchema, type ScimToken } from '../../shared/api/scim.ts';
import { LIMITS } from '../../shared/contracts.ts';
import { createApiToken, listApiTokens, revokeApiToken } from '../api-tokens/api-tokens.service.ts';
import { callerOf, confirmPassword, REAUTH_PASSWORD } from '../auth/reauth.ts';
import type { AppContext } from '../context.ts';
import { deleteById } from '../core/routes.ts';
import { problems } from '../core/schemas.ts';
import { SCIM_PREFIX } from './scim.routes.ts';

const CreateScimTokenBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(LIMITS.tokenNameMax)
    .meta({ description: 'Which identity provider uses it, e.g. "Entra ID".' }),
  password: REAUTH_PASSWORD,
});

/**
 * Settings → SCIM: the SCIM base URL and the dedicated SCIM tokens (bearer tokens that work only
 * under /scim/v2, with a system admin's reach there). Revoking is DELETE /api-tokens/{id} or here.
 */
export function scimTokensRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  const baseUrl = `${ctx.config.publicUrl}${SCIM_PREFIX}`;
  const view = (token: Awaited<ReturnType<typeof listApiTokens>>[number]): ScimToken => ({
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    createdAt: token.createdAt,
    createdBy: token.createdBy,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  });
  return async (app) => {
    app.get(
      '/scim',
      {
        schema: {
          tags: ['SCIM'],
          summary: 'SCIM settings',
          description:
            'The SCIM 2.0 base URL for identity providers (Microsoft Entra ID, Okta, Google) and the SCIM tokens, revoked ones included.',
          response: { 200: ScimSettingsSchema, ...problems(401, 403) },
        },
      },
      async (request) => ({ baseUrl, tokens: (await listApiTokens(ctx, request.actor!, 'scim')).map(view) }),
    );
    app.post(
      '/scim/tokens',
      {
        schema: {
          tags: ['SCIM'],
          summary: 'Create a SCIM token',
          description:
            'Creates a bearer token for an identity provider. It works only under /scim/v2, where it provisions users and ' +
            'groups like a system admin. The `token` secret is in this response only.',
          body: CreateScimTokenBody,
          response: {
            201: CreatedScimTokenSchema,
            ...problems(401, 403, 429),
          },
        },
      },
      async (request, reply) => {
        await confirmPassword(ctx, callerOf(request), request.body.password, 'apiToken.create');
        const created = await createApiToken(
          ctx,
          request.actor!,
          { name: request.body.name, role: 'system-admin' },
          'scim',
        );
        return reply.status(201).send({ ...view(created.view), token: created.token });
      },
    );
    deleteById(
      app,
      '/scim/tokens/:id',
      {
        tags: ['SCIM'],
        summary: 'Revoke a SCIM token',
        description: 'Revokes the token at once; the identity provider then gets 401.',
        done: 'Revoked.',
        problems: [401, 403, 404, 409],
      },
      (actor, id) => revokeApiToken(ctx, actor, id),
    );
  };
}
