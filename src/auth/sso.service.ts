import { sql } from 'kysely';
import * as oidc from 'openid-client';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import type { Executor } from '../db/database.ts';
import { findGrantsByPrincipal } from '../roles/grants.ts';
import { type Actor, can } from '../roles/policy.ts';
import { AuthErrorCodes } from './auth.errors.ts';
import { loginPolicy, type RequestOrigin, type SessionHandle, startSession } from './auth.service.ts';
import { secretBox } from './encryption.ts';
import { type AttemptSubject, checkAttempt, recordFailedAttempt, recordSuccessfulAttempt } from './rate-limit.ts';
import { randomToken } from './secrets.ts';
import { deleteSsoRequestByKey, insertSsoRequest } from './sso-requests.queries.ts';

/** Error codes of single sign-on. */
export const SsoErrorCodes = {
  notFederated: 'sso.not_federated',
  invalidState: 'sso.invalid_state',
  providerUnavailable: 'sso.provider_unavailable',
  tokenRejected: 'sso.token_rejected',
  noEmail: 'sso.no_email',
  notAnAdmin: 'sso.not_an_admin',
} as const;

/** How long a sign-in sent to the identity provider may take to come back. */
export const SSO_REQUEST_MINUTES = 10;

/** The callback path the identity provider sends the browser back to (register it there). */
export const OIDC_CALLBACK_PATH = '/api/v1/auth/sso/oidc/callback';

/** The redirect URI of this installation, as registered at the identity provider. */
export function oidcRedirectUri(ctx: AppContext): string {
  return `${ctx.config.publicUrl}${OIDC_CALLBACK_PATH}`;
}

/** A Federated directory whose identity provider signs in the admins of its claimed domains. */
export interface FederatedDirectory {
  organizationId: string;
  directoryId: string;
  protocol: 'oidc' | 'saml';
}

/**
 * The Federated directory with an identity provider that claims the domain of an e-mail.
 * @param db database
 * @param email an e-mail as typed
 * @returns the directory, or undefined when the e-mail signs in with a password
 */
export async function federatedDirectoryOf(db: Executor, email: string): Promise<FederatedDirectory | undefined> {
  const domain = email.trim().toLowerCase().split('@').at(-1) ?? '';
  if (!domain || !email.includes('@')) {
    return undefined;
  }
  const row = await db
    .selectFrom('domains')
    .innerJoin('directories', (join) =>
      join
        .onRef('directories.organization_id', '=', 'domains.organization_id')
        .onRef('directories.id', '=', 'domains.directory_id'),
    )
    .innerJoin('identity_providers', 'identity_providers.directory_id', 'directories.id')
    .select(['domains.organization_id', 'directories.id as directory_id', 'identity_providers.protocol'])
    .where('domains.name', '=', domain)
    .where('domains.status', '=', 'claimed')
    .where('directories.identity_type', '=', 'federated')
    .executeTakeFirst();
  return row && { organizationId: row.organization_id, directoryId: row.directory_id, protocol: row.protocol };
}

/**
 * The users among `userIds` whose e-mail is in a domain that a Federated directory of their
 * organization claims and that has an identity provider: they sign in there, never with a password.
 */
export async function findFederatedUserIds(db: Executor, organizationId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) {
    return [];
  }
  const rows = await db
    .selectFrom('users')
    .innerJoin('domains', (join) =>
      join
        .onRef('domains.organization_id', '=', 'users.organization_id')
        .on('domains.name', '=', sql<string>`split_part(lower(users.email), '@', 2)`),
    )
    .innerJoin('directories', (join) =>
      join
        .onRef('directories.organization_id', '=', 'domains.organization_id')
        .onRef('directories.id', '=', 'domains.directory_id'),
    )
    .innerJoin('identity_providers', 'identity_providers.directory_id', 'directories.id')
    .select('users.id')
    .where('users.organization_id', '=', organizationId)
    .where('users.id', 'in', userIds)
    .where('domains.status', '=', 'claimed')
    .where('directories.identity_type', '=', 'federated')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Whether password sign-in is off for this admin: the organization signs federated admins in only
 * through their identity provider, the admin's e-mail belongs to such a directory of that
 * organization, and the admin is not the break-glass system admin.
 */
export async function passwordSignInRefused(db: Executor, actor: Actor): Promise<boolean> {
  const organization = await db
    .selectFrom('organizations')
    .select(['sso_only', 'break_glass_user_id'])
    .where('id', '=', actor.organizationId)
    .executeTakeFirst();
  if (!organization?.sso_only || organization.break_glass_user_id === actor.id) {
    return false;
  }
  const directory = await federatedDirectoryOf(db, actor.label);
  return directory?.organizationId === actor.organizationId;
}

