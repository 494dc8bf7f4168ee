import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainSchema } from '../../shared/api/domains.ts';
import type { AppContext } from '../context.ts';
import { deleteById } from '../core/routes.ts';
import { IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import { CHALLENGE_LABEL, CHALLENGE_VALUE_PREFIX } from './dns.ts';
import { directoriesRoutes } from './domains.directories.routes.ts';
import { DomainName } from './domains.schemas.ts';
import { addDomain, getDomain, listDomains, removeDomain, updateDomain, verifyDomain } from './domains.service.ts';
import { trustsRoutes } from './domains.trusts.routes.ts';
import { identityProvidersRoutes } from './identity-providers.routes.ts';

const AddDomainBody = z.strictObject({
  name: DomainName,
  directoryId: z
    .uuid({ message: 'must be a directory id (a UUID)' })
    .optional()
    .meta({ description: 'The directory the domain joins once claimed; can be set later.' }),
});
const PatchDomainBody = z.strictObject({
  directoryId: z
    .uuid({ message: 'must be a directory id (a UUID)' })
    .nullable()
    .meta({ description: 'The new directory; null takes a pending domain out of its directory.' }),
});
const DomainsQuery = PageQuery.extend({
  directoryId: z.uuid().optional().meta({ description: "Only this directory's domains." }),
  status: z.enum(['pending', 'claimed']).optional().meta({ description: 'Only domains with this status.' }),
});

/** Domains (claimed through a DNS TXT record), directories and directory trust. */
export function domainsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(directoriesRoutes(ctx));
    await app.register(identityProvidersRoutes(ctx));
    await app.register(trustsRoutes(ctx));
    const tags = ['Domains'];
    app.get(
      '/domains',
      {
        schema: {
          tags,
          summary: 'List domains',
          description: `The organization's domains by name, cursor-paged, each with its status, directory and the TXT record that claims it (\`${CHALLENGE_LABEL}.<domain>\` = \`${CHALLENGE_VALUE_PREFIX}<token>\`).`,
          querystring: DomainsQuery,
          response: { 200: pageOf(DomainSchema), ...problems(401, 403) },
        },
      },
      async (request) => listDomains(ctx, request.actor!, request.query),
    );
    app.post(
      '/domains',
      {
        schema: {
          tags,
          summary: 'Add a domain',
          description:
            'Adds a domain, pending until its TXT record is verified; the answer shows the record to publish. System admins.',
          body: AddDomainBody,
          response: { 201: DomainSchema, ...problems(401, 403, 409, 422) },
        },
      },
      async (request, reply) => reply.status(201).send(await addDomain(ctx, request.actor!, request.body)),
    );
    app.get(
      '/domains/:id',
      {
        schema: {
          tags,
          summary: 'Get a domain',
          description: 'One domain with its directory and TXT record.',
          params: IdParams,
          response: { 200: DomainSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getDomain(ctx, request.actor!, request.params.id),
    );
    app.patch(
      '/domains/:id',
      {
        schema: {
          tags,
          summary: 'Move a domain to a directory',
          description: "Sets the domain's directory (and so its users' identity type). System admins.",
          params: IdParams,
          body: PatchDomainBody,
          response: { 200: DomainSchema, ...problems(401, 403, 404, 422) },
        },
      },
      async (request) => updateDomain(ctx, request.actor!, request.params.id, request.body),
    );
    app.post(
      '/domains/:id/verify',
      {
        schema: {
          tags,
          summary: 'Verify a domain',
          description:
            "Looks up the domain's TXT record in DNS and, when it matches, claims the domain for the organization. Needs a directory; refused when another organization claimed the name. A claimed domain is answered as it is. System admins.",
          params: IdParams,
          response: {
            200: DomainSchema,
            ...problems(401, 403, 404, 409, 422),
            502: problems(502)[502]!.meta({ description: 'The DNS lookup itself failed (timeout, server failure).' }),
          },
        },
      },
      async (request) => verifyDomain(ctx, request.actor!, request.params.id),
    );
    deleteById(
      app,
      '/domains/:id',
      {
        tags,
        summary: 'Remove a domain',
        description: 'Removes a domain; a claimed one is released. System admins.',
        done: 'Removed.',
        problems: [401, 403, 404],
      },
      (actor, id) => removeDomain(ctx, actor, id),
    );
  };
}
