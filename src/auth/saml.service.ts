import { X509Certificate } from 'node:crypto';
import { type CacheProvider, type Profile, SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { sql } from 'kysely';
import { Parser, processors } from 'xml2js';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import type { Actor } from '../roles/policy.ts';
import type { RequestOrigin, SessionHandle } from './auth.service.ts';
import {
  checkSsoAttempt,
  emailOf,
  type FederatedDirectory,
  federatedDirectoryOf,
  recordSsoFailure,
  SSO_REQUEST_MINUTES,
  SsoErrorCodes,
  signInFederatedAdmin,
  ssoFailure,
} from './sso.service.ts';
import { deleteSsoRequestByKey, findSamlRequestCreatedAt, insertSsoRequest } from './sso-requests.queries.ts';

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/** How far the identity provider's clock may be from ours. */
export const SAML_CLOCK_SKEW_MS = 60_000;

/** The attributes an e-mail may come in, after NameID: common names, Entra ID's claim URI, the LDAP OID. */
const EMAIL_ATTRIBUTES = [
  'email',
  'mail',
  'emailAddress',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  'urn:oid:0.9.2342.19200300.100.1.3',
];

/** A directory's SAML identity provider as stored. */
export interface SamlSettings {
  entityId: string;
  ssoUrl: string;
  /** PEM certificates, one after the other. */
  certificates: string;
}

/** Usher's entity id for a directory (the URL of its SP metadata; the audience of assertions). */
export function samlEntityId(ctx: AppContext, directoryId: string): string {
  return `${ctx.config.publicUrl}/api/v1/auth/saml/${directoryId}/metadata`;
}

/** Usher's Assertion Consumer Service URL for a directory (HTTP-POST binding; the recipient). */
export function samlAcsUrl(ctx: AppContext, directoryId: string): string {
  return `${ctx.config.publicUrl}/api/v1/auth/saml/${directoryId}/acs`;
}

function invalidMetadata(message: string): AppError {
  return new AppError('directories.invalid_saml_metadata', 400, `The identity provider's metadata ${message}.`, {
    errors: [{ field: 'body.metadataXml', message }],
  });
}

/** PEM text of one base64 certificate, checked to be an X.509 certificate. */
export function pemOf(base64: string, field: string): string {
  const body = base64.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`;
  try {
    new X509Certificate(pem);
  } catch {
    const message = 'must be the X.509 signing certificate of the identity provider, PEM or base64';
    throw new AppError('directories.invalid_saml_certificate', 400, `${field} ${message}.`, {
      errors: [{ field: `body.${field}`, message }],
    });
  }
  return pem;
}

/** An XML element as xml2js gives it (prefixes stripped): attributes in `$`, text in `_`, children in arrays. */
interface XmlNode {
  $?: Record<string, string>;
  _?: string;
  [child: string]: XmlNode[] | Record<string, string> | string | undefined;
}

/** Parses XML into xml2js nodes with namespace prefixes stripped (undefined when it is not XML). */
async function parseXml(xml: string): Promise<Record<string, XmlNode> | undefined> {
  try {
    const parser = new Parser({
      explicitRoot: true,
      explicitCharkey: true,
      tagNameProcessors: [processors.stripPrefix],
    });
    return (await parser.parseStringPromise(xml)) as Record<string, XmlNode>;
  } catch {
    return undefined;
  }
}

/** The children of a node named `name`. */
function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  return Array.isArray(value) ? value : [];
}

/**
 * Reads an identity provider's SAML metadata: its entity id, the single sign-on URL of the
 * HTTP-Redirect binding, and its signing certificates.
 * @throws AppError 400 `directories.invalid_saml_metadata` naming what is missing
 */
export async function parseIdpMetadata(xml: string): Promise<SamlSettings> {
  const root = await parseXml(xml);
  const descriptors = root?.EntityDescriptor
    ? [root.EntityDescriptor]
    : children(root?.EntitiesDescriptor, 'EntityDescriptor');
  if (descriptors.length === 0) {
    throw invalidMetadata('is not SAML 2.0 metadata (an md:EntityDescriptor)');
  }
  for (const descriptor of descriptors) {
    const idp = children(descriptor, 'IDPSSODescriptor')[0];
    if (!idp) {
      continue;
    }
    const entityId = descriptor.$?.entityID ?? '';
    const redirect = children(idp, 'SingleSignOnService').find((service) => service.$?.Binding === REDIRECT_BINDING);
    const certificates = children(idp, 'KeyDescriptor')
      .filter((key) => (key.$?.use ?? 'signing') === 'signing')
      .flatMap((key) => children(key, 'KeyInfo').flatMap((info) => children(info, 'X509Data')))
      .flatMap((data) => children(data, 'X509Certificate'))
      .map((node) => pemOf(node._ ?? '', 'metadataXml'));
    if (!entityId) {
      throw invalidMetadata('has no entityID');
    }
    if (!redirect?.$?.Location) {
      throw invalidMetadata(`has no SingleSignOnService with the HTTP-Redirect binding (${REDIRECT_BINDING})`);
    }
    if (certificates.length === 0) {
      throw invalidMetadata('has no signing certificate (KeyDescriptor use="signing" with an X509Certificate)');
    }
    return { entityId, ssoUrl: redirect.$.Location, certificates: [...new Set(certificates)].join('') };
  }
  throw invalidMetadata('describes no identity provider (IDPSSODescriptor)');
}

/**
 * The SAML requests Usher sent and that have not come back, kept in `sso_requests` (hashed) so any
 * process may receive the answer; node-saml checks a response's InResponseTo through it.
 */
function requestStore(ctx: AppContext, directory: FederatedDirectory): CacheProvider {
  return {
    async saveAsync(key, value) {
      await insertSsoRequest(ctx.db, {
        key,
        organizationId: directory.organizationId,
        directoryId: directory.directoryId,
        expiresAt: new Date(Date.now() + SSO_REQUEST_MINUTES * 60_000),
      });
      return { value, createdAt: Date.now() };
    },
    async getAsync(key) {
      return (await findSamlRequestCreatedAt(ctx.db, key, directory.directoryId))?.toISOString() ?? null;
    },
    async removeAsync(key) {
      if (key) {
        await deleteSsoRequestByKey(ctx.db, key, directory.directoryId);
      }
      return key;
    },
  };
}

/** The stored SAML settings of a directory. */
async function samlSettingsOf(ctx: AppContext, directory: FederatedDirectory): Promise<SamlSettings> {
  const row = await ctx.db
    .selectFrom('identity_providers')
    .select(['saml_entity_id', 'saml_sso_url', 'saml_certificates'])
    .where('organization_id', '=', directory.organizationId)
    .where('directory_id', '=', directory.directoryId)
    .where('protocol', '=', 'saml')
    .executeTakeFirst();
  if (!row?.saml_entity_id || !row.saml_sso_url || !row.saml_certificates) {
    throw new AppError(
      SsoErrorCodes.notFederated,
      400,
      'This directory has no SAML identity provider configured: ask a system admin to set one up on the directory page.',
    );
  }
  return { entityId: row.saml_entity_id, ssoUrl: row.saml_sso_url, certificates: row.saml_certificates };
}

/** node-saml set up for one directory: signed responses or assertions, audience, issuer, InResponseTo. */
function samlClient(ctx: AppContext, directory: FederatedDirectory, settings?: SamlSettings): SAML {
  const certificates = settings?.certificates.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  return new SAML({
    issuer: samlEntityId(ctx, directory.directoryId),
    audience: samlEntityId(ctx, directory.directoryId),
    callbackUrl: samlAcsUrl(ctx, directory.directoryId),
    entryPoint: settings?.ssoUrl ?? samlAcsUrl(ctx, directory.directoryId),
    idpIssuer: settings?.entityId,
    // node-saml wants a certificate even to write metadata; the ACS never runs without the real ones.
    idpCert: certificates.length > 0 ? certificates : 'unused',
    identifierFormat: EMAIL_FORMAT,
    // One of the response or the assertion must carry a valid signature (node-saml refuses neither).
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: SSO_REQUEST_MINUTES * 60_000,
    cacheProvider: requestStore(ctx, directory),
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    disableRequestedAuthnContext: true,
  });
}

/**
 * Usher's service provider metadata for a directory (entity id, ACS URL with the HTTP-POST
 * binding, assertions wanted signed), to give the identity provider.
 * @throws AppError 404 when the directory is not a Federated directory of any organization
 */
export async function samlServiceProviderMetadata(ctx: AppContext, directoryId: string): Promise<string> {
  const directory = await ctx.db
    .selectFrom('directories')
    .select(['organization_id', 'id'])
    .where('id', '=', directoryId)
    .where('identity_type', '=', 'federated')
    .executeTakeFirst();
  if (!directory) {
    throw new AppError('not_found', 404, 'No Federated directory has this id.');
  }
  return samlClient(ctx, {
    organizationId: directory.organization_id,
    directoryId,
    protocol: 'saml',
  }).generateServiceProviderMetadata(null, null);
}

/**
 * Starts a SAML sign-in (SP-initiated, HTTP-Redirect binding) for an e-mail of a Federated
 * directory; the AuthnRequest's id is remembered (hashed) until the answer comes back.
 * @returns where to send the browser
 * @throws AppError `sso.not_federated` (400)
 */
export async function startSamlSignIn(ctx: AppContext, email: string): Promise<{ url: string }> {
  const directory = await federatedDirectoryOf(ctx.db, email);
  if (directory?.protocol !== 'saml') {
    throw new AppError(
      SsoErrorCodes.notFederated,
      400,
      'This e-mail does not belong to a directory that signs in through SAML: sign in with your password.',
    );
  }
  const settings = await samlSettingsOf(ctx, directory);
  const url = new URL(await samlClient(ctx, directory, settings).getAuthorizeUrlAsync('', undefined, {}));
  url.searchParams.delete('RelayState');
  return { url: url.href };
}

/** What node-saml leaves to us of a verified assertion: its id, the recipients, the expiry times. */
function assertionFacts(parsed: unknown): { id: string; recipients: string[]; notOnOrAfter: number[] } {
  const assertion = (parsed as Record<string, XmlNode> | undefined)?.Assertion;
  const data = children(assertion, 'Subject')
    .flatMap((subject) => children(subject, 'SubjectConfirmation'))
    .flatMap((confirmation) => children(confirmation, 'SubjectConfirmationData'));
  const conditions = children(assertion, 'Conditions');
  return {
    id: assertion?.$?.ID ?? '',
    recipients: data.map((node) => node.$?.Recipient ?? ''),
    notOnOrAfter: [...data, ...conditions]
      .map((node) => Date.parse(node.$?.NotOnOrAfter ?? ''))
      .filter((time) => Number.isFinite(time)),
  };
}

/** The Destination of a SAML response, if it names one. */
async function destinationOf(responseXml: string): Promise<string | undefined> {
  return (await parseXml(responseXml))?.Response?.$?.Destination;
}

/** The e-mail a SAML profile names: an e-mail-shaped NameID, else a known e-mail attribute. */
function emailOfProfile(profile: Profile): string | undefined {
  const fromNameId = emailOf(profile.nameID);
  if (fromNameId) {
    return fromNameId;
  }
  for (const name of EMAIL_ATTRIBUTES) {
    const value = profile[name];
    const email = emailOf(Array.isArray(value) ? value[0] : value);
    if (email) {
      return email;
    }
  }
  return undefined;
}

/**
 * Completes a SAML sign-in at the directory's Assertion Consumer Service (HTTP-POST binding).
 * node-saml checks the signature (of the response or of the assertion, with the IdP's stored
 * certificates), the issuer, the audience (Usher's entity id), NotBefore/NotOnOrAfter with one
 * minute of skew, and that InResponseTo names a request Usher sent for this directory and has not
 * seen back (each works once). Usher checks the Destination and the SubjectConfirmationData
 * Recipient (its ACS URL) and refuses an assertion id it has accepted before (remembered in the
 * database until the assertion expires). Then the same rule as OpenID Connect decides who gets a
 * session. Failures are audited as `auth.sso_failed`.
 * @throws AppError 404 unknown directory; `sso.token_rejected` (401); `sso.no_email`,
 *   `sso.not_an_admin` (403)
 */
export async function completeSamlSignIn(
  ctx: AppContext,
  directoryId: string,
  body: { SAMLResponse?: string | undefined },
  origin: RequestOrigin,
): Promise<{ session: SessionHandle; actor: Actor }> {
  const row = await ctx.db
    .selectFrom('identity_providers')
    .select(['organization_id', 'directory_id'])
    .where('directory_id', '=', directoryId)
    .where('protocol', '=', 'saml')
    .executeTakeFirst();
  await checkSsoAttempt(ctx, origin);
  if (!row) {
    await recordSsoFailure(ctx, origin);
    throw new AppError('not_found', 404, 'No directory signs in through SAML at this address.');
  }
  const directory: FederatedDirectory = {
    organizationId: row.organization_id,
    directoryId: row.directory_id,
    protocol: 'saml',
  };
  const rejected = async (reason: string) =>
    ssoFailure(ctx, directory, origin, {
      code: SsoErrorCodes.tokenRejected,
      status: 401,
      message: `The identity provider's answer was not accepted: ${reason}. Start again from the sign-in page, or ask a system admin to check the identity provider's settings.`,
      detail: { error: reason },
    });
  if (!body.SAMLResponse) {
    throw await rejected('the form has no SAMLResponse');
  }
  const settings = await samlSettingsOf(ctx, directory);
  let profile: Profile;
  try {
    const validated = await samlClient(ctx, directory, settings).validatePostResponseAsync({
      SAMLResponse: body.SAMLResponse,
    });
    if (!validated.profile) {
      throw new Error('the response carries no assertion');
    }
    profile = validated.profile;
  } catch (error) {
    throw await rejected(error instanceof Error ? error.message : String(error));
  }
  const acs = samlAcsUrl(ctx, directoryId);
  const destination = await destinationOf(profile.getSamlResponseXml?.() ?? '');
  if (destination !== undefined && destination !== acs) {
    throw await rejected(`the response is meant for ${destination}, not ${acs}`);
  }
  const facts = assertionFacts(profile.getAssertion?.());
  if (facts.recipients.length === 0 || facts.recipients.some((recipient) => recipient !== acs)) {
    throw await rejected(`the assertion's Recipient must be ${acs}`);
  }
  if (!facts.id) {
    throw await rejected('the assertion has no ID');
  }
  const expiresAt = new Date(
    Math.max(Date.now() + SSO_REQUEST_MINUTES * 60_000, ...facts.notOnOrAfter) + SAML_CLOCK_SKEW_MS,
  );
  await ctx.db.deleteFrom('saml_assertions').where('expires_at', '<=', sql<Date>`now()`).execute();
  const remembered = await ctx.db
    .insertInto('saml_assertions')
    .values({
      organization_id: directory.organizationId,
      directory_id: directory.directoryId,
      assertion_id: facts.id,
      expires_at: expiresAt,
    })
    .onConflict((conflict) => conflict.columns(['directory_id', 'assertion_id']).doNothing())
    .returning('assertion_id')
    .executeTakeFirst();
  if (!remembered) {
    throw await rejected('this assertion was already used (a replay)');
  }
  return signInFederatedAdmin(ctx, directory, emailOfProfile(profile), origin, {
    nameId: profile.nameID,
  });
}
