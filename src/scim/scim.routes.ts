import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import { authenticateApiToken } from '../auth/auth.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { constraintError } from '../db/constraint-errors.ts';
import { can } from '../roles/policy.ts';
import { runBulk } from './scim.bulk.ts';
import { ScimError, scimErrorBody, toScimError } from './scim.errors.ts';
import { etagMatches } from './scim.etag.ts';
import {
  createResource,
  deleteResource,
  type ListRequest,
  listResources,
  patchResource,
  type ResourceKind,
  readProjection,
  readResource,
  readSearchRequest,
  replaceResource,
} from './scim.resources.ts';
import { resourceTypeResources, SCHEMA, schemaResources, serviceProviderConfig } from './scim.schemas.ts';

/**
 * The SCIM 2.0 server under /scim/v2 (RFC 7644): its own content type (application/scim+json in
 * and out; application/json accepted), its own bearer authentication and its own error handler
 * and 404, registered as an encapsulated Fastify plugin so the REST API's problem+json handling
 * is untouched. Routes are thin: they read the request, call scim.resources / scim.bulk, and send.
 */

export const SCIM_PREFIX = '/scim/v2';
const SCIM_JSON = 'application/scim+json; charset=utf-8';

type Query = Record<string, string | undefined>;

const ENDPOINTS = ['Users', 'Groups', 'Bulk', 'Schemas', 'ResourceTypes', 'ServiceProviderConfig', '.search', 'Me'];

/**
 * The URL a SCIM request is routed by, spelled the way real clients send it: endpoint names in
 * any case (`/users`, as Microsoft's test collection sends it) and a trailing slash (`/Users/`)
 * are read as the canonical endpoint. Ids and query strings are left as sent; URLs outside
 * /scim/v2 are returned unchanged. Used as the server's `rewriteUrl`.
 * @returns the URL to route
 */
export function canonicalScimUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  if (path.slice(0, SCIM_PREFIX.length + 1).toLowerCase() !== `${SCIM_PREFIX.toLowerCase()}/`) {
    return url;
  }
  const segments = path.slice(SCIM_PREFIX.length + 1).split('/');
  while (segments.length > 1 && segments.at(-1) === '') {
    segments.pop();
  }
  const endpoint = ENDPOINTS.find((name) => name.toLowerCase() === segments[0]?.toLowerCase());
  if (endpoint) {
    segments[0] = endpoint;
  }
  if (segments[1]?.toLowerCase() === '.search') {
    segments[1] = '.search';
  }
  return `${SCIM_PREFIX}/${segments.join('/')}${query}`;
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).type(SCIM_JSON).send(JSON.stringify(body));
}

function ifMatchOf(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  return Array.isArray(header) ? header.join(',') : header;
}

/**
 * The SCIM plugin.
 * @param ctx the app
 * @returns a Fastify plugin to register with the /scim/v2 prefix
 */
