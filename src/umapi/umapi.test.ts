import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import {
  connectIntegration,
  pythonQuote,
  requestToken,
  type UmapiConnection,
  type UmapiUserView,
} from '../../test/support/umapi.ts';

/**
 * Protocol tests of Adobe's User Management API on Usher. Every request is shaped as Adobe's
 * clients send it (test/support/umapi.ts says from which function); each case names the client
 * function whose request or reading of the answer it mirrors.
 */

/** Claims a domain for the organization in a directory of this type, as domain verification does. */
async function claim(instance: TestInstance, domain: string, identityType: 'enterprise' | 'federated') {
  const db = instance.app.ctx.db;
  const directory = await db
    .insertInto('directories')
    .values({ organization_id: instance.organizationId, name: `${domain} directory`, identity_type: identityType })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('domains')
    .values({
      organization_id: instance.organizationId,
      directory_id: directory.id,
      name: domain,
      verification_token: 't',
      status: 'claimed',
      claimed_at: new Date(),
    })
    .execute();
}

describe('UMAPI: token endpoint and authentication', () => {
  let instance: TestInstance;
  let admin: Client;
  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
  });
  after(() => instance.close());

  test('umapi-client auth.py OAuthS2S.refresh_token: client credentials at /ims/token/v2/ and without the slash', async () => {
    const { clientId, clientSecret, orgId } = await connectIntegration(admin, instance.baseUrl);
    assert.equal(orgId, `${instance.organizationId}@AdobeOrg`);
    assert.match(clientId, /^[0-9a-f]{32}$/);
    for (const path of ['/ims/token/v2/', '/ims/token/v2']) {
      const answer = await requestToken(instance.baseUrl, clientId, clientSecret, path);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.token_type, 'bearer');
      assert.equal(answer.body.expires_in, 86_400, 'seconds, as OAuthS2S.set_expiry reads them');
      assert.match(answer.body.access_token ?? '', /^usher_at_/);
    }
    const wrong = await requestToken(instance.baseUrl, clientId, `${clientSecret}x`);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    const grant = await requestToken(instance.baseUrl, clientId, clientSecret, '/ims/token/v2/', {
      grant_type: 'password',
    });
    assert.equal(grant.status, 400);
    assert.equal(grant.body.error, 'unsupported_grant_type');
    const rejected = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('action', '=', 'auth.token_rejected')
      .execute();
    assert.ok(rejected.some((event) => (event.after as { reason: string }).reason === 'bad_client_secret'));
  });

  test('auth.py AdobeAuthBase.__call__: bearer and x-api-key on every call; the secret is no REST token', async () => {
    const { connection, clientId, clientSecret } = await connectIntegration(admin, instance.baseUrl);
    const ok = await connection.users(0);
    assert.equal(ok.status, 200);
    const noKey = await connection.call(`/users/${connection.orgId}/0`, undefined, { 'x-api-key': 'someone-else' });
    assert.equal(noKey.status, 401);
    const badToken = await connection.call(`/users/${connection.orgId}/0`, undefined, {
      Authorization: 'Bearer usher_at_nothing',
    });
    assert.equal(badToken.status, 401);
    assert.equal((badToken.body as { error_code: string }).error_code, 'unauthorized');
    const rest = await instance.anonymous().withToken(clientSecret).get('/api/v1/users');
    assert.equal(rest.status, 401);
    const access = await requestToken(instance.baseUrl, clientId, clientSecret);
    const rest2 = await instance
      .anonymous()
      .withToken(access.body.access_token ?? '')
      .get('/api/v1/users');
    assert.equal(rest2.status, 401, 'an access token works only under /v2/usermanagement');
    // Checked on every call (nothing cached): a token past its expires_in is refused at once, and
    // a call refused for its x-api-key or token is not counted against the integration's limit.
    const hits = async () =>
      (
        await instance.app.ctx.db
          .selectFrom('rate_limits')
          .select('hits')
          .where('key', 'like', 'umapi:%')
          .orderBy('last_hit_at', 'desc')
          .executeTakeFirstOrThrow()
      ).hits;
    const counted = await hits();
    assert.equal((await connection.call(`/users/${connection.orgId}/0`, undefined, { 'x-api-key': 'x' })).status, 401);
    assert.equal(await hits(), counted);
    await instance.app.ctx.db
      .updateTable('umapi_access_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where(
        'api_token_id',
        '=',
        (
          await instance.app.ctx.db
            .selectFrom('api_tokens')
            .select('id')
            .where('client_id', '=', clientId)
            .executeTakeFirstOrThrow()
        ).id,
      )
      .execute();
    const expired = await connection.users(0);
    assert.equal(expired.status, 401);
    assert.match((expired.body as unknown as { message: string }).message, /expired/);
  });

  test('connection.py make_call: Pragma umapi-sync-start/-end and X-Request-Id are accepted; org id with or without @AdobeOrg', async () => {
    const { connection } = await connectIntegration(admin, instance.baseUrl);
    const start = await connection.call(`/users/${connection.orgId}/0?directOnly=True`, undefined, {
      Pragma: 'umapi-sync-start',
    });
    assert.equal(start.status, 200);
    const plain = await connection.call(`/users/${instance.organizationId}/0`, undefined, { Pragma: 'umapi-sync-end' });
    assert.equal(plain.status, 200);
    const other = await createOrganization(instance, 'Other');
    const wrong = await connection.call(`/users/${other.organizationId}@AdobeOrg/0`);
    assert.equal(wrong.status, 403);
    assert.match((wrong.body as { message: string }).message, /set org_id to/);
  });

  test('rotating the secret and revoking the integration stop the old credentials at once', async () => {
    const { connection, id, clientId, clientSecret } = await connectIntegration(admin, instance.baseUrl);
    const rotated = await admin.post<{ clientSecret: string }>(`/api/v1/integrations/${id}/secret`);
    assert.equal(rotated.status, 200);
    assert.equal((await connection.users(0)).status, 401, 'access tokens of the old secret end');
    assert.equal((await requestToken(instance.baseUrl, clientId, clientSecret)).status, 401);
    const fresh = await requestToken(instance.baseUrl, clientId, rotated.body.clientSecret);
    assert.equal(fresh.status, 200);
    connection.token = fresh.body.access_token ?? '';
    assert.equal((await connection.users(0)).status, 200);
    assert.equal((await admin.delete(`/api/v1/integrations/${id}`)).status, 204);
    assert.equal((await connection.users(0)).status, 401);
    assert.equal((await requestToken(instance.baseUrl, clientId, rotated.body.clientSecret)).status, 401);
    const listed = await admin.get<{ integrations: { id: string; revokedAt: string | null }[]; orgId: string }>(
      '/api/v1/integrations',
    );
    assert.ok(listed.body.integrations.find((entry) => entry.id === id)?.revokedAt);
  });

  test('only system admins manage integrations', async () => {
    const { email } = await (await import('../../test/support/instance.ts')).createAdmin(
      instance,
      instance.organizationId,
      'support-admin',
    );
    const support = await instance.signIn(email);
    assert.equal((await support.post('/api/v1/integrations', { name: 'x', role: 'system-admin' })).status, 403);
    assert.equal((await support.get('/api/v1/integrations')).status, 403);
  });

  test('a system-admin integration is created only with the password again', async () => {
    const missing = await admin.post('/api/v1/integrations', { name: 'No password', role: 'system-admin' });
    expectProblem(missing, 403, 'auth.reauthentication_required');
    const wrong = await admin.post('/api/v1/integrations', {
      name: 'Wrong password',
      role: 'system-admin',
      password: 'not the password at all',
    });
    expectProblem(wrong, 403, 'auth.reauthentication_required');
    const listed = await admin.get<{ integrations: { name: string }[] }>('/api/v1/integrations');
    assert.ok(!listed.body.integrations.some((entry) => entry.name.endsWith('password')), 'nothing was created');
  });
});

