import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, expectProblem } from '../../test/support/client.ts';
import { ADMIN_PASSWORD, createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

describe('sign-in, sessions and CSRF', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({
      USHER_LOGIN_MAX_FAILURES: '3',
      USHER_LOGIN_MAX_PER_ADDRESS: '40',
      USHER_TRUST_PROXY: 'true',
    });
  });
  after(() => instance.close());

  test('signs in with a HttpOnly SameSite cookie, returns the CSRF token, and records auth.login', async () => {
    const client = instance.anonymous();
    const response = await client.post('/api/v1/auth/login', {
      email: instance.admin.email.toUpperCase(),
      password: ADMIN_PASSWORD,
    });
    assert.equal(response.status, 200);
    const cookie = response.headers.getSetCookie().find((value) => value.startsWith('usher_session='));
    assert.ok(cookie);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.equal(typeof response.body.csrfToken, 'string');
    assert.ok((response.body.abilities as string[]).includes('apiToken.create'));
    const events = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'actor_label', 'source_ip'])
      .where('organization_id', '=', instance.organizationId)
      .where('action', '=', 'auth.login')
      .execute();
    assert.ok(events.some((event) => event.actor_label === instance.admin.email && event.source_ip === '127.0.0.1'));
  });

  test('stores passwords as argon2id and sessions only as hashes', async () => {
    const row = await instance.app.ctx.db
      .selectFrom('admin_credentials')
      .select('password_hash')
      .executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^\$argon2id\$/);
    const client = await instance.signIn();
    const secret = decodeURIComponent((client.cookie ?? '').split('=')[1] ?? '');
    const sessions = await instance.app.ctx.db.selectFrom('sessions').select('token_hash').execute();
    assert.ok(sessions.length > 0);
    assert.ok(sessions.every((session) => session.token_hash !== secret && /^[0-9a-f]{64}$/.test(session.token_hash)));
  });

  test('a wrong password and an unknown e-mail get the same generic 401, and the failure is audited', async () => {
    const client = instance.anonymous();
    const wrong = expectProblem(
      await client.post('/api/v1/auth/login', { email: instance.admin.email, password: 'not the password' }),
      401,
      'auth.invalid_credentials',
    );
    const unknown = expectProblem(
      await client.post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'not the password' }),
      401,
      'auth.invalid_credentials',
    );
    assert.equal(wrong.detail, unknown.detail);
    const failed = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['target_label', 'after'])
      .where('action', '=', 'auth.login_failed')
      .execute();
    assert.ok(failed.some((event) => event.target_label === instance.admin.email));
  });

  test('after the free failures an address waits before trying again; the owner elsewhere is not locked out', async () => {
    const { email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const attacker = instance.anonymous();
    const from = (address: string) => ({ 'x-forwarded-for': address });
    for (let attempt = 0; attempt < 3; attempt++) {
      expectProblem(
        await attacker.request('POST', '/api/v1/auth/login', {
          body: { email, password: 'wrong wrong wrong' },
          headers: from('203.0.113.7'),
        }),
        401,
        'auth.invalid_credentials',
      );
    }
    // The third failure makes the next attempt wait 1 s; a slow machine may take that long between
    // two requests, so the test makes the wait longer by recording more failures of this pair.
    await instance.app.ctx.db
      .updateTable('rate_limits')
      .set({ hits: 8 })
      .where('key', '=', `login:pair:${email}|203.0.113.7`)
      .execute();
    const waiting = await attacker.request('POST', '/api/v1/auth/login', {
      body: { email, password: ADMIN_PASSWORD },
      headers: from('203.0.113.7'),
    });
    expectProblem(waiting, 429, 'auth.rate_limited');
    assert.ok(Number(waiting.headers.get('retry-after')) > 0);
    const owner = await instance.anonymous().request('POST', '/api/v1/auth/login', {
      body: { email, password: ADMIN_PASSWORD },
      headers: from('198.51.100.20'),
    });
    assert.equal(owner.status, 200);
    const blocked = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'auth.login_blocked')
      .where('target_label', '=', email)
      .execute();
    assert.equal(blocked.length, 1);
  });

  test('limits sign-in attempts per source address', async () => {
    const limited = await startTestInstance({ USHER_LOGIN_MAX_PER_ADDRESS: '5' });
    try {
      const client = limited.anonymous();
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 7; attempt++) {
        const email = `someone-${attempt}@example.com`;
        statuses.push((await client.post('/api/v1/auth/login', { email, password: 'x' })).status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });

  test('cookie-authenticated writes need the CSRF token; a refusal is audited and changes nothing', async () => {
    const client = await instance.signIn();
    const response = await client.request('POST', '/api/v1/api-tokens', {
      body: { name: 'csrf probe', role: 'system-admin' },
      csrf: false,
    });
    expectProblem(response, 403, 'auth.csrf_failed');
    const tokens = await instance.app.ctx.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', 'csrf probe')
      .execute();
    assert.equal(tokens.length, 0);
    const rejected = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'auth.csrf_rejected')
      .execute();
    assert.ok(rejected.length >= 1);
    const wrong = await client.request('POST', '/api/v1/api-tokens', {
      body: { name: 'csrf probe', role: 'system-admin' },
      headers: { 'x-csrf-token': 'forged' },
      csrf: false,
    });
    expectProblem(wrong, 403, 'auth.csrf_failed');
  });

  test('an expired or idle session gets 401 auth.session_expired', async () => {
    const client = await instance.signIn();
    assert.equal((await client.get('/api/v1/auth/session')).status, 200);
    await instance.app.ctx.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    expectProblem(await client.get('/api/v1/auth/session'), 401, 'auth.session_expired');
    const idle = await instance.signIn();
    await instance.app.ctx.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 13 * 3_600_000) })
      .where('expires_at', '>', new Date())
      .execute();
    expectProblem(await idle.get('/api/v1/auth/session'), 401, 'auth.session_expired');
  });

  test('an admin who loses every admin role is signed out on the next request', async () => {
    const { email, userId } = await createAdmin(instance, instance.organizationId, 'deployment-admin');
    const client = await instance.signIn(email);
    await instance.app.ctx.db.deleteFrom('admin_role_assignments').where('user_id', '=', userId).execute();
    expectProblem(await client.get('/api/v1/auth/session'), 401, 'auth.session_expired');
  });

  test('a user without an admin role cannot sign in', async () => {
    const { email, userId } = await createAdmin(instance, instance.organizationId, 'support-admin');
    await instance.app.ctx.db.deleteFrom('admin_role_assignments').where('user_id', '=', userId).execute();
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/login', { email, password: ADMIN_PASSWORD }),
      401,
      'auth.invalid_credentials',
    );
  });

  test('sign-out ends the session, clears the cookie and is audited', async () => {
    const client = await instance.signIn();
    const cookie = client.cookie;
    const response = await client.post('/api/v1/auth/logout');
    assert.equal(response.status, 204);
    assert.equal(client.cookie, undefined);
    const replay = new Client(instance.baseUrl);
    replay.cookie = cookie;
    expectProblem(await replay.get('/api/v1/auth/session'), 401, 'auth.session_expired');
    const events = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'auth.logout')
      .execute();
    assert.ok(events.length >= 1);
  });

  test('the console language is remembered per admin', async () => {
    const client = await instance.signIn();
    const changed = await client.patch('/api/v1/me', { locale: 'fi' });
    assert.equal(changed.status, 200);
    const again = await instance.signIn();
    const session = await again.get<{ user: { locale: string } }>('/api/v1/auth/session');
    assert.equal(session.body.user.locale, 'fi');
    expectProblem(await client.patch('/api/v1/me', { locale: 'de' }), 400, 'request.validation_failed');
    await client.patch('/api/v1/me', { locale: null });
  });
});
