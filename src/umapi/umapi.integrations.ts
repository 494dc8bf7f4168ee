import { randomBytes } from 'node:crypto';
import type { Integration, IntegrationSettings } from '../../shared/api/integrations.ts';
import type { AdminRole } from '../../shared/roles.ts';
import {
  type ApiTokenView,
  createApiToken,
  listApiTokens,
  revokeApiToken,
  rotateApiTokenSecret,
} from '../api-tokens/api-tokens.service.ts';
import type { AppContext } from '../context.ts';
import { notFound } from '../core/errors.ts';
import type { Actor } from '../roles/policy.ts';
import { UMAPI_PREFIX } from './umapi.routes.ts';
import { CLIENT_SECRET_PREFIX } from './umapi.tokens.ts';

/**
 * Integrations (Settings → Integrations): OAuth server-to-server credentials with which Adobe's
 * clients call Usher's User Management API. An integration is an API token of kind `umapi`
 * carrying one admin role, so creating, listing and revoking it are the API token services'
 * (authorization `apiToken.*`: system admins), with a public client id added.
 */

function present(view: ApiTokenView): Integration {
  return {
    id: view.id,
    name: view.name,
    clientId: view.clientId ?? '',
    secretPrefix: view.prefix,
    role: view.role,
    scope: view.scope,
    createdAt: view.createdAt,
    createdBy: view.createdBy,
    lastUsedAt: view.lastUsedAt,
    revokedAt: view.revokedAt,
  };
}

/**
 * The integrations of the organization and the values the clients' configuration needs.
 * @throws AppError 403 without `apiToken.read`
 */
export async function getIntegrationSettings(ctx: AppContext, actor: Actor): Promise<IntegrationSettings> {
  const integrations = (await listApiTokens(ctx, actor, 'umapi')).map(present);
  const url = new URL(ctx.config.publicUrl);
  return {
    orgId: `${actor.organizationId}@AdobeOrg`,
    host: url.host,
    tokenEndpoint: `${url.origin}/ims/token/v2`,
    apiEndpoint: `${url.origin}${UMAPI_PREFIX}`,
    https: url.protocol === 'https:',
    integrations,
  };
}

/**
 * Creates an integration: a client id and a client secret (returned once; stored as SHA-256)
 * carrying one admin role.
 * @returns the integration, its secret and the organization id for the clients
 * @throws AppError 403 without `apiToken.create`; 400/422 for a bad scope (as for API tokens)
 */
export async function createIntegration(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; role: AdminRole; scope?: string[] | undefined },
): Promise<{ integration: Integration; clientSecret: string; orgId: string }> {
  const clientId = randomBytes(16).toString('hex');
  const created = await createApiToken(ctx, actor, input, 'umapi', { prefix: CLIENT_SECRET_PREFIX, clientId });
  return {
    integration: present(created.view),
    clientSecret: created.token,
    orgId: `${actor.organizationId}@AdobeOrg`,
  };
}

async function requireIntegration(ctx: AppContext, actor: Actor, id: string): Promise<Integration> {
  const found = (await listApiTokens(ctx, actor, 'umapi')).find((view) => view.id === id);
  if (!found) {
    throw notFound('Integration');
  }
  return present(found);
}

/**
 * Replaces an integration's client secret; the old one and its access tokens stop working at once.
 * @returns the new secret (shown once)
 * @throws AppError 403; 404; 409 when revoked
 */
export async function rotateIntegrationSecret(ctx: AppContext, actor: Actor, id: string): Promise<string> {
  await requireIntegration(ctx, actor, id);
  return rotateApiTokenSecret(ctx, actor, id, 'umapi', CLIENT_SECRET_PREFIX);
}

/**
 * Revokes an integration: its secret and every access token issued for it stop working at once.
 * @throws AppError 403; 404; 409 when already revoked
 */
export async function revokeIntegration(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  await requireIntegration(ctx, actor, id);
  await revokeApiToken(ctx, actor, id);
}
