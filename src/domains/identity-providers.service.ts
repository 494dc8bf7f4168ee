import { X509Certificate } from 'node:crypto';
import type { Insertable, Transaction } from 'kysely';
import type { IdentityProvider, SamlView } from '../../shared/api/domains.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { secretBox } from '../auth/encryption.ts';
import { parseIdpMetadata, pemOf, type SamlSettings, samlAcsUrl, samlEntityId } from '../auth/saml.service.ts';
import { clientSecretContext, discoverProvider, isLoopbackUrl, oidcRedirectUri } from '../auth/sso.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { type Executor, transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { type Actor, authorize } from '../roles/policy.ts';

/** A directory's identity provider as the API shows it (declared once in shared/api/domains.ts). */
export type IdentityProviderView = IdentityProvider;
export type { SamlView };

/** The body of a SAML identity provider: its metadata (URL or XML), or its three settings. */
export interface SamlInput {
  protocol: 'saml';
  metadataUrl?: string | undefined;
  metadataXml?: string | undefined;
  entityId?: string | undefined;
  ssoUrl?: string | undefined;
  certificate?: string | undefined;
}

/** The body of an OpenID Connect identity provider. */
export interface OidcInput {
  protocol: 'oidc';
  issuer: string;
  clientId: string;
  clientSecret?: string | undefined;
}

export const IdentityProviderErrorCodes = {
  notFederated: 'directories.not_federated',
  secretRequired: 'directories.client_secret_required',
  invalidIssuer: 'directories.invalid_issuer',
  samlSettingsRequired: 'directories.saml_settings_required',
  metadataUnavailable: 'directories.saml_metadata_unavailable',
  invalidMetadata: 'directories.invalid_saml_metadata',
  invalidCertificate: 'directories.invalid_saml_certificate',
  invalidSamlUrl: 'directories.invalid_saml_url',
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
  const certificates = (
    row.saml_certificates?.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
  )
    .map((pem) => new X509Certificate(pem))
    .map((certificate) => ({
      subject: certificate.subject.replace(/\n/g, ', '),
      validTo: new Date(certificate.validTo).toISOString(),
    }));
  return {
    directoryId,
    protocol: row.protocol,
    ...(row.protocol === 'saml'
      ? {
          saml: {
            entityId: row.saml_entity_id ?? '',
            ssoUrl: row.saml_sso_url ?? '',
            metadataUrl: row.saml_metadata_url,
            certificates,
            spEntityId: samlEntityId(ctx, directoryId),
            acsUrl: samlAcsUrl(ctx, directoryId),
            spMetadataUrl: samlEntityId(ctx, directoryId),
          },
        }
      : {}),
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
  input: OidcInput | SamlInput,
): Promise<IdentityProviderView> {
  authorize(actor, 'domain.manage');
  if (input.protocol === 'saml') {
    return setSamlIdentityProvider(ctx, actor, directoryId, input);
  }
  const issuer = input.issuer.trim().replace(/\/+$/, '');
  checkIssuer(issuer);
  const box = input.clientSecret ? await secretBox(ctx.config) : undefined;
  await transaction(ctx.db, async (trx) => {
    const directory = await federatedDirectoryForUpdate(trx, actor, directoryId);
    const before = await trx
      .selectFrom('identity_providers')
      .select(['protocol', 'oidc_issuer', 'oidc_client_id', 'oidc_client_secret', 'saml_entity_id'])
      .where('organization_id', '=', actor.organizationId)
      .where('directory_id', '=', directoryId)
      .executeTakeFirst();
    const sealed = input.clientSecret
      ? box?.seal(input.clientSecret, clientSecretContext(actor.organizationId, directoryId))
      : before?.protocol === 'oidc'
        ? before.oidc_client_secret
        : null;
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
      saml_entity_id: null,
      saml_sso_url: null,
      saml_certificates: null,
      saml_metadata_url: null,
      updated_at: new Date(),
    };
    await writeProvider(trx, actor, directoryId, directory.name, values, before ? auditedSettings(before) : null, {
      protocol: input.protocol,
      issuer,
      clientId: values.oidc_client_id,
      clientSecretChanged: Boolean(input.clientSecret),
    });
  });
  return getIdentityProvider(ctx, actor, directoryId);
}

