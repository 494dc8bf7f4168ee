import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectProblem } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';

describe('first run without USHER_ADMIN_*: the one-time setup link', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({ USHER_PUBLIC_URL: 'https://usher.example.com' }, { bootstrap: false });
  });
  after(() => instance.close());

  test('start-up issues a setup link that creates the organization and its first system admin, once', async () => {
    const outcome = instance.app.firstRun;
    assert.equal(outcome.kind, 'setup-link');
    assert.ok(outcome.kind === 'setup-link');
    const url = new URL(outcome.url);
    assert.equal(url.origin + url.pathname, 'https://usher.example.com/setup');
    const token = url.searchParams.get('token') ?? '';
    assert.ok(token.length >= 40);

    const client = instance.anonymous();
    assert.deepEqual((await client.get(`/api/v1/setup?token=${token}`)).body, { valid: true });
    assert.deepEqual((await client.get('/api/v1/setup?token=guess')).body, { valid: false });
    const weak = expectProblem(
      await client.post('/api/v1/setup', {
        token,
        organizationName: 'Acme',
        email: 'root@acme.example',
        password: 'short',
      }),
      400,
      'request.validation_failed',
    );
    assert.equal((weak.errors as { field: string }[])[0]?.field, 'body.password');

    const created = await client.post<{ organization: { name: string }; roles: { role: string }[]; csrfToken: string }>(
      '/api/v1/setup',
      { token, organizationName: 'Acme', email: 'root@acme.example', password: 'a long enough password', locale: 'pl' },
    );
    assert.equal(created.status, 201);
    assert.equal(created.body.organization.name, 'Acme');
    assert.deepEqual(
      created.body.roles.map((role) => role.role),
      ['system-admin'],
    );
    const cookie = created.headers.getSetCookie().join(';');
    assert.match(cookie, /usher_session=.*Secure/i, 'Secure cookie behind an https public URL');

    expectProblem(
      await client.post('/api/v1/setup', {
        token,
        organizationName: 'Again',
        email: 'x@acme.example',
        password: 'a long enough password',
      }),
      410,
      'setup.unavailable',
    );
    assert.deepEqual((await client.get(`/api/v1/setup?token=${token}`)).body, { valid: false });
    const organizations = await instance.app.ctx.db.selectFrom('organizations').select('name').execute();
    assert.deepEqual(
      organizations.map((row) => row.name),
      ['Acme'],
    );
    const actions = await instance.app.ctx.db.selectFrom('audit_events').select('action').orderBy('id').execute();
    assert.deepEqual(
      actions.map((row) => row.action),
      ['organization.create', 'user.create', 'admin_role.assign', 'auth.login'],
    );
  });
});
