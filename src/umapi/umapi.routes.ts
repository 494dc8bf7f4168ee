import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { constraintError } from '../db/constraint-errors.ts';
import { listAccessGroups, resolveAccessNames } from '../groups/groups.catalog.ts';
import type { Actor } from '../roles/policy.ts';
import {
  countUsersForAccess,
  describeUsersAccess,
  findUsersByLogin,
  listUsersWithAccess,
} from '../users/users.access.ts';
import { runActionBatch } from './umapi.actions.ts';
import { OAuthError, UmapiError } from './umapi.errors.ts';
import { organizationIdOf, presentUmapiGroup, presentUmapiUser } from './umapi.present.ts';
import { authenticateUmapiCall, issueAccessToken } from './umapi.tokens.ts';

/**
 * Adobe's User Management API (UMAPI) on Usher, wire-compatible with Adobe's own clients
 * (umapi-client.py and user-sync.py, which build on it), so both work with only their
 * configuration changed:
 * - `POST /ims/token/v2[/]`: OAuth client credentials of an integration → access token.
 * - under `/v2/usermanagement`: `GET users/{org}/{page}[/{group}]`, `GET groups/{org}/{page}`,
 *   `GET organizations/{org}/users/{user}`, `POST action/{org}[?testOnly=true]`.
 * Registered as encapsulated Fastify plugins with their own error handler, so the REST API's
 * problem+json handling is untouched. Routes are thin: read the request, call the users and
 * groups services (or the action runner), present the result.
 */

export const UMAPI_PREFIX = '/v2/usermanagement';
export const IMS_PREFIX = '/ims';
/** Users and groups per page of a listing (umapi-client `connection.py` query_multiple: "up to 200"). */
export const UMAPI_PAGE_SIZE = 200;

type Query = Record<string, string | undefined>;

function originOf(request: FastifyRequest) {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

function sendError(reply: FastifyReply, error: UmapiError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(error.retryAfterSeconds));
  }
  return reply.status(error.status).send({ error_code: error.errorCode, message: error.message });
}

/** Turns anything thrown under the UMAPI prefixes into Adobe's error shape. */
function toUmapiError(thrown: unknown, request: FastifyRequest): UmapiError {
  const error = constraintError(thrown as Error) ?? thrown;
  if (error instanceof UmapiError) {
    return error;
  }
  if (error instanceof AppError) {
    return new UmapiError(
      error.status,
      error.code,
      error.message,
      error.status === 429 ? Number(error.extra?.retryAfterSeconds ?? 60) : undefined,
    );
  }
  const fastify = error as FastifyError;
  if (fastify.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) {
    return new UmapiError(400, 'malformed_json', 'The request body is not valid JSON: send a JSON array of actions.');
  }
  if (fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new UmapiError(413, 'too_large', 'The request body is too large: send at most 10 actions per call.');
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    return new UmapiError(fastify.statusCode, 'bad_request', fastify.message);
  }
  request.log.error({ err: error }, 'unhandled UMAPI error');
  return new UmapiError(500, 'internal', 'Something went wrong on the server. It has been logged.');
}

/**
 * A 0-based page number of a path.
 * @throws UmapiError 400 when it is not a whole number
 */
function pageOf(text: string): number {
  if (!/^\d{1,9}$/.test(text)) {
    throw new UmapiError(400, 'bad_page', `The page "${text}" is not a whole number: pages count from 0.`);
  }
  return Number(text);
}

/** A Python-style boolean of a query string (`True`/`False`, as umapi-client's urlencode writes it). */
function flagOf(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') {
    return fallback;
  }
  return ['true', '1', 'yes'].includes(value.toLowerCase());
}

/** Checks that the path's organization is the integration's own (with or without `@AdobeOrg`). */
function checkOrganization(actor: Actor, param: string): void {
  if (organizationIdOf(param) !== actor.organizationId) {
    throw new UmapiError(
      403,
      'wrong_organization',
      `This integration belongs to organization ${actor.organizationId}, not ${param}: set org_id to ${actor.organizationId}@AdobeOrg.`,
    );
  }
}

/** Sets Adobe's paging headers (read by umapi-client `connection.py` query_multiple). */
function pagingHeaders(reply: FastifyReply, total: number, page: number): { page: number; last: boolean } {
  const pageCount = Math.max(1, Math.ceil(total / UMAPI_PAGE_SIZE));
  // Adobe answers a page past the end with the last page.
  const current = Math.min(page, pageCount - 1);
  reply
    .header('x-total-count', String(total))
    .header('x-page-count', String(pageCount))
    .header('x-current-page', String(current))
    .header('x-page-size', String(UMAPI_PAGE_SIZE));
  return { page: current, last: current >= pageCount - 1 };
}

