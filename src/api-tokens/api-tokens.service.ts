import type { ApiToken } from '../../shared/api/api-tokens.ts';
import { type AdminRole, ROLE_SCOPE } from '../../shared/roles.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { hashSecret, randomToken } from '../auth/secrets.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import type { ApiTokenKind } from '../db/schema.ts';
import { type Actor, authorize, type Grant } from '../roles/policy.ts';
import { insertGrants } from '../users/users.admin-roles.ts';
import { ApiTokenErrorCodes } from './api-tokens.errors.ts';
import { findApiTokensByOrganizationId, findExistingScopeIds } from './api-tokens.queries.ts';

/** Prefix of every Usher API token, so secret scanners and people can recognise one. */
export const TOKEN_PREFIX = 'usher_';

/**
 * An API token as the API shows it (never its secret or hash), with the public OAuth client id of
 * a UMAPI integration (null for other kinds), which the integrations present.
 */
export type ApiTokenView = ApiToken & { clientId: string | null };

const SCOPE_TABLES = { product: 'products', profile: 'product_profiles', group: 'user_groups' } as const;

function scopeIdOf(grant: Grant): string | null {
  return grant.productId ?? grant.profileId ?? grant.groupId;
}

/**
 * Lists the organization's API tokens, revoked ones included.
 * @throws AppError 403 without `apiToken.read`
 */
export async function listApiTokens(
  ctx: AppContext,
  actor: Actor,
  kind: ApiTokenKind = 'api',
): Promise<ApiTokenView[]> {
  authorize(actor, 'apiToken.read');
  const rows = await findApiTokensByOrganizationId(ctx.db, actor.organizationId, kind);
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    prefix: row.tokenPrefix,
    role: row.grants[0]?.role ?? 'support-admin',
    scope: row.grants.map(scopeIdOf).filter((id) => id !== null),
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdByEmail,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    clientId: row.clientId,
  }));
}

/**
 * Creates an API token carrying one admin role (over `scope` for scoped roles). The secret is
 * returned once; only its SHA-256 is stored.
 * @throws AppError 403 without `apiToken.create`; 400 for a scope on an unscoped role or none on
 *   a scoped one; 422 for scope ids that are not in the organization
 */