/** Writes a directory's identity provider (one row per directory) and its audit event. */
async function writeProvider(
  trx: Transaction<DB>,
  actor: Actor,
  directoryId: string,
  directoryName: string,
  values: Omit<Insertable<DB['identity_providers']>, 'directory_id' | 'organization_id'>,
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
): Promise<void> {
  await trx
    .insertInto('identity_providers')
    .values({ directory_id: directoryId, organization_id: actor.organizationId, ...values })
    .onConflict((conflict) => conflict.column('directory_id').doUpdateSet(values))
    .execute();
  await recordAudit(trx, actor, {
    action: 'directory.identity_provider.update',
    target: { type: 'directory', id: directoryId, label: directoryName },
    before,
    after,
  });
}

/** The directory, locked, if it is a Federated directory of the actor's organization. */
async function federatedDirectoryForUpdate(trx: Executor, actor: Actor, directoryId: string) {
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
  return directory;
}

/** What the audit log keeps of a provider's settings (never a secret). */
function auditedSettings(row: {
  protocol: 'oidc' | 'saml';
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  saml_entity_id: string | null;
}): Record<string, unknown> {
  return row.protocol === 'oidc'
    ? { protocol: row.protocol, issuer: row.oidc_issuer, clientId: row.oidc_client_id }
    : { protocol: row.protocol, entityId: row.saml_entity_id };
}

/** The https URL of a SAML setting (plain http only on this machine). */
function checkUrl(value: string, field: string, example: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url)))) {
    const message = `must be an https URL, e.g. ${example}; plain http only on localhost`;
    throw new AppError(IdentityProviderErrorCodes.invalidSamlUrl, 400, `${field} ${message}.`, {
      errors: [{ field: `body.${field}`, message }],
    });
  }
  return url;
}

/** Reads an identity provider's metadata from its URL (10 seconds, 1 MB at most). */
async function fetchMetadata(metadataUrl: string): Promise<string> {
  const url = checkUrl(
    metadataUrl,
    'metadataUrl',
    'https://login.microsoftonline.com/<tenant>/federationmetadata/2007-06/federationmetadata.xml',
  );
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'follow' });
    if (!response.ok) {
      throw new Error(`it answered HTTP ${response.status}`);
    }
    text = await response.text();
  } catch (error) {
    const message = `could not be read: ${(error as Error).message}`;
    throw new AppError(IdentityProviderErrorCodes.metadataUnavailable, 400, `metadataUrl ${message}.`, {
      errors: [{ field: 'body.metadataUrl', message }],
    });
  }
  if (text.length > 1024 * 1024) {
    const message = 'is larger than 1 MB: give the metadata of this one identity provider';
    throw new AppError(IdentityProviderErrorCodes.metadataUnavailable, 400, `metadataUrl ${message}.`, {
      errors: [{ field: 'body.metadataUrl', message }],
    });
  }
  return text;
}

/** A SAML provider's settings from its metadata URL, its metadata XML, or the three values given. */
async function samlSettingsFrom(input: SamlInput): Promise<SamlSettings & { metadataUrl: string | null }> {
  if (input.metadataUrl) {
    return {
      ...(await parseIdpMetadata(await fetchMetadata(input.metadataUrl.trim()))),
      metadataUrl: input.metadataUrl.trim(),
    };
  }
  if (input.metadataXml) {
    return { ...(await parseIdpMetadata(input.metadataXml)), metadataUrl: null };
  }
  if (!input.entityId || !input.ssoUrl || !input.certificate) {
    const message = 'give metadataUrl, or metadataXml, or all three of entityId, ssoUrl and certificate';
    throw new AppError(
      IdentityProviderErrorCodes.samlSettingsRequired,
      400,
      `A SAML identity provider needs its settings: ${message}.`,
      {
        errors: [{ field: 'body', message }],
      },
    );
  }
  checkUrl(input.ssoUrl.trim(), 'ssoUrl', 'https://<org>.okta.com/app/<app>/<id>/sso/saml');
  return {
    entityId: input.entityId.trim(),
    ssoUrl: input.ssoUrl.trim(),
    certificates: pemOf(input.certificate, 'certificate'),
    metadataUrl: null,
  };
}