/** Where a numbered page of a user listing ended, and the total counted on its first page. */
interface ListingCursor {
  last: { email: string; id: string };
  total: number;
  at: number;
}

/** How long a page's end is remembered: a sync tool reads its pages one after the other. */
const CURSOR_MS = 15 * 60 * 1000;
/** Most page ends remembered per process (the oldest are forgotten first). */
const CURSOR_LIMIT = 10_000;

/**
 * Where the pages of each user listing ended, per integration and query, so that page n + 1 is
 * read from the index where page n stopped (keyset) and its total is not counted again, instead
 * of skipping n × 200 rows and counting every user for every page: a no-change sync of 10,000
 * users reads 50 pages, which offset paging makes quadratic. A page asked for without its
 * predecessor remembered (another process, a restart, a jump) is read by offset and counted. Read
 * from the cursor, a user added or removed on an earlier page between two reads shifts no one
 * into the next page twice or out of it, as it would by offset.
 */
class ListingCursors {
  readonly #cursors = new Map<string, ListingCursor>();

  get(key: string): ListingCursor | undefined {
    const cursor = this.#cursors.get(key);
    if (cursor && Date.now() - cursor.at > CURSOR_MS) {
      this.#cursors.delete(key);
      return undefined;
    }
    return cursor;
  }

  set(key: string, cursor: ListingCursor): void {
    this.#cursors.delete(key);
    this.#cursors.set(key, cursor);
    for (const oldest of this.#cursors.keys()) {
      if (this.#cursors.size <= CURSOR_LIMIT) {
        break;
      }
      this.#cursors.delete(oldest);
    }
  }
}

/**
 * The token endpoint plugin (prefix `/ims`).
 * @param ctx the app
 * @returns a Fastify plugin
 */
export function imsRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    app.setErrorHandler(async (thrown: FastifyError, request, reply) => {
      if (thrown instanceof OAuthError) {
        return reply
          .status(thrown.status)
          .header('cache-control', 'no-store')
          .send({ error: thrown.error, error_description: thrown.message });
      }
      return sendError(reply, toUmapiError(thrown, request));
    });
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const form = (request.body ?? {}) as Record<string, string | undefined>;
      const token = await issueAccessToken(ctx, form, originOf(request));
      return reply.header('cache-control', 'no-store').send(token);
    };
    // umapi-client `auth.py` AdobeAuthBase.refresh_token posts to `/ims/token/v2/` (trailing slash).
    app.post('/token/v2', { schema: { hide: true } }, handler);
    app.post('/token/v2/', { schema: { hide: true } }, handler);
  };
}

/**
 * The User Management API plugin (prefix `/v2/usermanagement`).
 * @param ctx the app
 * @returns a Fastify plugin
 */
