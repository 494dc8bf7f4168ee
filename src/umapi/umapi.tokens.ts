import { sql } from 'kysely';
import {
  apiTokensRelation,
  findUmapiIntegrationByClientId,
  markApiTokenUsed,
} from '../api-tokens/api-tokens.credentials.ts';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import type { RequestOrigin } from '../auth/auth.service.ts';
import { hitRateLimitStatement, hitRateLimitWithRetry } from '../auth/rate-limit.ts';
import { hashSecret, randomToken, safeEqual } from '../auth/secrets.ts';
import type { AppContext } from '../context.ts';
import { apiTokenGrantsJson, type GrantRow, toGrant } from '../roles/grants.ts';
import type { Actor } from '../roles/policy.ts';
import { OAuthError, OAuthErrorCodes, UmapiError } from './umapi.errors.ts';

/** Prefix of an integration's client secret, so secret scanners and people recognise one. */
export const CLIENT_SECRET_PREFIX = 'usher_umapi_';
/** Prefix of the access tokens the token endpoint issues. */
const ACCESS_TOKEN_PREFIX = 'usher_at_';
/** The scope Adobe's clients ask for (umapi-client `auth.py` OAuthS2S.post_body). */
const UMAPI_SCOPE = 'user_management_sdk';

/** The answer of the token endpoint. */
export interface AccessTokenResponse {
  access_token: string;
  token_type: 'bearer';
  /** Seconds. OAuth server-to-server answers in seconds (umapi-client OAuthS2S.set_expiry). */
  expires_in: number;
}

/** The key an integration's requests are counted under. */
const rateKey = (integrationId: string) => `umapi:${integrationId}`;

/**
 * Refuses a request past the integration's limit (requests per minute).
 * @throws UmapiError 429 with Retry-After (seconds) when `hits` passes the limit
 */