/**
 * Sets a Federated directory's SAML 2.0 identity provider from its metadata (URL or XML) or its
 * entity id, single sign-on URL and signing certificate; audited.
 */
async function setSamlIdentityProvider(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  input: SamlInput,
): Promise<IdentityProviderView> {
  const settings = await samlSettingsFrom(input);
  await transaction(ctx.db, async (trx) => {
    const directory = await federatedDirectoryForUpdate(trx, actor, directoryId);
    const before = await trx
      .selectFrom('identity_providers')
      .select(['protocol', 'oidc_issuer', 'oidc_client_id', 'saml_entity_id'])
      .where('organization_id', '=', actor.organizationId)
      .where('directory_id', '=', directoryId)
      .executeTakeFirst();
    const values = {
      protocol: 'saml' as const,
      oidc_issuer: null,
      oidc_client_id: null,
      oidc_client_secret: null,
      saml_entity_id: settings.entityId,
      saml_sso_url: settings.ssoUrl,
      saml_certificates: settings.certificates,
      saml_metadata_url: settings.metadataUrl,
      updated_at: new Date(),
    };
    await writeProvider(trx, actor, directoryId, directory.name, values, before ? auditedSettings(before) : null, {
      protocol: 'saml',
      entityId: settings.entityId,
      ssoUrl: settings.ssoUrl,
      metadataUrl: settings.metadataUrl,
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
      .returning(['protocol', 'oidc_issuer', 'oidc_client_id', 'saml_entity_id'])
      .executeTakeFirst();
    if (!removed) {
      throw notFound('Identity provider');
    }
    await recordAudit(trx, actor, {
      action: 'directory.identity_provider.remove',
      target: {
        type: 'directory',
        id: directoryId,
        label: removed.oidc_issuer ?? removed.saml_entity_id ?? removed.protocol,
      },
      before: auditedSettings(removed),
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
    .select(['protocol', 'oidc_issuer', 'oidc_client_id', 'oidc_client_secret', 'saml_metadata_url', 'saml_entity_id'])
    .where('organization_id', '=', actor.organizationId)
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
  if (row?.protocol === 'saml') {
    return testSamlIdentityProvider(ctx, actor, directoryId, row.saml_metadata_url);
  }
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

/** A SAML provider's check: its metadata URL still answers with the same entity, its certificates are valid. */
async function testSamlIdentityProvider(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  metadataUrl: string | null,
): Promise<{ ok: boolean; message: string }> {
  const view = await getIdentityProvider(ctx, actor, directoryId);
  const saml = view.saml;
  const expired = saml?.certificates.filter((certificate) => Date.parse(certificate.validTo) <= Date.now()) ?? [];
  if (!saml || saml.certificates.length === expired.length) {
    return {
      ok: false,
      message: 'Every signing certificate of the identity provider has expired: read its metadata again.',
    };
  }
  if (metadataUrl) {
    try {
      const current = await samlSettingsFrom({ protocol: 'saml', metadataUrl });
      if (current.entityId !== saml.entityId || current.ssoUrl !== saml.ssoUrl) {
        return {
          ok: false,
          message: `The metadata at ${metadataUrl} has changed: save the provider again to read it.`,
        };
      }
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }
  return { ok: true, message: `Sign-in goes to ${saml.ssoUrl}; assertions must be signed by ${saml.entityId}.` };
}