/**
 * The sign-in limits an identity provider's callback counts in (the `login` counters of password
 * sign-in): every callback from an address against its per-address limit, and failed callbacks
 * against the address (growing waits past the free failures) and, when the provider named an
 * e-mail, against that e-mail as password failures are. A success forgets its pair's failures and
 * remembers the address as the account's, so the owner's usual address is never locked out.
 */
function ssoSubjects(origin: RequestOrigin, email?: string): AttemptSubject[] {
  const address: AttemptSubject = { scope: 'login', account: `sso-callback@${origin.ip}`, address: origin.ip };
  return email ? [address, { scope: 'login', account: email, address: origin.ip }] : [address];
}

/**
 * Counts a callback from the identity provider against the sign-in limits of its address.
 * @throws AppError `auth.rate_limited` (429) when the address made too many sign-ins or failed
 *   too many callbacks lately
 */
export async function checkSsoAttempt(ctx: AppContext, origin: RequestOrigin): Promise<void> {
  const [subject] = ssoSubjects(origin);
  const refusal = subject && (await checkAttempt(ctx.db, subject, loginPolicy(ctx)));
  if (refusal) {
    throw new AppError(
      AuthErrorCodes.rateLimited,
      429,
      refusal.reason === 'address'
        ? 'Too many sign-in attempts from this address. Try again later.'
        : `Too many failed sign-ins from this address. Wait ${refusal.retryAfterSeconds} seconds before trying again.`,
      { extra: { retryAfterSeconds: refusal.retryAfterSeconds } },
    );
  }
}

/** Counts a failed callback against its address and the e-mail the provider named, if any. */
export async function recordSsoFailure(ctx: AppContext, origin: RequestOrigin, email?: string): Promise<void> {
  for (const subject of ssoSubjects(origin, email)) {
    await recordFailedAttempt(ctx.db, subject, loginPolicy(ctx));
  }
}

interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  updatedAt: Date;
}

/** Whether an issuer may be reached over plain http: only on this machine (tests, trials). */
export function isLoopbackUrl(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** The sealing context of a directory's OIDC client secret. */
export function clientSecretContext(organizationId: string, directoryId: string): string {
  return `oidc-client-secret:${organizationId}:${directoryId}`;
}

async function oidcSettingsOf(ctx: AppContext, directory: FederatedDirectory): Promise<OidcSettings> {
  const row = await ctx.db
    .selectFrom('identity_providers')
    .select(['oidc_issuer', 'oidc_client_id', 'oidc_client_secret', 'updated_at'])
    .where('organization_id', '=', directory.organizationId)
    .where('directory_id', '=', directory.directoryId)
    .where('protocol', '=', 'oidc')
    .executeTakeFirst();
  if (!row?.oidc_issuer || !row.oidc_client_id || !row.oidc_client_secret) {
    throw new AppError(
      SsoErrorCodes.notFederated,
      400,
      'This directory has no OpenID Connect identity provider configured: ask a system admin to set one up on the directory page.',
    );
  }
  const box = await secretBox(ctx.config);
  return {
    issuer: row.oidc_issuer,
    clientId: row.oidc_client_id,
    clientSecret: box.open(
      row.oidc_client_secret,
      clientSecretContext(directory.organizationId, directory.directoryId),
    ),
    updatedAt: row.updated_at,
  };
}

const discovered = new Map<string, { key: string; config: Promise<oidc.Configuration> }>();

/**
 * The provider's configuration from its discovery document (cached per directory until the
 * directory's settings change).
 * @throws AppError `sso.provider_unavailable` (502) when discovery fails
 */
export async function discoverProvider(
  settings: { issuer: string; clientId: string; clientSecret: string },
  cacheKey?: { directoryId: string; updatedAt: Date },
): Promise<oidc.Configuration> {
  const key = `${settings.issuer}|${settings.clientId}|${cacheKey?.updatedAt.toISOString() ?? ''}`;
  const cached = cacheKey && discovered.get(cacheKey.directoryId);
  if (cached && cached.key === key) {
    return cached.config;
  }
  const issuer = new URL(settings.issuer);
  const config = oidc
    .discovery(
      issuer,
      settings.clientId,
      undefined,
      oidc.ClientSecretBasic(settings.clientSecret),
      isLoopbackUrl(issuer) && issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {},
    )
    .catch((error: unknown) => {
      if (cacheKey) {
        discovered.delete(cacheKey.directoryId);
      }
      throw new AppError(
        SsoErrorCodes.providerUnavailable,
        502,
        `The identity provider's discovery document at ${settings.issuer} could not be read: ${(error as Error).message}`,
        { cause: error },
      );
    });
  if (cacheKey) {
    discovered.set(cacheKey.directoryId, { key, config });
  }
  return config;
}

/**
 * Starts an OpenID Connect sign-in (authorization code flow with PKCE, state and nonce) for an
 * e-mail of a Federated directory.
 * @param ctx the app
 * @param email the e-mail typed on the sign-in page
 * @returns where to send the browser, and the state for the browser-bound cookie
 * @throws AppError `sso.not_federated` (400); `sso.provider_unavailable` (502)
 */
export async function startOidcSignIn(ctx: AppContext, email: string): Promise<{ url: string; state: string }> {
  const directory = await federatedDirectoryOf(ctx.db, email);
  if (directory?.protocol !== 'oidc') {
    throw new AppError(
      SsoErrorCodes.notFederated,
      400,
      'This e-mail does not belong to a directory that signs in through OpenID Connect: sign in with your password.',
    );
  }
  const settings = await oidcSettingsOf(ctx, directory);
  const config = await discoverProvider(settings, {
    directoryId: directory.directoryId,
    updatedAt: settings.updatedAt,
  });
  const state = randomToken();
  const nonce = oidc.randomNonce();
  const codeVerifier = oidc.randomPKCECodeVerifier();
  await insertSsoRequest(ctx.db, {
    key: state,
    organizationId: directory.organizationId,
    directoryId: directory.directoryId,
    codeVerifier,
    nonce,
    expiresAt: new Date(Date.now() + SSO_REQUEST_MINUTES * 60_000),
  });
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: oidcRedirectUri(ctx),
    scope: 'openid email profile',
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_hint: email.trim(),
  });
  return { url: url.href, state };
}