export function scimRoutes(ctx: AppContext) {
  const baseUrl = `${ctx.config.publicUrl}${SCIM_PREFIX}`;
  return async (app: FastifyInstance) => {
    app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new ScimError(400, 'invalidSyntax', 'The request body is not valid JSON.'), undefined);
      }
    });

    app.setErrorHandler(async (thrown: FastifyError, request, reply) => {
      const error = constraintError(thrown) ?? thrown;
      if (error instanceof AppError && error.code === 'auth.forbidden' && request.actor) {
        await recordSecurityEvent(ctx.db, request.actor, {
          action: 'authorization.denied',
          target: null,
          after: { method: request.method, path: request.url.split('?')[0], ...error.extra },
        }).catch((auditError: unknown) => request.log.error({ err: auditError }, 'could not audit a denial'));
      }
      let scim = toScimError(error);
      if (!scim) {
        const code = (error as FastifyError).code;
        if (
          code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
          code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
          error instanceof SyntaxError
        ) {
          scim = new ScimError(400, 'invalidSyntax', 'The request body is not valid JSON.');
        } else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          scim = new ScimError(
            413,
            'tooLarge',
            `The request body is larger than ${ctx.config.bodyLimitBytes} bytes (maxPayloadSize).`,
          );
        } else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
          scim = new ScimError(415, undefined, 'Send application/scim+json or application/json.');
        } else if (
          typeof (error as FastifyError).statusCode === 'number' &&
          (error as FastifyError).statusCode! < 500
        ) {
          scim = new ScimError((error as FastifyError).statusCode as number, undefined, (error as Error).message);
        } else {
          request.log.error({ err: error }, 'unhandled SCIM error');
          scim = new ScimError(500, undefined, 'Something went wrong on the server. It has been logged.');
        }
      }
      if (scim.status === 401) {
        reply.header('www-authenticate', 'Bearer realm="Usher SCIM"');
      }
      return send(reply, scim.status, scimErrorBody(scim.status, scim.message, scim.scimType));
    });

    app.setNotFoundHandler(async (request, reply) =>
      send(reply, 404, scimErrorBody(404, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}.`)),
    );

    // Every SCIM request carries a bearer token: a SCIM token, or an API token of a system or group admin.
    app.addHook('onRequest', async (request) => {
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      if (!match?.[1]) {
        throw new ScimError(401, undefined, 'Send a SCIM token as `Authorization: Bearer <token>`.');
      }
      let actor: Awaited<ReturnType<typeof authenticateApiToken>>;
      try {
        actor = await authenticateApiToken(
          ctx,
          match[1],
          { ip: request.ip, userAgent: request.headers['user-agent'] ?? null },
          'scim',
        );
      } catch (error) {
        if (error instanceof AppError && error.status === 401) {
          throw new ScimError(401, undefined, error.message);
        }
        throw error;
      }
      request.actor = actor;
      if (!can(actor, 'scim.provision')) {
        throw new AppError(
          'auth.forbidden',
          403,
          'SCIM needs a SCIM token or an API token of a system or group admin.',
          {
            extra: { action: 'scim' },
          },
        );
      }
    });

    const hide = { schema: { hide: true } };

    app.get('/ServiceProviderConfig', hide, async (_request, reply) =>
      send(reply, 200, serviceProviderConfig(baseUrl, ctx.config.bodyLimitBytes)),
    );
    app.get('/ResourceTypes', hide, async (_request, reply) => {
      const resources = resourceTypeResources(baseUrl);
      return send(reply, 200, {
        schemas: [SCHEMA.listResponse],
        totalResults: resources.length,
        startIndex: 1,
        itemsPerPage: resources.length,
        Resources: resources,
      });
    });
    app.get<{ Params: { id: string } }>('/ResourceTypes/:id', hide, async (request, reply) => {
      const found = resourceTypeResources(baseUrl).find(
        (entry) => entry.id.toLowerCase() === request.params.id.toLowerCase(),
      );
      if (!found) {
        throw new ScimError(404, undefined, `No resource type ${request.params.id}.`);
      }
      return send(reply, 200, found);
    });
    app.get('/Schemas', hide, async (_request, reply) => {
      const resources = schemaResources(baseUrl);
      return send(reply, 200, {
        schemas: [SCHEMA.listResponse],
        totalResults: resources.length,
        startIndex: 1,
        itemsPerPage: resources.length,
        Resources: resources,
      });
    });
    app.get<{ Params: { id: string } }>('/Schemas/:id', hide, async (request, reply) => {
      const found = schemaResources(baseUrl).find(
        (entry) => entry.id.toLowerCase() === request.params.id.toLowerCase(),
      );
      if (!found) {
        throw new ScimError(404, undefined, `No schema ${request.params.id}.`);
      }
      return send(reply, 200, found);
    });

    for (const kind of ['Users', 'Groups'] as ResourceKind[]) {
      app.get(`/${kind}`, hide, async (request, reply) => {
        const query = request.query as Query;
        const list: ListRequest = {
          filter: query.filter,
          startIndex: query.startIndex === undefined ? undefined : Number(query.startIndex),
          count: query.count === undefined ? undefined : Number(query.count),
          sortBy: query.sortBy,
          sortOrder: query.sortOrder,
          attributes: query.attributes,
          excludedAttributes: query.excludedAttributes,
        };
        if (Number.isNaN(list.startIndex) || Number.isNaN(list.count)) {
          throw new ScimError(400, 'invalidValue', 'startIndex and count are integers.');
        }
        return send(reply, 200, await listResources(ctx, request.actor!, baseUrl, kind, list));
      });
      app.post(`/${kind}/.search`, hide, async (request, reply) =>
        send(reply, 200, await listResources(ctx, request.actor!, baseUrl, kind, readSearchRequest(request.body))),
      );
      app.post(`/${kind}`, hide, async (request, reply) => {
        const query = request.query as Query;
        const done = await createResource(
          ctx,
          request.actor!,
          baseUrl,
          kind,
          request.body,
          readProjection(query.attributes, query.excludedAttributes),
        );
        reply.header('location', done.location).header('etag', done.etag);
        return send(reply, 201, done.resource);
      });
      app.get<{ Params: { id: string } }>(`/${kind}/:id`, hide, async (request, reply) => {
        const query = request.query as Query;
        const done = await readResource(
          ctx,
          request.actor!,
          baseUrl,
          kind,
          request.params.id,
          readProjection(query.attributes, query.excludedAttributes),
        );
        reply.header('etag', done.etag);
        const ifNoneMatch = request.headers['if-none-match'];
        if (typeof ifNoneMatch === 'string' && etagMatches(ifNoneMatch, done.etag)) {
          return reply.status(304).send();
        }
        return send(reply, 200, done.resource);
      });
      for (const [method, write] of [
        ['put', replaceResource],
        ['patch', patchResource],
      ] as const) {
        app[method]<{ Params: { id: string } }>(`/${kind}/:id`, hide, async (request, reply) => {
          const query = request.query as Query;
          const done = await write(
            ctx,
            request.actor!,
            baseUrl,
            kind,
            request.params.id,
            request.body,
            ifMatchOf(request),
            readProjection(query.attributes, query.excludedAttributes),
          );
          reply.header('etag', done.etag);
          return send(reply, 200, done.resource);
        });
      }
      app.delete<{ Params: { id: string } }>(`/${kind}/:id`, hide, async (request, reply) => {
        await deleteResource(ctx, request.actor!, kind, request.params.id, ifMatchOf(request));
        return reply.status(204).send();
      });
    }

    // A search across all resource types (RFC 7644 §3.4.3) is optional: said so, SCIM-shaped.
    app.post('/.search', hide, async (_request, reply) =>
      send(
        reply,
        501,
        scimErrorBody(
          501,
          'Search across resource types is not supported: use POST /Users/.search or /Groups/.search.',
        ),
      ),
    );

    app.post('/Bulk', hide, async (request, reply) =>
      send(reply, 200, await runBulk(ctx, request.actor!, baseUrl, request.body)),
    );
  };
}
