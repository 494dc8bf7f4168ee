import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** How the test provider alters the ID token it issues (a provider misconfigured or hostile). */
export type IdTokenTamper = (claims: Record<string, unknown>) => void;

/** A real OpenID provider (oidc-provider) on loopback, with one confidential client for Usher. */
export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Set to alter the next ID tokens (re-signed with the provider's own key); undefined to stop. */
  tamper: IdTokenTamper | undefined;
  close(): Promise<void>;
}

/**
 * Starts an OpenID provider on 127.0.0.1. Any e-mail signs in at its development login form (the
 * login name is the account's e-mail); consent is granted without asking.
 * @param redirectUri Usher's callback, registered for the client
 */
export async function startOidcProvider(redirectUri: string): Promise<TestOidcProvider> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'usher-test';
  const clientSecret = 'a-client-secret-of-the-test-provider';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['test-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: id, email_verified: true, name: id.split('@')[0] }),
    }),
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client?.clientId ?? clientId,
        accountId: ctx.oidc.session?.accountId ?? '',
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const handle: TestOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    tamper: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === '/token' && handle.tamper && body && typeof body.id_token === 'string') {
      const [header, payload] = body.id_token.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      handle.tamper(claims);
      const signed = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      const signature = sign('sha256', Buffer.from(signed), createPrivateKey({ key: jwk, format: 'jwk' }));
      ctx.body = { ...body, id_token: `${signed}.${signature.toString('base64url')}` };
    }
  });
  server.on('request', provider.callback());
  return handle;
}

/** A browser's cookies for one site, as the sign-in redirects carry them. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  /** Keeps the cookies a response sets (an empty value clears one). */
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) {
        this.cookies.delete(name);
      } else {
        this.cookies.set(name, value);
      }
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * Goes through the provider as a browser would: from its authorization URL, through its login
 * form (signing in as `email`), to the redirect back to Usher.
 * @returns the URL the provider sends the browser back to
 */
export async function signInAtProvider(authorizationUrl: string, email: string): Promise<URL> {
  const jar = new CookieJar();
  let url = new URL(authorizationUrl);
  const issuerOrigin = url.origin;
  for (let step = 0; step < 10; step += 1) {
    const response = await fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(response);
    const location = response.headers.get('location');
    if (location) {
      url = new URL(location, url);
      if (url.origin !== issuerOrigin) {
        return url;
      }
      continue;
    }
    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action) {
      throw new Error(`provider answered ${response.status}: ${page.slice(0, 500)}`);
    }
    const submitted = await fetch(new URL(action, url), {
      method: 'POST',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login: email, password: 'any' }).toString(),
      redirect: 'manual',
    });
    jar.take(submitted);
    const next = submitted.headers.get('location');
    if (!next) {
      throw new Error(`provider login answered ${submitted.status}: ${(await submitted.text()).slice(0, 500)}`);
    }
    url = new URL(next, url);
    if (url.origin !== issuerOrigin) {
      return url;
    }
  }
  throw new Error('the provider did not send the browser back');
}