/** The e-mail an ID token names: `email`, else an e-mail-shaped `preferred_username` or `upn` (Entra ID). */
function emailOfClaims(claims: Record<string, unknown>): string | undefined {
  for (const name of ['email', 'preferred_username', 'upn']) {
    const email = emailOf(claims[name]);
    if (email) {
      return email;
    }
  }
  return undefined;
}

/**
 * Completes an OpenID Connect sign-in: the state must be one this browser started and not used
 * yet; the code is exchanged with the PKCE verifier; the ID token's signature, issuer, audience,
 * expiry and nonce are checked by openid-client; its e-mail must be in a domain the directory
 * claims and belong to an existing admin of the directory's organization. Nobody is created.
 * Failures are audited in the directory's organization as `auth.sso_failed`.
 * @param ctx the app
 * @param callbackUrl the full URL the provider sent the browser back to
 * @param browserState the state kept in the browser's cookie at the start
 * @param origin the caller
 * @returns the session, started as password sign-in starts it (method `sso`)
 * @throws AppError `sso.invalid_state` (400), `sso.token_rejected` (401), `sso.no_email` (403),
 *   `sso.not_an_admin` (403), `sso.provider_unavailable` (502)
 */
export async function completeOidcSignIn(
  ctx: AppContext,
  callbackUrl: URL,
  browserState: string | undefined,
  origin: RequestOrigin,
): Promise<{ session: SessionHandle; actor: Actor }> {
  await checkSsoAttempt(ctx, origin);
  const state = callbackUrl.searchParams.get('state') ?? '';
  const request = state ? await deleteSsoRequestByKey(ctx.db, state) : undefined;
  if (
    !request?.code_verifier ||
    !request.nonce ||
    request.expires_at.getTime() <= Date.now() ||
    !browserState ||
    browserState !== state
  ) {
    await recordSsoFailure(ctx, origin);
    throw new AppError(
      SsoErrorCodes.invalidState,
      400,
      'This sign-in link was already used, has expired, or was started in another browser: start again from the sign-in page.',
    );
  }
  const directory: FederatedDirectory = {
    organizationId: request.organization_id,
    directoryId: request.directory_id,
    protocol: 'oidc',
  };
  const settings = await oidcSettingsOf(ctx, directory);
  const config = await discoverProvider(settings, {
    directoryId: directory.directoryId,
    updatedAt: settings.updatedAt,
  });
  // The provider answers at the public URL's callback; the request may have reached us through a proxy.
  const currentUrl = new URL(oidcRedirectUri(ctx));
  currentUrl.search = callbackUrl.search;
  let claims: Record<string, unknown>;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: request.code_verifier,
      expectedState: state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
    claims = { ...(tokens.claims() ?? {}) };
    if (!emailOfClaims(claims) && tokens.access_token && typeof claims.sub === 'string') {
      // Providers that keep ID tokens small (Okta, oidc-provider) give the e-mail at UserInfo.
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      claims = { ...info, ...claims, email: info.email };
    }
  } catch (error) {
    const reason = reasonOf(error);
    throw await ssoFailure(ctx, directory, origin, {
      code: SsoErrorCodes.tokenRejected,
      status: 401,
      message: `The identity provider's answer was not accepted: ${reason}. Try again, or ask a system admin to check the identity provider's settings.`,
      detail: { error: reason },
    });
  }
  return signInFederatedAdmin(ctx, directory, emailOfClaims(claims), origin, {
    subject: String(claims.sub ?? ''),
  });
}