function checkRate(ctx: AppContext, hits: number, retryAfterSeconds: number): void {
  if (hits > ctx.config.umapi.requestsPerMinute) {
    throw new UmapiError(
      429,
      'too_many_requests',
      `More than ${ctx.config.umapi.requestsPerMinute} requests in a minute from this integration (USHER_UMAPI_REQUESTS_PER_MINUTE): retry after ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    );
  }
}

/** Counts one request of an integration; past the limit, 429 with Retry-After (seconds). */
async function throttle(ctx: AppContext, integrationId: string): Promise<void> {
  const hit = await hitRateLimitWithRetry(ctx.db, rateKey(integrationId), 1);
  checkRate(ctx, hit.hits, hit.retry_after_seconds);
}

/**
 * The OAuth 2.0 client-credentials grant of `POST /ims/token/v2` (RFC 6749 section 4.4), as
 * umapi-client's OAuthS2S sends it: form-encoded `client_id`, `client_secret`,
 * `grant_type=client_credentials` and `scope=openid,AdobeID,user_management_sdk`. The client
 * secret is compared by its SHA-256; the access token is stored the same way.
 * @param form the decoded form fields
 * @returns the access token, its type and lifetime in seconds
 * @throws OAuthError 400 `invalid_request` / `unsupported_grant_type`; 401 `invalid_client`;
 *   UmapiError 429 past the integration's rate limit
 */
export async function issueAccessToken(
  ctx: AppContext,
  form: Record<string, string | undefined>,
  origin: RequestOrigin,
): Promise<AccessTokenResponse> {
  const clientId = form.client_id?.trim();
  const clientSecret = form.client_secret;
  if (form.grant_type !== 'client_credentials') {
    throw new OAuthError(
      400,
      OAuthErrorCodes.unsupportedGrantType,
      'grant_type must be client_credentials (OAuth server-to-server credentials of an Usher integration).',
    );
  }
  if (!clientId || !clientSecret) {
    throw new OAuthError(
      400,
      OAuthErrorCodes.invalidRequest,
      'Send client_id and client_secret (form-encoded) from Settings → Integrations.',
    );
  }
  const scopes = (form.scope ?? UMAPI_SCOPE).split(/[,\s]+/);
  if (!scopes.includes(UMAPI_SCOPE)) {
    throw new OAuthError(400, 'invalid_scope', `scope must include ${UMAPI_SCOPE}.`);
  }
  const row = await findUmapiIntegrationByClientId(ctx.db, clientId);
  const valid = row !== undefined && row.revoked_at === null && safeEqual(row.token_hash, hashSecret(clientSecret));
  if (!row || !valid) {
    if (row) {
      const actor: Actor = {
        type: 'api_token',
        id: row.id,
        label: row.name,
        organizationId: row.organization_id,
        grants: [],
        sourceIp: origin.ip,
        userAgent: origin.userAgent,
      };
      await recordSecurityEvent(ctx.db, actor, {
        action: 'auth.token_rejected',
        target: { type: 'api_token', id: row.id, label: row.name },
        after: { reason: row.revoked_at ? 'revoked' : 'bad_client_secret' },
      });
    }
    throw new OAuthError(
      401,
      OAuthErrorCodes.invalidClient,
      'Unknown client_id, wrong client_secret, or revoked integration.',
    );
  }
  await throttle(ctx, row.id);
  const token = `${ACCESS_TOKEN_PREFIX}${randomToken(32)}`;
  const seconds = ctx.config.umapi.tokenSeconds;
  await ctx.db
    .insertInto('umapi_access_tokens')
    .values({
      token_hash: hashSecret(token),
      organization_id: row.organization_id,
      api_token_id: row.id,
      expires_at: new Date(Date.now() + seconds * 1000),
    })
    .execute();
  await markApiTokenUsed(ctx.db, row.id);
  return { access_token: token, token_type: 'bearer', expires_in: seconds };
}

/**
 * Authenticates a UMAPI call: `Authorization: Bearer <access token>` from the token endpoint,
 * unexpired, of an integration that is not revoked, and `x-api-key` equal to its client id (both
 * sent on every call by umapi-client `auth.py` AdobeAuthBase.__call__). Counts the request
 * against the integration's rate limit.
 * @returns the integration as the actor, with its role grants
 * @throws UmapiError 401 for a missing, unknown or expired token or a wrong x-api-key; 429
 */
export async function authenticateUmapiCall(
  ctx: AppContext,
  authorization: string | undefined,
  apiKey: string | undefined,
  origin: RequestOrigin,
): Promise<Actor> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) {
    throw new UmapiError(401, 'unauthorized', 'Send `Authorization: Bearer <access token>` from /ims/token/v2.');
  }
  // One statement per call: the token and its integration, the request counted against the
  // integration's limit (only for a live token sent with its client id), and the role's grants.
  // Nothing is cached, so a revoked integration or an expired token is refused on its next call.
  const apiKeyGiven = apiKey?.trim() ?? '';
  const found = await sql<{
    id: string;
    organization_id: string;
    name: string;
    client_id: string | null;
    revoked: boolean;
    live: boolean;
    hits: number | null;
    retry_after_seconds: number | null;
    grants: GrantRow[];
  }>`
    with token as (
      select i.id, i.organization_id, i.name, i.client_id, i.revoked_at is not null as revoked,
        t.expires_at > now() as live
      from umapi_access_tokens t
      join ${apiTokensRelation()} i on i.organization_id = t.organization_id and i.id = t.api_token_id
      where t.token_hash = ${hashSecret(match[1])}
    ), hit as (
      ${hitRateLimitStatement(
        sql`select 'umapi:' || token.id::text as key from token
          where not token.revoked and token.live and token.client_id = ${apiKeyGiven}`,
        1,
      )}
    )
    select token.*, hit.hits, hit.retry_after_seconds,
      ${apiTokenGrantsJson(sql.ref('token.organization_id'), sql.ref('token.id'))} as grants
    from token left join hit on true`.execute(ctx.db);
  const row = found.rows[0];
  if (!row || row.revoked || !row.live) {
    throw new UmapiError(
      401,
      'unauthorized',
      'The access token is not valid or has expired: get a new one at /ims/token/v2.',
    );
  }
  if (!apiKeyGiven || apiKeyGiven !== row.client_id || row.hits === null) {
    throw new UmapiError(401, 'unauthorized', "Send the integration's client id as the x-api-key header.");
  }
  checkRate(ctx, row.hits, row.retry_after_seconds ?? 60);
  const grants = row.grants.map(toGrant);
  return {
    type: 'api_token',
    id: row.id,
    label: row.name,
    organizationId: row.organization_id,
    grants,
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
    source: { type: 'umapi', id: row.id },
  };
}

/**
 * Deletes access tokens that expired more than a day ago (maintenance).
 * @returns how many were deleted
 */
export async function deleteExpiredAccessTokens(ctx: AppContext): Promise<number> {
  const result = await ctx.db
    .deleteFrom('umapi_access_tokens')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