describe('UMAPI: queries', () => {
  let instance: TestInstance;
  let admin: Client;
  let connection: UmapiConnection;
  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    await claim(instance, 'acme.example', 'enterprise');
    const product = await admin.post<{ id: string }>('/api/v1/products', {
      name: 'Acrobat Pro',
      licenseQuantity: 1000,
    });
    await admin.post('/api/v1/product-profiles', { productId: product.body.id, name: 'Acrobat Default' });
    await admin.post('/api/v1/product-profiles', { productId: product.body.id, name: 'Acrobat / Legal' });
    const group = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Design Team' });
    await admin.post(`/api/v1/groups/${group.body.id}/profiles`, {
      profileIds: [
        (await admin.get<{ items: { id: string; name: string }[] }>('/api/v1/product-profiles')).body.items.find(
          (profile) => profile.name === 'Acrobat Default',
        )?.id,
      ],
    });
    // 449 users in acme.example (Enterprise ID) and one Personal ID: three pages of 200.
    const users = Array.from({ length: 449 }, (_, index) => ({
      email: `user${String(index).padStart(3, '0')}@acme.example`,
      firstName: `First${index}`,
      lastName: `Last${index}`,
      country: 'PL',
      ...(index < 5 ? { groups: ['Design Team'] } : {}),
      ...(index >= 5 && index < 8 ? { profiles: ['Acrobat / Legal'] } : {}),
    }));
    for (let start = 0; start < users.length; start += 200) {
      const added = await admin.post('/api/v1/users', { users: users.slice(start, start + 200) });
      assert.equal(added.status, 201);
    }
    assert.equal((await admin.post('/api/v1/users', { users: [{ email: 'friend@gmail.example' }] })).status, 201);
    connection = (await connectIntegration(admin, instance.baseUrl)).connection;
  });
  after(() => instance.close());

  test('connection.py query_multiple users: 0-based pages, lastPage and the X-* paging headers', async () => {
    const seen: UmapiUserView[] = [];
    for (let page = 0; ; page += 1) {
      const answer = await connection.users(page);
      assert.equal(answer.status, 200);
      assert.equal(answer.body.result, 'success');
      assert.equal(answer.headers.get('x-total-count'), '451', '449 + friend + the first admin');
      assert.equal(answer.headers.get('x-page-count'), '3');
      assert.equal(answer.headers.get('x-current-page'), String(page));
      assert.equal(answer.headers.get('x-page-size'), '200');
      seen.push(...answer.body.users);
      assert.equal(answer.body.lastPage, page === 2);
      if (answer.body.lastPage) {
        break;
      }
    }
    assert.equal(seen.length, 451);
    assert.equal(new Set(seen.map((user) => user.id)).size, 451);
    const first = seen.find((user) => user.email === 'user000@acme.example');
    assert.deepEqual(
      { ...first, id: undefined },
      {
        id: undefined,
        email: 'user000@acme.example',
        status: 'active',
        username: 'user000@acme.example',
        domain: 'acme.example',
        firstname: 'First0',
        lastname: 'Last0',
        country: 'PL',
        type: 'enterpriseID',
        groups: ['Design Team'],
      },
    );
    assert.equal(seen.find((user) => user.email === 'friend@gmail.example')?.type, 'adobeID');
    assert.deepEqual(seen.find((user) => user.email === instance.admin.email)?.groups, ['_org_admin']);
    const past = await connection.users(7);
    assert.equal(past.headers.get('x-current-page'), '2', 'a page past the end answers the last page');
    assert.equal(past.body.lastPage, true);
  });

  test('UsersQuery directOnly=False adds the profiles users hold through their groups; ?domain= filters', async () => {
    const indirect = await connection.users(0, { directOnly: false });
    const member = indirect.body.users.find((user) => user.email === 'user001@acme.example');
    assert.deepEqual(member?.groups.sort(), ['Acrobat Default', 'Design Team']);
    const domain = await connection.users(0, { domain: 'gmail.example' });
    assert.deepEqual(
      domain.body.users.map((user) => user.email),
      ['friend@gmail.example'],
    );
    assert.equal(domain.headers.get('x-total-count'), '1');
  });

  test('UsersQuery in_group: members of a user group or holders of a profile, names case-insensitive and URL-quoted', async () => {
    const group = await connection.users(0, { group: 'design team' });
    assert.equal(group.status, 200);
    assert.equal(group.body.users.length, 5);
    const profile = await connection.users(0, { group: 'acrobat / legal' });
    assert.equal(profile.status, 200, `quote() leaves '/' unescaped: ${pythonQuote('acrobat / legal')}`);
    assert.deepEqual(
      profile.body.users.map((user) => user.email),
      ['user005@acme.example', 'user006@acme.example', 'user007@acme.example'],
    );
    const through = await connection.users(0, { group: 'Acrobat Default', directOnly: false });
    assert.equal(through.body.users.length, 5);
    const direct = await connection.users(0, { group: 'Acrobat Default' });
    assert.equal(direct.body.users.length, 0);
    const unknown = await connection.users(0, { group: 'No Such Group' });
    assert.equal(unknown.status, 404, 'query_multiple reads a 404 as "nothing"');
  });

  test('GroupsQuery: product profiles and user groups with type, memberCount, productName, licenseQuota', async () => {
    const answer = await connection.groups(0);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.lastPage, true);
    assert.equal(answer.headers.get('x-total-count'), '3');
    assert.deepEqual(
      answer.body.groups.map((group) => ({ ...group, groupId: undefined })),
      [
        {
          groupId: undefined,
          groupName: 'Acrobat / Legal',
          type: 'PRODUCT_PROFILE',
          memberCount: 3,
          productName: 'Acrobat Pro',
          licenseQuota: '1000',
        },
        {
          groupId: undefined,
          groupName: 'Acrobat Default',
          type: 'PRODUCT_PROFILE',
          memberCount: 0,
          productName: 'Acrobat Pro',
          licenseQuota: '1000',
        },
        { groupId: undefined, groupName: 'Design Team', type: 'USER_GROUP', memberCount: 5 },
      ],
    );
  });

  test('UserQuery (query_single): one user by e-mail, quoted with safe="/@"; 404 when there is none', async () => {
    const found = await connection.user('USER003@acme.example');
    assert.equal(found.status, 200);
    assert.equal(found.body.result, 'success');
    assert.equal(found.body.user.email, 'user003@acme.example');
    assert.deepEqual(found.body.user.groups.sort(), ['Acrobat Default', 'Design Team']);
    assert.equal((await connection.user('nobody@acme.example')).status, 404);
  });

  test('api.py QueryMultiple._next_page reads pages 0, 1, 2… in turn: a user removed from a page already read moves no one past the next', async () => {
    const first = await connection.users(0, { domain: 'acme.example' });
    assert.equal(first.headers.get('x-total-count'), '449');
    const gone = first.body.users[10];
    assert.ok(gone);
    const removed = await admin.post('/api/v1/users/remove', { userIds: [gone.id] });
    assert.equal(removed.status, 200);
    const seen = [...first.body.users];
    for (let page = 1; ; page += 1) {
      const answer = await connection.users(page, { domain: 'acme.example' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('x-current-page'), String(page));
      assert.equal(answer.headers.get('x-page-size'), '200');
      seen.push(...answer.body.users);
      if (answer.body.lastPage) {
        assert.equal(answer.headers.get('x-page-count'), String(page + 1));
        break;
      }
    }
    // Offset paging would have slid user200 onto page 0 after it was read, and never listed it.
    assert.equal(seen.length, 449, 'every user once: the removed one as read before its removal');
    assert.equal(new Set(seen.map((user) => user.email)).size, 449);
    // A page asked for on its own (another process, a new run) is read by its number, and counted.
    const alone = await connection.users(1, { domain: 'acme.example', directOnly: false });
    assert.equal(alone.headers.get('x-total-count'), '448');
    assert.equal(alone.body.users[0]?.email, 'user201@acme.example');
    assert.equal(alone.body.lastPage, false);
    assert.equal((await admin.post(`/api/v1/users/${gone.id}/restore`, {})).status, 200);
  });

  test('a page that is not a number is a 400 naming it', async () => {
    const answer = await connection.call(`/users/${connection.orgId}/first`);
    assert.equal(answer.status, 400);
    assert.match((answer.body as { message: string }).message, /"first" is not a whole number/);
  });
});