/**
 * Records a refused single sign-on in the directory's organization (`auth.sso_failed`), counts it
 * in the sign-in limits, and returns the error to answer.
 */
export async function ssoFailure(
  ctx: AppContext,
  directory: FederatedDirectory,
  origin: RequestOrigin,
  failure: { code: string; status: number; message: string; detail: Record<string, unknown> },
): Promise<AppError> {
  await recordSsoFailure(ctx, origin, typeof failure.detail.email === 'string' ? failure.detail.email : undefined);
  await recordSecurityEvent(ctx.db, ssoActor(directory, String(failure.detail.email ?? 'unknown'), origin), {
    action: 'auth.sso_failed',
    target: { type: 'directory', id: directory.directoryId, label: PROTOCOL_LABELS[directory.protocol] },
    after: { protocol: directory.protocol, code: failure.code, ...failure.detail },
  });
  return new AppError(failure.code, failure.status, failure.message);
}

const PROTOCOL_LABELS = { oidc: 'OpenID Connect', saml: 'SAML' } as const;

/**
 * The one rule of single sign-on, whatever the protocol: the e-mail the identity provider vouched
 * for must be in a domain the directory claims and belong to an active user of the directory's
 * organization who may sign in to the console (an admin). Nobody is created. Refusals are audited.
 * @param ctx the app
 * @param directory the directory whose identity provider signed the person in
 * @param email the e-mail the provider vouched for, lower case (undefined when it named none)
 * @param origin the caller
 * @param subject what else the provider said of the person, for the audit of a refusal
 * @returns the session, started as password sign-in starts it (method `sso`)
 * @throws AppError `sso.no_email` (403), `sso.not_an_admin` (403)
 */
export async function signInFederatedAdmin(
  ctx: AppContext,
  directory: FederatedDirectory,
  email: string | undefined,
  origin: RequestOrigin,
  subject: Record<string, unknown>,
): Promise<{ session: SessionHandle; actor: Actor }> {
  if (!email) {
    throw await ssoFailure(ctx, directory, origin, {
      code: SsoErrorCodes.noEmail,
      status: 403,
      message:
        directory.protocol === 'oidc'
          ? 'The identity provider did not say which e-mail you signed in with: it must send the `email` claim (scope `email`).'
          : 'The identity provider did not say which e-mail you signed in with: it must send the e-mail as the NameID (format emailAddress) or an `email` attribute.',
      detail: subject,
    });
  }
  const notAnAdmin =
    'You signed in at your identity provider, but you are not an administrator of this organization in Usher. Ask one of its administrators for access.';
  const domain = email.split('@').at(-1) ?? '';
  const claimed = await ctx.db
    .selectFrom('domains')
    .select('id')
    .where('organization_id', '=', directory.organizationId)
    .where('directory_id', '=', directory.directoryId)
    .where('status', '=', 'claimed')
    .where('name', '=', domain)
    .executeTakeFirst();
  const user = claimed
    ? await ctx.db
        .selectFrom('users')
        .select(['id', 'email', 'organization_id'])
        .where('organization_id', '=', directory.organizationId)
        .where(sql<string>`lower(email)`, '=', email)
        .where('status', '=', 'active')
        .executeTakeFirst()
    : undefined;
  const grants = user ? await findGrantsByPrincipal(ctx.db, directory.organizationId, { userId: user.id }) : [];
  const actor: Actor | undefined = user && {
    type: 'user',
    id: user.id,
    label: user.email,
    organizationId: user.organization_id,
    grants,
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
  if (!actor || !can(actor, 'console.signIn')) {
    throw await ssoFailure(ctx, directory, origin, {
      code: SsoErrorCodes.notAnAdmin,
      status: 403,
      message: notAnAdmin,
      detail: { email, reason: !claimed ? 'domain_not_in_directory' : user ? 'no_admin_role' : 'unknown_user' },
    });
  }
  for (const subject of ssoSubjects(origin, email)) {
    await recordSuccessfulAttempt(ctx.db, subject);
  }
  const session = await startSession(ctx, actor, origin, { method: 'sso', mfaEnrolmentRequired: false });
  return { session, actor };
}

/** The e-mail an identity provider vouched for, if the value is e-mail-shaped (lower case). */
export function emailOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[^@\s]+@[^@\s]+$/.test(value.trim()) ? value.trim().toLowerCase() : undefined;
}

/** An openid-client error with the check that failed (its cause names the claim). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  return cause && cause !== message ? `${message} (${cause})` : message;
}

function ssoActor(directory: FederatedDirectory, label: string, origin: RequestOrigin): Actor {
  return {
    type: 'system',
    id: directory.directoryId,
    label,
    organizationId: directory.organizationId,
    grants: [],
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
}