export function umapiRoutes(ctx: AppContext) {
  const cursors = new ListingCursors();
  return async (app: FastifyInstance) => {
    app.setErrorHandler(async (thrown: FastifyError, request, reply) => {
      if (thrown instanceof AppError && thrown.code === 'auth.forbidden' && request.actor) {
        await recordSecurityEvent(ctx.db, request.actor, {
          action: 'authorization.denied',
          target: null,
          after: { method: request.method, path: request.url.split('?')[0], ...thrown.extra },
        }).catch((auditError: unknown) => request.log.error({ err: auditError }, 'could not audit a denial'));
      }
      return sendError(reply, toUmapiError(thrown, request));
    });
    app.setNotFoundHandler(async (request, reply) =>
      sendError(
        reply,
        new UmapiError(
          404,
          'not_found',
          `No User Management API endpoint ${request.method} ${request.url.split('?')[0]}.`,
        ),
      ),
    );
    // Every call: the bearer access token and x-api-key (umapi-client `auth.py` AdobeAuthBase.__call__).
    // `X-Request-Id` and `Pragma: umapi-sync-start|umapi-sync-end` (connection.py make_call) are accepted and ignored.
    app.addHook('onRequest', async (request) => {
      request.actor = await authenticateUmapiCall(
        ctx,
        request.headers.authorization,
        request.headers['x-api-key'] as string | undefined,
        originOf(request),
      );
    });

    const listUsers = async (request: FastifyRequest, reply: FastifyReply, groupName: string | undefined) => {
      const actor = request.actor as Actor;
      const params = request.params as { orgId: string; page: string };
      const query = request.query as Query;
      checkOrganization(actor, params.orgId);
      const page = pageOf(params.page);
      // umapi-client functional.py UsersQuery sends directOnly (default True); False adds the
      // profiles users hold through their user groups.
      const throughGroups = !flagOf(query.directOnly, true);
      let filter: { groupId?: string; profileId?: string } = {};
      if (groupName !== undefined) {
        const resolved = (await resolveAccessNames(ctx.db, actor.organizationId, [groupName])).get(
          groupName.trim().toLowerCase(),
        );
        const profile = resolved?.profiles[0];
        const group = resolved?.groups[0];
        if (profile && group) {
          throw new UmapiError(
            400,
            'ambiguous_group',
            `"${groupName}" names both the product profile "${profile.name}" and the user group "${group.name}": rename one of them.`,
          );
        }
        if (!profile && !group) {
          // A 404 on a query means "nothing" to the clients (connection.py query_multiple).
          throw new UmapiError(404, 'group_not_found', `No product profile or user group named "${groupName}".`);
        }
        filter = profile ? { profileId: profile.id } : { groupId: group?.id as string };
      }
      const wanted = { domain: query.domain, throughGroups, ...filter };
      const listing = JSON.stringify([actor.id, wanted]);
      const previous = page > 0 ? cursors.get(`${listing}|${page - 1}`) : undefined;
      const offset = page * UMAPI_PAGE_SIZE;
      let result = await listUsersWithAccess(ctx, actor, wanted, {
        offset,
        limit: UMAPI_PAGE_SIZE,
        after: previous?.last,
        countTotal: previous === undefined,
      });
      let total = result.total ?? previous?.total ?? 0;
      let current = page;
      if (result.items.length === 0 && page > 0) {
        // Adobe answers a page past the end with the last page.
        total = result.total ?? (await countUsersForAccess(ctx.db, actor.organizationId, wanted));
        current = Math.max(0, Math.ceil(total / UMAPI_PAGE_SIZE) - 1);
        result = await listUsersWithAccess(ctx, actor, wanted, {
          offset: current * UMAPI_PAGE_SIZE,
          limit: UMAPI_PAGE_SIZE,
          countTotal: false,
        });
      }
      // The total counted on the first page, kept true to this page's end as users come and go.
      const seen = current * UMAPI_PAGE_SIZE + result.items.length;
      total = result.more ? Math.max(total, seen + 1) : seen;
      if (result.more && result.last) {
        cursors.set(`${listing}|${current}`, { last: result.last, total, at: Date.now() });
      }
      pagingHeaders(reply, total, current);
      return reply.send({ result: 'success', lastPage: !result.more, users: result.items.map(presentUmapiUser) });
    };

    app.get('/users/:orgId/:page', { schema: { hide: true } }, (request, reply) =>
      listUsers(request, reply, undefined),
    );
    // The group name may hold a '/', which Python's urllib quote leaves unescaped: take the rest of the path.
    app.get('/users/:orgId/:page/*', { schema: { hide: true } }, (request, reply) =>
      listUsers(request, reply, (request.params as { '*': string })['*']),
    );

    app.get('/groups/:orgId/:page', { schema: { hide: true } }, async (request, reply) => {
      const actor = request.actor as Actor;
      const params = request.params as { orgId: string; page: string };
      checkOrganization(actor, params.orgId);
      const page = pageOf(params.page);
      let result = await listAccessGroups(ctx, actor, { offset: page * UMAPI_PAGE_SIZE, limit: UMAPI_PAGE_SIZE });
      const paging = pagingHeaders(reply, result.total, page);
      if (paging.page !== page) {
        result = await listAccessGroups(ctx, actor, { offset: paging.page * UMAPI_PAGE_SIZE, limit: UMAPI_PAGE_SIZE });
      }
      return reply.send({ result: 'success', lastPage: paging.last, groups: result.items.map(presentUmapiGroup) });
    });

    // umapi-client connection.py query_single: /organizations/{org}/users/{email or username}[?domain=].
    app.get('/organizations/:orgId/users/*', { schema: { hide: true } }, async (request, reply) => {
      const actor = request.actor as Actor;
      const params = request.params as { orgId: string; '*': string };
      checkOrganization(actor, params.orgId);
      const query = request.query as Query;
      const found = (await findUsersByLogin(ctx, actor, params['*'], query.domain)).filter(
        (user) => user.status !== 'removed',
      );
      const user = found[0];
      if (!user) {
        throw new UmapiError(404, 'user_not_found', `No user ${params['*']} in this organization.`);
      }
      const [access] = await describeUsersAccess(ctx, actor, [user], true);
      return reply.send({ result: 'success', user: access ? presentUmapiUser(access) : null });
    });

    app.post('/action/:orgId', { schema: { hide: true } }, async (request, reply) => {
      const actor = request.actor as Actor;
      const params = request.params as { orgId: string };
      checkOrganization(actor, params.orgId);
      const testOnly = flagOf((request.query as Query).testOnly, false);
      return reply.send(await runActionBatch(ctx, actor, request.body, testOnly));
    });
  };
}
