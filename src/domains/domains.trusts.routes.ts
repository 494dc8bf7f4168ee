import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TrustedDirectorySchema, TrustSchema } from '../../shared/api/domains.ts';
import type { AppContext } from '../context.ts';
import { IdParams, problems } from '../core/schemas.ts';
import { grantTrust, listTrustedDirectories, listTrusts, revokeTrust } from './domains.trusts.service.ts';

const GrantTrustBody = z.strictObject({
  organizationId: z
    .uuid({ message: 'must be an organization id (a UUID)' })
    .meta({ description: 'The organization to trust, as its administrators see it in their Settings.' }),
});
const TrustParams = IdParams.extend({
  organizationId: z.uuid({ message: 'must be a UUID' }).meta({ description: 'The trusted organization.' }),
});

/** Directory trust: an owner lets other organizations add users of a directory's domains. */
export function trustsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Domains'];
    app.get(
      '/directories/:id/trusts',
      {
        schema: {
          tags,
          summary: 'List the trust on a directory',
          description: 'The organizations this directory of the caller trusts.',
          params: IdParams,
          response: { 200: z.object({ items: z.array(TrustSchema) }), ...problems(401, 403, 404) },
        },
      },
      async (request) => listTrusts(ctx, request.actor!, request.params.id),
    );
    app.post(
      '/directories/:id/trusts',
      {
        schema: {
          tags,
          summary: 'Trust an organization on a directory',
          description:
            "Lets another organization add users of the directory's claimed domains (with the directory's identity type, read-only for it). System admins.",
          params: IdParams,
          body: GrantTrustBody,
          response: { 201: TrustSchema, ...problems(401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await grantTrust(ctx, request.actor!, request.params.id, request.body.organizationId)),
    );
    app.delete(
      '/directories/:id/trusts/:organizationId',
      {
        schema: {
          tags,
          summary: 'Revoke trust on a directory',
          description: 'The organization can no longer add users of the directory’s domains. System admins.',
          params: TrustParams,
          response: { 204: z.null().meta({ description: 'Revoked.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await revokeTrust(ctx, request.actor!, request.params.id, request.params.organizationId);
        return reply.status(204).send(null);
      },
    );
    app.get(
      '/trusted-directories',
      {
        schema: {
          tags,
          summary: 'List directories trusted to this organization',
          description:
            'Directories of other organizations that trust the caller: name, identity type, owner and claimed domains.',
          response: { 200: z.object({ items: z.array(TrustedDirectorySchema) }), ...problems(401, 403) },
        },
      },
      async (request) => listTrustedDirectories(ctx, request.actor!),
    );
  };
}