export async function createApiToken(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; role: AdminRole; scope?: string[] | undefined },
  tokenKind: ApiTokenKind = 'api',
  options: { prefix?: string; clientId?: string } = {},
): Promise<{ id: string; token: string; view: ApiTokenView }> {
  authorize(actor, 'apiToken.create');
  const kind = ROLE_SCOPE[input.role];
  const scope = [...new Set(input.scope ?? [])];
  if (kind && scope.length === 0) {
    throw new AppError(
      ApiTokenErrorCodes.scopeRequired,
      400,
      `The role ${input.role} needs \`scope\`: the ids of the ${kind}s it covers.`,
      {
        errors: [{ field: 'body.scope', message: `list the ${kind} ids this role covers` }],
      },
    );
  }
  if (!kind && scope.length > 0) {
    throw new AppError(
      ApiTokenErrorCodes.scopeNotAllowed,
      400,
      `The role ${input.role} covers the whole organization: remove \`scope\`.`,
      {
        errors: [{ field: 'body.scope', message: 'not allowed for this role' }],
      },
    );
  }
  const prefix = options.prefix ?? TOKEN_PREFIX;
  const token = `${prefix}${randomToken(32)}`;
  const id = await transaction(ctx.db, async (trx) => {
    if (kind) {
      const existing = await findExistingScopeIds(trx, actor.organizationId, SCOPE_TABLES[kind], scope);
      const missing = scope.filter((scopeId) => !existing.has(scopeId));
      if (missing.length > 0) {
        throw new AppError(
          ApiTokenErrorCodes.scopeNotFound,
          422,
          `No ${kind} with id ${missing.join(', ')} in this organization.`,
          {
            errors: missing.map((scopeId) => ({ field: 'body.scope', message: `unknown ${kind} ${scopeId}` })),
          },
        );
      }
    }
    const row = await trx
      .insertInto('api_tokens')
      .values({
        organization_id: actor.organizationId,
        name: input.name.trim(),
        token_hash: hashSecret(token),
        token_prefix: token.slice(0, prefix.length + 4),
        created_by_user_id: actor.type === 'user' ? actor.id : null,
        kind: tokenKind,
        client_id: options.clientId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const grants: Grant[] = (kind ? scope : [null]).map((scopeId) => ({
      role: input.role,
      productId: kind === 'product' ? scopeId : null,
      profileId: kind === 'profile' ? scopeId : null,
      groupId: kind === 'group' ? scopeId : null,
    }));
    await insertGrants(trx, actor.organizationId, { apiTokenId: row.id }, grants);
    await recordAudit(trx, actor, {
      action: 'api_token.create',
      target: { type: 'api_token', id: row.id, label: input.name.trim() },
      after: {
        name: input.name.trim(),
        role: input.role,
        scope,
        ...(tokenKind === 'api' ? {} : { kind: tokenKind }),
        ...(options.clientId ? { clientId: options.clientId } : {}),
      },
    });
    return row.id;
  });
  const view = (await listApiTokens(ctx, actor, tokenKind)).find((entry) => entry.id === id);
  if (!view) {
    throw notFound('API token');
  }
  return { id, token, view };
}

/**
 * Revokes an API token at once: later calls with it get 401. The row stays, for the audit log.
 * @throws AppError 403 without `apiToken.revoke`; 404 when not in the organization; 409 when already revoked
 */
export async function revokeApiToken(ctx: AppContext, actor: Actor, tokenId: string): Promise<void> {
  authorize(actor, 'apiToken.revoke');
  await transaction(ctx.db, async (trx) => {
    const row = await trx
      .selectFrom('api_tokens')
      .select(['id', 'name', 'revoked_at'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', tokenId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) {
      throw notFound('API token');
    }
    if (row.revoked_at) {
      throw new AppError(ApiTokenErrorCodes.alreadyRevoked, 409, 'This API token was already revoked.');
    }
    const revokedAt = new Date();
    await trx
      .updateTable('api_tokens')
      .set({ revoked_at: revokedAt })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', tokenId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'api_token.revoke',
      target: { type: 'api_token', id: row.id, label: row.name },
      before: { revokedAt: null },
      after: { revokedAt: revokedAt.toISOString() },
    });
  });
}

/**
 * Replaces the secret of a token (a UMAPI integration's client secret) at once: the old secret
 * stops working, and so do the access tokens issued for it. The new secret is returned once.
 * @param prefix the new secret's prefix
 * @returns the new secret
 * @throws AppError 403 without `apiToken.create`; 404 when not in the organization or of another
 *   kind; 409 when revoked
 */
export async function rotateApiTokenSecret(
  ctx: AppContext,
  actor: Actor,
  tokenId: string,
  kind: ApiTokenKind,
  prefix: string,
): Promise<string> {
  authorize(actor, 'apiToken.create');
  const token = `${prefix}${randomToken(32)}`;
  await transaction(ctx.db, async (trx) => {
    const row = await trx
      .selectFrom('api_tokens')
      .select(['id', 'name', 'revoked_at', 'token_prefix'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', tokenId)
      .where('kind', '=', kind)
      .forUpdate()
      .executeTakeFirst();
    if (!row) {
      throw notFound('Integration');
    }
    if (row.revoked_at) {
      throw new AppError(ApiTokenErrorCodes.alreadyRevoked, 409, 'This credential was revoked: create a new one.');
    }
    const tokenPrefix = token.slice(0, prefix.length + 4);
    await trx
      .updateTable('api_tokens')
      .set({ token_hash: hashSecret(token), token_prefix: tokenPrefix })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', tokenId)
      .execute();
    await trx
      .deleteFrom('umapi_access_tokens')
      .where('organization_id', '=', actor.organizationId)
      .where('api_token_id', '=', tokenId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'api_token.rotate',
      target: { type: 'api_token', id: row.id, label: row.name },
      before: { prefix: row.token_prefix },
      after: { prefix: tokenPrefix },
    });
  });
  return token;
}
