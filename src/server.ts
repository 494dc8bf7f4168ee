import fs from 'node:fs';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { apiTokensRoutes } from './api-tokens/api-tokens.routes.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { recordSecurityEvent } from './audit/audit.service.ts';
import { AuthErrorCodes } from './auth/auth.errors.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { authenticateApiToken, authenticateSession, checkCsrf, type SessionHandle } from './auth/auth.service.ts';
import { sessionCookieName } from './auth/cookie.ts';
import { mfaRoutes } from './auth/mfa.routes.ts';
import { passwordsRoutes } from './auth/passwords.routes.ts';
import { ssoRoutes } from './auth/sso.routes.ts';
import { bulkRoutes } from './bulk/bulk.routes.ts';
import { csvTemplatesRoutes } from './bulk/templates.routes.ts';
import type { AppContext } from './context.ts';
import { AppError, type FieldProblem, HttpErrorCodes } from './core/errors.ts';
import { controlCharacterProblems } from './core/input-guard.ts';
import { redactUrl } from './core/redact.ts';
import { constraintError } from './db/constraint-errors.ts';
import { isMigrated } from './db/migrate.ts';
import { devicesRoutes } from './devices/devices.routes.ts';
import { domainsRoutes } from './domains/domains.routes.ts';
import { groupsRoutes } from './groups/groups.routes.ts';
import { organizationsRoutes } from './organizations/organizations.routes.ts';
import { outboxRoutes } from './outbox/outbox.routes.ts';
import { overviewRoutes } from './overview/overview.routes.ts';
import { productsRoutes } from './products/products.routes.ts';
import type { Actor } from './roles/policy.ts';
import { canonicalScimUrl, SCIM_PREFIX, scimRoutes } from './scim/scim.routes.ts';
import { scimTokensRoutes } from './scim/scim.tokens.routes.ts';
import { syncRoutes } from './sync/sync.routes.ts';
import { integrationsRoutes } from './umapi/umapi.integrations.routes.ts';
import { IMS_PREFIX, imsRoutes, UMAPI_PREFIX, umapiRoutes } from './umapi/umapi.routes.ts';
import { usersExportRoutes } from './users/users.export.routes.ts';
import { usersRoutes } from './users/users.routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller of an `/api/v1` route; null on public routes. */
    actor: Actor | null;
    /** The console session, when the caller authenticated with the session cookie. */
    session: SessionHandle | null;
  }
  interface FastifyContextConfig {
    /** Routes reachable without signing in. */
    public?: boolean;
    /** Routes a session that must first enrol a second factor may use (besides sign-out and the session). */
    duringMfaEnrolment?: boolean;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a session that must enrol a second factor may still reach besides enrolment itself. */
const MFA_ENROLMENT_PATHS = new Set(['/api/v1/auth/session', '/api/v1/auth/logout', '/api/v1/me']);
const WEB_ROOT = path.resolve(import.meta.dirname, '../dist/web');

export interface ServerOptions {
  /** Replace undeclared response statuses with 500 (tests), so a route cannot drift from its contract. */
  strictStatuses?: boolean;
  logger?: boolean;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: NodeJS.WritableStream;
  /** The built console to serve (tests); dist/web by default. */
  webRoot?: string;
}

function problemBody(request: FastifyRequest, status: number, code: string, detail: string, extra: object = {}) {
  return {
    type: `urn:usher:problem:${code}`,
    title: code,
    status,
    detail,
    code,
    instance: request.url.split('?')[0],
    ...extra,
  };
}

function sendProblem(reply: FastifyReply, status: number, body: object): FastifyReply {
  return reply.status(status).type('application/problem+json').send(body);
}

function fieldProblems(error: FastifyError): FieldProblem[] {
  const context = error.validationContext ?? 'body';
  if (!hasZodFastifySchemaValidationErrors(error)) {
    return [{ field: context, message: error.message }];
  }
  return error.validation.flatMap((issue) => {
    const base = [context, ...issue.instancePath.split('/').filter(Boolean)].join('.');
    const keys = (issue.params as { keys?: string[] }).keys;
    if (issue.keyword === 'unrecognized_keys' && keys) {
      return keys.map((key) => ({ field: `${base}.${key}`, message: 'Unknown field: remove it.' }));
    }
    return [{ field: base, message: issue.message ?? 'invalid' }];
  });
}

function originOf(request: FastifyRequest) {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

/**
 * Builds the HTTP server: the `/api/v1` REST API with its OpenAPI document, `/healthz`, and the
 * console (the built React app) for every other GET.
 * @param ctx the app
 * @param options test switches
 * @returns the Fastify instance, ready to listen or to `inject`
 */
export async function buildServer(ctx: AppContext, options: ServerOptions = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  // USHER_TLS_CERT / USHER_TLS_KEY: serve https directly (Adobe's clients insist on https).
  const https = config.tls
    ? { https: { cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) } }
    : {};
  const app = Fastify({
    ...https,
    logger:
      options.logger === false
        ? false
        : {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
            // Request lines carry secrets in links (/connect/<token>, /setup?token=…): never log them.
            serializers: {
              req: (request: FastifyRequest) => ({
                method: request.method,
                url: redactUrl(request.url),
                host: request.host,
                remoteAddress: request.ip,
              }),
            },
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // SCIM clients spell endpoints in any case and with trailing slashes: route them as meant.
    rewriteUrl: (request) => canonicalScimUrl(request.url ?? '/'),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // The API speaks JSON only (uploads add their own parser); anything else is a clear 415.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  await app.register(fastifyCookie);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Usher API',
        version: '1',
        description:
          "Manage an organization's users, user groups, product profiles, admin roles and devices. " +
          'Authenticate with `Authorization: Bearer <API token>`, or with the console session cookie plus the ' +
          '`X-CSRF-Token` header on writes. Errors are `application/problem+json` (RFC 9457) with a stable `code`.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token created in Settings.' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: sessionCookieName(ctx),
            description: 'Console session (`__Host-usher_session` behind https).',
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: true } });

  app.setErrorHandler(async (thrown: FastifyError, request, reply) => {
    const error = (constraintError(thrown) ?? thrown) as FastifyError;
    if (error instanceof AppError) {
      if (error.code === 'auth.forbidden' && request.actor) {
        await recordSecurityEvent(ctx.db, request.actor, {
          action: 'authorization.denied',
          target: null,
          after: { method: request.method, path: request.url.split('?')[0], ...error.extra },
        }).catch((auditError: unknown) => request.log.error({ err: auditError }, 'could not audit a denial'));
      }
      if (error.status === 429 && typeof error.extra?.retryAfterSeconds === 'number') {
        reply.header('retry-after', String(error.extra.retryAfterSeconds));
      }
      return sendProblem(
        reply,
        error.status,
        problemBody(request, error.status, error.code, error.message, {
          ...(error.errors ? { errors: error.errors } : {}),
          ...error.extra,
        }),
      );
    }
    if (error.validation) {
      const errors = fieldProblems(error);
      const fields = errors.map((problem) => problem.field).join(', ');
      return sendProblem(
        reply,
        400,
        problemBody(request, 400, HttpErrorCodes.validationFailed, `Invalid input in ${fields}.`, { errors }),
      );
    }
    const known: Record<string, [number, string, string]> = {
      FST_ERR_CTP_INVALID_JSON_BODY: [400, HttpErrorCodes.malformedJson, 'The request body is not valid JSON.'],
      FST_ERR_CTP_EMPTY_JSON_BODY: [
        400,
        HttpErrorCodes.malformedJson,
        'The request body is empty; send a JSON object.',
      ],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [
        415,
        HttpErrorCodes.unsupportedMediaType,
        'Unsupported Content-Type: send application/json.',
      ],
      FST_ERR_CTP_BODY_TOO_LARGE: [
        413,
        HttpErrorCodes.bodyTooLarge,
        `The request body is larger than the limit of ${config.bodyLimitBytes} bytes (USHER_BODY_LIMIT_BYTES).`,
      ],
    };
    const mapped =
      known[error.code] ??
      (error instanceof SyntaxError && error.statusCode === 400 ? known.FST_ERR_CTP_INVALID_JSON_BODY : undefined);
    if (mapped) {
      return sendProblem(reply, mapped[0], problemBody(request, mapped[0], mapped[1], mapped[2]));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(
        reply,
        error.statusCode,
        problemBody(request, error.statusCode, 'request.invalid', error.message),
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      500,
      problemBody(request, 500, HttpErrorCodes.internal, 'Something went wrong on the server. It has been logged.'),
    );
  });

  // Authentication of the REST API: bearer token, or session cookie with CSRF on writes.
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/') || request.routeOptions.config.public || !request.routeOptions.url) {
      return;
    }
    const origin = originOf(request);
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match?.[1]) {
        throw new AppError(AuthErrorCodes.invalidToken, 401, 'Send the API token as `Authorization: Bearer <token>`.');
      }
      request.actor = await authenticateApiToken(ctx, match[1], origin);
      return;
    }
    const cookie = request.cookies[sessionCookieName(ctx)];
    if (!cookie) {
      throw new AppError(
        AuthErrorCodes.required,
        401,
        'Sign in, or send an API token as `Authorization: Bearer <token>`.',
      );
    }
    const { actor, session } = await authenticateSession(ctx, cookie, origin);
    request.actor = actor;
    request.session = session;
    if (
      session.mfaEnrolmentRequired &&
      !request.routeOptions.config.duringMfaEnrolment &&
      !MFA_ENROLMENT_PATHS.has(request.routeOptions.url ?? '')
    ) {
      throw new AppError(
        AuthErrorCodes.mfaEnrolmentRequired,
        403,
        'The organization requires a second factor: enrol an authenticator app first (POST /api/v1/auth/mfa/totp).',
      );
    }
    if (UNSAFE_METHODS.has(request.method)) {
      try {
        checkCsrf(session, request.headers['x-csrf-token'] as string | undefined);
      } catch (error) {
        await recordSecurityEvent(ctx.db, actor, {
          action: 'auth.csrf_rejected',
          target: null,
          after: { method: request.method, path: request.url.split('?')[0] },
        });
        throw error;
      }
    }
  });

  // Control characters are refused here, once, for every JSON and SCIM body, query string and path.
  app.addHook('preValidation', async (request) => {
    const errors = controlCharacterProblems(request);
    if (errors.length > 0) {
      throw new AppError(
        HttpErrorCodes.validationFailed,
        400,
        `Invalid input in ${errors.map((problem) => problem.field).join(', ')}: ${errors[0]?.message}`,
        { errors },
      );
    }
  });

  // API answers are never cached (some carry secrets) and never content-sniffed.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/') || request.url.startsWith('/scim/')) {
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
    }
    return payload;
  });

  if (options.strictStatuses) {
    app.addHook('onSend', async (request, reply, payload) => {
      const declared = request.routeOptions.schema?.response as Record<string, unknown> | undefined;
      const status = reply.statusCode;
      // 413 and 415 come from body parsing, before any handler runs, on every route with a body.
      const edgeStatus = status === 413 || status === 415;
      if (declared && status < 500 && !edgeStatus && !(String(status) in declared) && !('default' in declared)) {
        request.log.error({ status, url: redactUrl(request.url) }, 'undeclared response status');
        reply.status(500);
        return JSON.stringify(
          problemBody(
            request,
            500,
            HttpErrorCodes.internal,
            `Route answered ${status}, which its schema does not declare.`,
          ),
        );
      }
      return payload;
    });
  }

  let migrated = false;
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      migrated ||= await isMigrated(ctx.db);
    } catch {
      migrated = false;
    }
    return migrated ? { status: 'ok' } : reply.status(503).send({ status: 'unavailable' });
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(
    async (api) => {
      await api.register(authRoutes(ctx));
      await api.register(passwordsRoutes(ctx));
      await api.register(mfaRoutes(ctx));
      await api.register(ssoRoutes(ctx));
      await api.register(organizationsRoutes(ctx));
      await api.register(apiTokensRoutes(ctx));
      await api.register(auditRoutes(ctx));
      await api.register(productsRoutes(ctx));
      await api.register(domainsRoutes(ctx));
      await api.register(usersRoutes(ctx));
      await api.register(usersExportRoutes(ctx));
      await api.register(groupsRoutes(ctx));
      await api.register(scimTokensRoutes(ctx));
      await api.register(csvTemplatesRoutes(ctx));
      await api.register(bulkRoutes(ctx));
      await api.register(outboxRoutes(ctx));
      await api.register(devicesRoutes(ctx));
      await api.register(integrationsRoutes(ctx));
      await api.register(syncRoutes(ctx));
      await api.register(overviewRoutes(ctx));
      api.all('/*', { schema: { hide: true }, config: { public: true } }, async (request, reply) =>
        sendProblem(
          reply,
          404,
          problemBody(
            request,
            404,
            HttpErrorCodes.notFound,
            `No API endpoint ${request.method} ${request.url.split('?')[0]}.`,
          ),
        ),
      );
    },
    { prefix: '/api/v1' },
  );
  await app.register(scimRoutes(ctx), { prefix: SCIM_PREFIX });
  await app.register(imsRoutes(ctx), { prefix: IMS_PREFIX });
  await app.register(umapiRoutes(ctx), { prefix: UMAPI_PREFIX });

  await registerConsole(app, options.webRoot ?? WEB_ROOT);
  return app;
}