describe('UMAPI: throttling', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({ USHER_UMAPI_REQUESTS_PER_MINUTE: '3' });
  });
  after(() => instance.close());

  test('connection.py APIResult.get_timeout: 429 with Retry-After in seconds past the per-integration limit', async () => {
    const admin = await instance.signIn();
    const { connection } = await connectIntegration(admin, instance.baseUrl); // the token request is hit 1
    assert.equal((await connection.users(0)).status, 200);
    assert.equal((await connection.groups(0)).status, 200);
    const throttled = await connection.users(0);
    assert.equal(throttled.status, 429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const other = await connectIntegration(admin, instance.baseUrl, { name: 'Other client' });
    assert.equal((await other.connection.users(0)).status, 200, 'limits are per integration');
  });
});

describe('UMAPI over https (USHER_TLS_CERT and USHER_TLS_KEY)', () => {
  let instance: TestInstance;
  let folder: string;
  let ca: Buffer;
  before(async () => {
    // A private CA and a server certificate for 127.0.0.1, as an operator would make them.
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-tls-'));
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: folder, stdio: 'pipe' });
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Usher Test CA',
    ]);
    run([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    ]);
    fs.writeFileSync(path.join(folder, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    run([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ]);
    ca = fs.readFileSync(path.join(folder, 'ca.pem'));
    instance = await startTestInstance({
      USHER_TLS_CERT: path.join(folder, 'server.pem'),
      USHER_TLS_KEY: path.join(folder, 'server.key'),
    });
  });
  after(async () => {
    await instance.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  /** One https request trusting only the private CA (what REQUESTS_CA_BUNDLE does for the clients). */
  function httpsRequest(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const request = https.request(url, { method, headers, ca }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  test('the token endpoint and the API answer over https with a certificate from a private CA', async () => {
    assert.match(instance.baseUrl, /^https:\/\//);
    const login = await httpsRequest(
      'POST',
      `${instance.baseUrl}/api/v1/auth/login`,
      { 'content-type': 'application/json' },
      JSON.stringify({ email: instance.admin.email, password: instance.admin.password }),
    );
    assert.equal(login.status, 200);
    // The integration is made directly through the service here: the cookie dance over https is not the point.
    const { createIntegration } = await import('./umapi.integrations.ts');
    const actor = {
      type: 'system' as const,
      id: 'test',
      label: 'test',
      organizationId: instance.organizationId,
      grants: [],
      sourceIp: null,
      userAgent: null,
    };
    const created = await createIntegration(instance.app.ctx, actor, { name: 'TLS', role: 'system-admin' });
    const token = await httpsRequest(
      'POST',
      `${instance.baseUrl}/ims/token/v2/`,
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({
        client_id: created.integration.clientId,
        client_secret: created.clientSecret,
        grant_type: 'client_credentials',
        scope: 'openid,AdobeID,user_management_sdk',
      }).toString(),
    );
    assert.equal(token.status, 200);
    const access = (JSON.parse(token.body) as { access_token: string }).access_token;
    const users = await httpsRequest('GET', `${instance.baseUrl}/v2/usermanagement/users/${created.orgId}/0`, {
      authorization: `Bearer ${access}`,
      'x-api-key': created.integration.clientId,
    });
    assert.equal(users.status, 200);
    assert.equal((JSON.parse(users.body) as { result: string }).result, 'success');
    await assert.rejects(
      new Promise((resolve, reject) => {
        https.get(`${instance.baseUrl}/healthz`, resolve).on('error', reject);
      }),
      /self-signed|unable to verify|certificate/i,
      'a client without the CA refuses the certificate',
    );
  });
});
