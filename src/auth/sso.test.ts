/**
 * Single sign-on of a Federated directory's admins through OpenID Connect and SAML 2.0 (issue 21
 * item 3), against a real OpenID provider (oidc-provider) and a SAML identity provider signing with
 * a key made for the run, both on loopback. @see issue 21
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Client, expectProblem } from '../../test/support/client.ts';
import {
  ADMIN_PASSWORD,
  createAdmin,
  createOrganization,
  startTestInstance,
  type TestInstance,
} from '../../test/support/instance.ts';
import {
  CookieJar,
  signInAtProvider,
  startOidcProvider,
  type TestOidcProvider,
} from '../../test/support/oidc-provider.ts';
import { startSamlIdp, type TestSamlIdp } from '../../test/support/saml-idp.ts';
import { OIDC_CALLBACK_PATH } from './sso.service.ts';

const DOMAIN = 'sso-federated.example';
const SAML_DOMAIN = 'saml-federated.example';

describe('single sign-on through OpenID Connect and SAML', () => {
  let instance: TestInstance;
  let admin: Client;
  let provider: TestOidcProvider;
  let directoryId = '';
  let federatedAdmin = { userId: '', email: '' };
  let idp: TestSamlIdp;
  let samlDirectoryId = '';
  let samlAdmin = { userId: '', email: '' };
  let addresses = 0;
  /** A fresh client address (X-Forwarded-For) for one browser's sign-in. */
  const nextAddress = () => {
    addresses += 1;
    return `198.51.100.${addresses % 250}`;
  };

  /** Makes an admin whose e-mail is `email` (the helper's admins have random e-mails). */
  async function adminWithEmail(organizationId: string, email: string, role: 'system-admin' | 'support-admin') {
    const made = await createAdmin(instance, organizationId, role);
    await instance.app.ctx.db
      .updateTable('users')
      .set({ email, username: email })
      .where('id', '=', made.userId)
      .execute();
    return { userId: made.userId, email };
  }

  /** The browser's way in: the sign-in page's question, Usher's redirect, the provider, back to Usher. */
  async function ssoSignIn(email: string, options: { replay?: boolean } = {}) {
    const address = nextAddress();
    const discovered = await instance
      .anonymous()
      .post<{ method: string; startUrl: string }>('/api/v1/auth/sso/discover', { email });
    assert.equal(discovered.status, 200, discovered.text);
    assert.equal(discovered.body.method, 'sso');
    const jar = new CookieJar();
    const start = await fetch(instance.baseUrl + discovered.body.startUrl, { redirect: 'manual' });
    assert.equal(start.status, 302, await start.clone().text());
    jar.take(start);
    assert.ok(jar.get('usher_sso'), 'the sign-in is bound to this browser by a cookie');
    const authorizationUrl = new URL(start.headers.get('location') ?? '');
    assert.equal(authorizationUrl.origin, new URL(provider.issuer).origin);
    assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorizationUrl.searchParams.get('nonce'));
    const back = await signInAtProvider(authorizationUrl.href, email);
    assert.equal(back.pathname, OIDC_CALLBACK_PATH);
    const callback = () =>
      fetch(instance.baseUrl + back.pathname + back.search, {
        headers: { cookie: jar.header(), 'x-forwarded-for': address },
        redirect: 'manual',
      });
    const answer = await callback();
    const text = await answer.text();
    const session = answer.headers
      .getSetCookie()
      .find((cookie) => cookie.startsWith('usher_session='))
      ?.split(';')[0];
    const replay = options.replay ? await callback() : undefined;
    return { status: answer.status, location: answer.headers.get('location'), text, session, replay };
  }

  before(async () => {
    instance = await startTestInstance({
      USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // Each sign-in below comes from its own address, so the sign-in limits of one never slow another.
      USHER_TRUST_PROXY: 'true',
    });
    admin = await instance.signIn();
    provider = await startOidcProvider(`${instance.app.ctx.config.publicUrl}${OIDC_CALLBACK_PATH}`);
    const directory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'Federated staff',
      identityType: 'federated',
    });
    assert.equal(directory.status, 201, directory.text);
    directoryId = directory.body.id;
    await instance.app.ctx.db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: directoryId,
        name: DOMAIN,
        verification_token: 'claimed-in-the-test',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    federatedAdmin = await adminWithEmail(instance.organizationId, `ada@${DOMAIN}`, 'support-admin');

    idp = await startSamlIdp();
    const samlDirectory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'SAML staff',
      identityType: 'federated',
    });
    assert.equal(samlDirectory.status, 201, samlDirectory.text);
    samlDirectoryId = samlDirectory.body.id;
    await instance.app.ctx.db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: samlDirectoryId,
        name: SAML_DOMAIN,
        verification_token: 'claimed-in-the-test',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    samlAdmin = await adminWithEmail(instance.organizationId, `lin@${SAML_DOMAIN}`, 'support-admin');
  });
  after(async () => {
    await idp?.close();
    await provider?.close();
    await instance?.close();
  });

  test('a system admin sets the directory identity provider; the client secret is stored sealed', async () => {
    const enterprise = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'Enterprise staff',
      identityType: 'enterprise',
    });
    expectProblem(
      await admin.request('PUT', `/api/v1/directories/${enterprise.body.id}/identity-provider`, {
        body: { protocol: 'oidc', issuer: provider.issuer, clientId: provider.clientId, clientSecret: 'x' },
      }),
      422,
      'directories.not_federated',
    );
    const insecure = expectProblem(
      await admin.request('PUT', `/api/v1/directories/${directoryId}/identity-provider`, {
        body: { protocol: 'oidc', issuer: 'http://idp.example.com', clientId: 'x', clientSecret: 'x' },
      }),
      400,
      'directories.invalid_issuer',
    );
    assert.match(JSON.stringify(insecure.errors), /body\.issuer/);
    expectProblem(
      await admin.request('PUT', `/api/v1/directories/${directoryId}/identity-provider`, {
        body: { protocol: 'oidc', issuer: provider.issuer, clientId: provider.clientId },
      }),
      400,
      'directories.client_secret_required',
    );

    const set = await admin.request<Record<string, unknown>>(
      'PUT',
      `/api/v1/directories/${directoryId}/identity-provider`,
      {
        body: {
          protocol: 'oidc',
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
        },
      },
    );
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.clientSecretSet, true);
    assert.equal(set.body.redirectUri, `${instance.app.ctx.config.publicUrl}${OIDC_CALLBACK_PATH}`);
    assert.ok(!set.text.includes(provider.clientSecret));
    const stored = await instance.app.ctx.db
      .selectFrom('identity_providers')
      .select('oidc_client_secret')
      .where('directory_id', '=', directoryId)
      .executeTakeFirstOrThrow();
    assert.match(stored.oidc_client_secret ?? '', /^v1\./);
    assert.ok(!stored.oidc_client_secret?.includes(provider.clientSecret));

    const tried = await admin.post<{ ok: boolean; message: string }>(
      `/api/v1/directories/${directoryId}/identity-provider/test`,
    );
    assert.equal(tried.status, 200, tried.text);
    assert.equal(tried.body.ok, true, tried.body.message);

    const audit = await admin.get<{ items: { action: string; after: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=directory.identity_provider.update',
    );
    assert.equal(audit.body.items[0]?.after.clientSecretChanged, true);
    assert.ok(!JSON.stringify(audit.body).includes(provider.clientSecret));
  });

  test('the sign-in page learns which e-mails go to the identity provider', async () => {
    const password = await instance.anonymous().post('/api/v1/auth/sso/discover', { email: instance.admin.email });
    assert.deepEqual(password.body, { method: 'password' });
    const sso = await instance.anonymous().post('/api/v1/auth/sso/discover', { email: `anyone@${DOMAIN}` });
    assert.equal(sso.body.method, 'sso');
    assert.equal(sso.body.protocol, 'oidc');
  });

  test('a federated admin signs in through the provider and gets a session as password sign-in gives', async () => {
    const result = await ssoSignIn(federatedAdmin.email, { replay: true });
    assert.equal(result.status, 302, result.text);
    assert.equal(result.location, '/');
    assert.ok(result.session, 'a session cookie is set');
    const response = await fetch(`${instance.baseUrl}/api/v1/auth/session`, { headers: { cookie: result.session } });
    const session = (await response.json()) as { user: { email: string }; csrfToken: string };
    assert.equal(response.status, 200);
    assert.equal(session.user.email, federatedAdmin.email);
    assert.ok(session.csrfToken, 'the console gets its CSRF token from the session');
    // Writes need the CSRF token, as with password sign-in.
    const noCsrf = await fetch(`${instance.baseUrl}/api/v1/me`, {
      method: 'PATCH',
      headers: { cookie: result.session, 'content-type': 'application/json' },
      body: JSON.stringify({ locale: 'fi' }),
    });
    assert.equal(noCsrf.status, 403);

    // The same answer from the provider a second time (a replayed state) is refused.
    assert.equal(result.replay?.status, 400);
    assert.match(await (result.replay?.text() ?? ''), /already used/);

    const audit = await admin.get<{ items: { action: string; targetId: string; after: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=auth.login',
    );
    const login = audit.body.items.find((item) => item.after.method === 'sso');
    assert.ok(login, JSON.stringify(audit.body.items));
  });

  test('an ID token for another audience is refused', async () => {
    provider.tamper = (claims) => {
      claims.aud = 'another-client';
    };
    try {
      const result = await ssoSignIn(federatedAdmin.email);
      assert.equal(result.status, 401, result.text);
      assert.match(result.text, /not accepted/);
      assert.match(result.text, /aud/);
      assert.equal(result.session, undefined);
    } finally {
      provider.tamper = undefined;
    }
  });

  test('an expired ID token is refused', async () => {
    provider.tamper = (claims) => {
      const now = Math.floor(Date.now() / 1000);
      claims.iat = now - 7200;
      claims.exp = now - 3600;
    };
    try {
      const result = await ssoSignIn(federatedAdmin.email);
      assert.equal(result.status, 401, result.text);
      assert.match(result.text, /exp/);
      assert.equal(result.session, undefined);
    } finally {
      provider.tamper = undefined;
    }
  });

  test('a callback without the browser cookie or with a made-up state is refused', async () => {
    const forged = await fetch(`${instance.baseUrl}${OIDC_CALLBACK_PATH}?code=abc&state=made-up`, {
      headers: { cookie: 'usher_sso=made-up' },
      redirect: 'manual',
    });
    assert.equal(forged.status, 400);
    assert.match(forged.headers.get('content-type') ?? '', /text\/html/);
  });

  test('someone the provider knows but who is not an admin in Usher is refused; nobody is created', async () => {
    const before = await instance.app.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    const result = await ssoSignIn(`nobody@${DOMAIN}`);
    assert.equal(result.status, 403, result.text);
    assert.match(result.text, /not an administrator of this organization/);
    assert.equal(result.session, undefined);
    const afterCount = await instance.app.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    assert.equal(String(afterCount?.n), String(before?.n));
    const audit = await admin.get<{ items: { after: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=auth.sso_failed',
    );
    assert.ok(audit.body.items.some((item) => item.after.reason === 'unknown_user'));
  });

  test('an admin of another organization is refused', async () => {
    const other = await createOrganization(instance, 'Other Org');
    await adminWithEmail(other.organizationId, `grace@${DOMAIN}`, 'system-admin');
    const result = await ssoSignIn(`grace@${DOMAIN}`);
    assert.equal(result.status, 403, result.text);
    assert.equal(result.session, undefined);
  });

  test('password sign-in is off for federated admins when the organization says so, except the break-glass admin', async () => {
    const system = await adminWithEmail(instance.organizationId, `root@${DOMAIN}`, 'system-admin');
    expectProblem(
      await admin.patch('/api/v1/organization', { breakGlassUserId: federatedAdmin.userId }),
      422,
      'organizations.break_glass_not_system_admin',
    );
    const set = await admin.patch('/api/v1/organization', { ssoOnly: true, breakGlassUserId: system.userId });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.ssoOnly, true);

    expectProblem(
      await instance.anonymous().post('/api/v1/auth/login', { email: federatedAdmin.email, password: ADMIN_PASSWORD }),
      403,
      'auth.sso_required',
    );
    // The break-glass admin and admins outside the directory keep their password.
    await instance.signIn(system.email, ADMIN_PASSWORD);
    await instance.signIn(instance.admin.email, ADMIN_PASSWORD);
    // A wrong password still answers as any wrong password does.
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/login', { email: federatedAdmin.email, password: 'wrong one' }),
      401,
      'auth.invalid_credentials',
    );
    const off = await admin.patch('/api/v1/organization', { ssoOnly: false });
    assert.equal(off.status, 200, off.text);
    await instance.signIn(federatedAdmin.email, ADMIN_PASSWORD);
  });

  /** The sign-in page's question and Usher's redirect to the SAML IdP; the AuthnRequest the IdP reads. */
  async function samlStart(email: string) {
    const discovered = await instance
      .anonymous()
      .post<{ method: string; protocol: string; startUrl: string }>('/api/v1/auth/sso/discover', { email });
    assert.equal(discovered.body.method, 'sso', discovered.text);
    assert.equal(discovered.body.protocol, 'saml');
    const start = await fetch(instance.baseUrl + discovered.body.startUrl, { redirect: 'manual' });
    assert.equal(start.status, 302, await start.clone().text());
    const location = start.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${idp.ssoUrl}?`), location);
    return idp.readRequest(location);
  }

  /** The browser posting the IdP's answer to Usher's ACS (HTTP-POST binding). */
  async function postToAcs(samlResponse: string, address = nextAddress(), language = 'en') {
    const answer = await fetch(`${instance.baseUrl}/api/v1/auth/saml/${samlDirectoryId}/acs`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': address,
        'accept-language': language,
      },
      body: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
      redirect: 'manual',
    });
    const session = answer.headers
      .getSetCookie()
      .find((cookie) => cookie.startsWith('usher_session='))
      ?.split(';')[0];
    return { status: answer.status, location: answer.headers.get('location'), text: await answer.text(), session };
  }

  test('SAML: a system admin sets the identity provider from its metadata; Usher publishes its SP metadata', async () => {
    const path = `/api/v1/directories/${samlDirectoryId}/identity-provider`;
    expectProblem(
      await admin.request('PUT', path, { body: { protocol: 'saml', metadataXml: '<html>not metadata</html>' } }),
      400,
      'directories.invalid_saml_metadata',
    );
    const missing = expectProblem(
      await admin.request('PUT', path, { body: { protocol: 'saml', entityId: idp.entityId } }),
      400,
      'directories.saml_settings_required',
    );
    assert.match(String(missing.detail), /metadataUrl/);
    expectProblem(
      await admin.request('PUT', path, {
        body: { protocol: 'saml', entityId: idp.entityId, ssoUrl: idp.ssoUrl, certificate: 'not a certificate' },
      }),
      400,
      'directories.invalid_saml_certificate',
    );
    const fromXml = await admin.request<{ saml: { entityId: string } }>('PUT', path, {
      body: { protocol: 'saml', metadataXml: idp.metadataXml },
    });
    assert.equal(fromXml.status, 200, fromXml.text);
    assert.equal(fromXml.body.saml.entityId, idp.entityId);

    const set = await admin.request<{
      protocol: string;
      saml: {
        entityId: string;
        ssoUrl: string;
        metadataUrl: string;
        spEntityId: string;
        acsUrl: string;
        certificates: unknown[];
      };
    }>('PUT', path, { body: { protocol: 'saml', metadataUrl: idp.metadataUrl } });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.protocol, 'saml');
    assert.equal(set.body.saml.ssoUrl, idp.ssoUrl);
    assert.equal(set.body.saml.metadataUrl, idp.metadataUrl);
    assert.equal(set.body.saml.certificates.length, 1);
    const publicUrl = instance.app.ctx.config.publicUrl;
    assert.equal(set.body.saml.spEntityId, `${publicUrl}/api/v1/auth/saml/${samlDirectoryId}/metadata`);
    assert.equal(set.body.saml.acsUrl, `${publicUrl}/api/v1/auth/saml/${samlDirectoryId}/acs`);

    const metadata = await fetch(`${instance.baseUrl}/api/v1/auth/saml/${samlDirectoryId}/metadata`);
    assert.equal(metadata.status, 200);
    const xml = await metadata.text();
    assert.ok(xml.includes(`entityID="${set.body.saml.spEntityId}"`), xml);
    assert.ok(xml.includes(`Location="${set.body.saml.acsUrl}"`), xml);
    assert.equal((await fetch(`${instance.baseUrl}/api/v1/auth/saml/${crypto.randomUUID()}/metadata`)).status, 404);

    const tried = await admin.post<{ ok: boolean; message: string }>(`${path}/test`);
    assert.equal(tried.body.ok, true, tried.body.message);
  });

  test('SAML: a federated admin signs in with a signed assertion; the same answer twice is refused', async () => {
    const request = await samlStart(samlAdmin.email);
    const samlResponse = idp.respond(request, samlAdmin.email);
    const result = await postToAcs(samlResponse);
    assert.equal(result.status, 303, result.text);
    assert.equal(result.location, '/');
    assert.ok(result.session, 'a session cookie is set');
    const response = await fetch(`${instance.baseUrl}/api/v1/auth/session`, { headers: { cookie: result.session } });
    const session = (await response.json()) as { user: { email: string } };
    assert.equal(session.user.email, samlAdmin.email);

    const replayed = await postToAcs(samlResponse);
    assert.equal(replayed.status, 401, replayed.text);
    assert.equal(replayed.session, undefined);

    // The same assertion id in the answer to a new request is a replay too (ids are kept in the database).
    const assertionId = /<saml:Assertion[^>]* ID="([^"]+)"/.exec(Buffer.from(samlResponse, 'base64').toString())?.[1];
    const again = await postToAcs(idp.respond(await samlStart(samlAdmin.email), samlAdmin.email, { assertionId }));
    assert.equal(again.status, 401, again.text);
    assert.match(again.text, /already used/);

    // A response signed as a whole (rather than its assertion) is accepted too.
    const whole = await postToAcs(idp.respond(await samlStart(samlAdmin.email), samlAdmin.email, { sign: 'response' }));
    assert.equal(whole.status, 303, whole.text);

    const audit = await admin.get<{ items: { action: string; after: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=auth.login',
    );
    assert.ok(audit.body.items.some((item) => item.after.method === 'sso'));
  });

  test('SAML: an assertion for another audience, expired, for another recipient or unsolicited is refused', async () => {
    const cases: [string, (request: Awaited<ReturnType<typeof samlStart>>) => string, RegExp][] = [
      ['audience', (r) => idp.respond(r, samlAdmin.email, { audience: 'https://another-sp.example/' }), /audience/],
      [
        'expired',
        (r) => idp.respond(r, samlAdmin.email, { expiresIn: -600 }),
        /expired|no valid subject confirmation/i,
      ],
      [
        'recipient',
        (r) => idp.respond(r, samlAdmin.email, { recipient: 'https://another-sp.example/acs' }),
        /meant for|Recipient/,
      ],
      ['unsolicited', (r) => idp.respond(r, samlAdmin.email, { inResponseTo: '_made-up' }), /InResponseTo/],
    ];
    for (const [name, make, reason] of cases) {
      const result = await postToAcs(make(await samlStart(samlAdmin.email)));
      assert.equal(result.status, 401, `${name}: ${result.text}`);
      assert.match(result.text, reason, name);
      assert.equal(result.session, undefined, name);
    }
  });

  test('SAML: a tampered or unsigned answer is refused', async () => {
    const tampered = await postToAcs(
      idp.respond(await samlStart(samlAdmin.email), samlAdmin.email, {
        tamper: (xml) => xml.replaceAll(samlAdmin.email, `eve@${SAML_DOMAIN}`),
      }),
    );
    assert.equal(tampered.status, 401, tampered.text);
    assert.match(tampered.text, /signature/i);
    const unsigned = await postToAcs(idp.respond(await samlStart(samlAdmin.email), samlAdmin.email, { sign: 'none' }));
    assert.equal(unsigned.status, 401, unsigned.text);
    assert.match(unsigned.text, /signature/i);
  });

  test('SAML: an unknown person and an admin of another organization are refused; nobody is created', async () => {
    const countUsers = async () =>
      String(
        (
          await instance.app.ctx.db
            .selectFrom('users')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
    const before = await countUsers();
    const unknown = await postToAcs(idp.respond(await samlStart(`nobody@${SAML_DOMAIN}`), `nobody@${SAML_DOMAIN}`));
    assert.equal(unknown.status, 403, unknown.text);
    assert.match(unknown.text, /not an administrator of this organization/);
    assert.equal(await countUsers(), before);
    // The page speaks the browser's language (all five console languages).
    const finnish = await postToAcs(
      idp.respond(await samlStart(`nobody@${SAML_DOMAIN}`), `nobody@${SAML_DOMAIN}`),
      nextAddress(),
      'fi-FI,fi;q=0.9,en;q=0.5',
    );
    assert.equal(finnish.status, 403);
    assert.match(finnish.text, /<html lang="fi">/);
    assert.match(finnish.text, /et ole tämän organisaation ylläpitäjä/);
    const czech = await postToAcs('not even base64 xml', nextAddress(), 'de, cs;q=0.8');
    assert.equal(czech.status, 401);
    assert.match(czech.text, /Odpověď poskytovatele identity nebyla přijata/);
    assert.match(czech.text, /data-testid="sso-error-detail"/, 'the exact reason is kept for a system admin');

    const other = await createOrganization(instance, 'Other SAML Org');
    await adminWithEmail(other.organizationId, `ming@${SAML_DOMAIN}`, 'system-admin');
    const foreign = await postToAcs(idp.respond(await samlStart(`ming@${SAML_DOMAIN}`), `ming@${SAML_DOMAIN}`));
    assert.equal(foreign.status, 403, foreign.text);
    assert.equal(foreign.session, undefined);

    const audit = await admin.get<{ items: { after: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=auth.sso_failed',
    );
    assert.ok(audit.body.items.some((item) => item.after.protocol === 'saml' && item.after.reason === 'unknown_user'));
  });

  test('failed callbacks count in the sign-in limits of their address and e-mail; the owner is not locked out', async () => {
    const address = '203.0.113.77';
    const policy = instance.app.ctx.config.login;
    // Past the free failures an address waits 1 s, 2 s, 4 s… before its next try (tried until refused,
    // so a slow machine cannot outwait the first short wait).
    let tries = 0;
    let last = { status: 0, text: '', session: undefined as string | undefined };
    while (tries < policy.maxFailures + 4) {
      last = await postToAcs(
        idp.respond(await samlStart(samlAdmin.email), samlAdmin.email, { audience: 'https://another-sp.example/' }),
        address,
      );
      if (last.status !== 401) {
        break;
      }
      tries += 1;
    }
    assert.equal(last.status, 429, last.text);
    assert.ok(tries >= policy.maxFailures, `refused after ${tries} failures`);
    assert.match(last.text, /Too many sign-in attempts from this address/);
    assert.match(last.text, /Wait \d+ seconds/);
    assert.equal(last.session, undefined);
    // Another address is not slowed down.
    const elsewhere = await postToAcs(idp.respond(await samlStart(samlAdmin.email), samlAdmin.email));
    assert.equal(elsewhere.status, 303, elsewhere.text);

    // A refusal that names an e-mail counts for that e-mail as a wrong password does, from that address only.
    const owner = instance.admin.email;
    const named = await postToAcs(idp.respond(await samlStart(samlAdmin.email), owner), '203.0.113.78');
    assert.equal(named.status, 403, named.text);
    const failures = await instance.app.ctx.db
      .selectFrom('rate_limits')
      .select(['key', 'hits'])
      .where('key', 'in', [`login:pair:${owner}|203.0.113.78`, `login:account:${owner}`])
      .execute();
    assert.equal(failures.length, 2, JSON.stringify(failures));
    await instance.signIn(owner, ADMIN_PASSWORD);
  });

  test("a federated admin's invitation sends them to their identity provider, with no set-password link", async () => {
    const email = `new-admin@${SAML_DOMAIN}`;
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', { users: [{ email }] });
    assert.equal(added.status, 201, added.text);
    const userId = added.body.items[0]?.id ?? '';
    const granted = await admin.post(`/api/v1/users/${userId}/admin-roles`, { role: 'support-admin' });
    assert.equal(granted.status, 200, granted.text);
    const resent = await admin.post(`/api/v1/users/${userId}/invitation`, {});
    assert.equal(resent.status, 204, resent.text);
    const list = await admin.get<{ items: { id: string; to: string }[] }>('/api/v1/outbox?kind=welcome');
    const messages = list.body.items.filter((item) => item.to === email);
    assert.equal(messages.length, 2, JSON.stringify(list.body.items));
    for (const message of messages) {
      const detail = await admin.get<{ text: string }>(`/api/v1/outbox/${message.id}`);
      assert.match(detail.body.text, /enter your e-mail on the sign-in page/);
      assert.doesNotMatch(detail.body.text, /set-password/);
    }
    const tokens = await instance.app.ctx.db
      .selectFrom('password_tokens')
      .select('user_id')
      .where('user_id', '=', userId)
      .execute();
    assert.deepEqual(tokens, []);
  });

  test('removing an identity provider: 204 with no body, audited, and a second removal is a 404', async () => {
    const path = `/api/v1/directories/${samlDirectoryId}/identity-provider`;
    const removed = await admin.request('DELETE', path);
    assert.equal(removed.status, 204, removed.text);
    assert.equal(removed.text, '');
    const events = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'directory.identity_provider.remove')
      .execute();
    assert.equal(events.length, 1);
    expectProblem(await admin.request('DELETE', path), 404, 'request.not_found');
  });
});