/**
 * Serves the built console, with index.html for every client-side route. Files go out as their
 * brotli or gzip copy (written at build time) by Accept-Encoding. Content-hashed files under
 * assets/ never change, so browsers keep them for a year; index.html names the current ones and
 * is revalidated on every load.
 */
async function registerConsole(app: FastifyInstance, webRoot: string): Promise<void> {
  const indexFile = path.join(webRoot, 'index.html');
  const hasConsole = fs.existsSync(indexFile);
  if (hasConsole) {
    const assets = path.join(webRoot, 'assets') + path.sep;
    await app.register(fastifyStatic, {
      root: webRoot,
      wildcard: false,
      index: false,
      preCompressed: true,
      cacheControl: false,
      setHeaders: (reply, file) => {
        reply.header('cache-control', file.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const isPage =
      request.method === 'GET' &&
      !request.url.startsWith('/api/') &&
      !/\.[a-z0-9]+$/i.test(request.url.split('?')[0] ?? '');
    if (isPage && hasConsole) {
      return reply
        .header('cache-control', 'no-cache')
        .header('x-frame-options', 'DENY')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'same-origin')
        .header(
          'content-security-policy',
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        )
        .sendFile('index.html');
    }
    if (isPage) {
      return reply
        .status(503)
        .type('text/plain')
        .send('The console has not been built. Run `npm run build` (npm start does it for you).');
    }
    return sendProblem(
      reply,
      404,
      problemBody(request, 404, HttpErrorCodes.notFound, `Nothing at ${request.method} ${request.url.split('?')[0]}.`),
    );
  });
}
