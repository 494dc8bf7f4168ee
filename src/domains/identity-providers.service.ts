import { recordAudit } from '../audit/audit.service.ts';
import { secretBox } from '../auth/encryption.ts';
import { clientSecretContext, discoverProvider, isLoopbackUrl, oidcRedirectUri } from '../auth/sso.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import { type Actor, authorize } from '../roles/policy.ts';

/** A directory's identity provider as the API shows it (never the client secret). */
export interface IdentityProviderView {
  directoryId: string;
  protocol: 'oidc';
  issuer: string;
  clientId: string;
  clientSecretSet: boolean;
  /** The redirect URI to register at the identity provider. */
  redirectUri: string;
  updatedAt: string;
}

export const IdentityProviderErrorCodes = {
  notFederated: 'directories.not_federated',
  secretRequired: 'directories.client_secret_required',
  invalidIssuer: 'directories.invalid_issuer',
} as const;

/**
 * Reads a directory's identity provider.
 * @throws AppError 403 without `domain.read`; 404 when the directory or its provider is missing
 */
export async function getIdentityProvider(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
): Promise<IdentityProviderView> {
  authorize(actor, 'domain.read');
  const row = await ctx.db
    .selectFrom('identity_providers')
    .selectAll()
    .where('organization_id', '=', actor.organizationId)
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
  if (!row) {
    throw notFound('Identity provider');
  }
  return {
    directoryId,
    protocol: 'oidc',
    issuer: row.oidc_issuer ?? '',
    clientId: row.oidc_client_id ?? '',
    clientSecretSet: Boolean(row.oidc_client_secret),
    redirectUri: oidcRedirectUri(ctx),
    updatedAt: row.updated_at.toISOString(),
  };
}

function checkIssuer(issuer: string): void {
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {
    url = undefined;
  }
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url))) || url.search) {
    const message =
      'must be the https URL of the identity provider (its issuer), e.g. https://login.microsoftonline.com/<tenant>/v2.0; plain http only on localhost';
    throw new AppError(IdentityProviderErrorCodes.invalidIssuer, 400, `issuer ${message}.`, {
      errors: [{ field: 'body.issuer', message }],
    });
  }
}

/**
 * Sets a Federated directory's OpenID Connect identity provider (system admins), audited without
 * the secret. The client secret is sealed with the instance key, bound to the directory; it may be
 * left out to keep the stored one.
 * @throws AppError 403; 404; 400 `directories.invalid_issuer`, `directories.client_secret_required`;
 *   422 `directories.not_federated`
 */
export async function setIdentityProvider(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  input: { protocol: 'oidc'; issuer: string; clientId: string; clientSecret?: string | undefined },
): Promise<IdentityProviderView> {
  authorize(actor, 'domain.manage');
  const issuer = input.issuer.trim().replace(/\/+$/, '');
  checkIssuer(issuer);
  const box = input.clientSecret ? await secretBox(ctx.config) : undefined;
  await transaction(ctx.db, async (trx) => {
    const directory = await trx
      .selectFrom('directories')
      .select(['name', 'identity_type'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', directoryId)
      .forUpdate()
      .executeTakeFirst();
    if (!directory) {
      throw notFound('Directory');
    }
    if (directory.identity_type !== 'federated') {
      throw new AppError(
        IdentityProviderErrorCodes.notFederated,
        422,
        'Only a Federated directory signs in through an identity provider: change its identity type to federated first.',
      );
    }
    const before = await trx
      .selectFrom('identity_providers')
      .select(['protocol', 'oidc_issuer', 'oidc_client_id', 'oidc_client_secret'])
      .where('organization_id', '=', actor.organizationId)
      .where('directory_id', '=', directoryId)
      .executeTakeFirst();
    const sealed = input.clientSecret
      ? box?.seal(input.clientSecret, clientSecretContext(actor.organizationId, directoryId))
      : before?.oidc_client_secret;
    if (!sealed) {
      const message = 'is required the first time: the client secret the identity provider gave for Usher';
      throw new AppError(IdentityProviderErrorCodes.secretRequired, 400, `clientSecret ${message}.`, {
        errors: [{ field: 'body.clientSecret', message }],
      });
    }
    const values = {
      protocol: input.protocol,
      oidc_issuer: issuer,
      oidc_client_id: input.clientId.trim(),
      oidc_client_secret: sealed,
      updated_at: new Date(),
    };
    await trx
      .insertInto('identity_providers')
      .values({ directory_id: directoryId, organization_id: actor.organizationId, ...values })
      .onConflict((conflict) => conflict.column('directory_id').doUpdateSet(values))
      .execute();
    await recordAudit(trx, actor, {
      action: 'directory.identity_provider.update',
      target: { type: 'directory', id: directoryId, label: directory.name },
      before: before
        ? { protocol: before.protocol, issuer: before.oidc_issuer, clientId: before.oidc_client_id }
        : null,
      after: {
        protocol: input.protocol,
        issuer,
        clientId: values.oidc_client_id,
        clientSecretChanged: Boolean(input.clientSecret),
      },
    });
  });
  return getIdentityProvider(ctx, actor, directoryId);
}

/**
 * Removes a directory's identity provider (system admins), audited; its admins sign in with a
 * password again.
 * @throws AppError 403; 404
 */
export async function removeIdentityProvider(ctx: AppContext, actor: Actor, directoryId: string): Promise<void> {
  authorize(actor, 'domain.manage');
  await transaction(ctx.db, async (trx) => {
    const removed = await trx
      .deleteFrom('identity_providers')
      .where('organization_id', '=', actor.organizationId)
      .where('directory_id', '=', directoryId)
      .returning(['protocol', 'oidc_issuer', 'oidc_client_id'])
      .executeTakeFirst();
    if (!removed) {
      throw notFound('Identity provider');
    }
    await recordAudit(trx, actor, {
      action: 'directory.identity_provider.remove',
      target: { type: 'directory', id: directoryId, label: removed.oidc_issuer ?? removed.protocol },
      before: { protocol: removed.protocol, issuer: removed.oidc_issuer, clientId: removed.oidc_client_id },
    });
  });
}

/**
 * Tries a directory's identity provider: reads its discovery document as sign-in would.
 * @returns whether it answered, and its authorization endpoint or the problem
 * @throws AppError 403; 404
 */
export async function testIdentityProvider(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
): Promise<{ ok: boolean; message: string }> {
  authorize(actor, 'domain.manage');
  const row = await ctx.db
    .selectFrom('identity_providers')
    .select(['oidc_issuer', 'oidc_client_id', 'oidc_client_secret'])
    .where('organization_id', '=', actor.organizationId)
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
  if (!row?.oidc_issuer || !row.oidc_client_id || !row.oidc_client_secret) {
    throw notFound('Identity provider');
  }
  const box = await secretBox(ctx.config);
  try {
    const config = await discoverProvider({
      issuer: row.oidc_issuer,
      clientId: row.oidc_client_id,
      clientSecret: box.open(row.oidc_client_secret, clientSecretContext(actor.organizationId, directoryId)),
    });
    const endpoint = config.serverMetadata().authorization_endpoint ?? '';
    return { ok: true, message: `The identity provider answered: sign-in goes to ${endpoint}.` };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}
