import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectProblem } from '../../test/support/client.ts';
import {
  ADMIN_PASSWORD,
  createCatalog,
  createOrganization,
  startTestInstance,
  type TestInstance,
} from '../../test/support/instance.ts';
import { hashSecret } from '../auth/secrets.ts';

interface CreatedToken {
  id: string;
  token: string;
  role: string;
  scope: string[];
  prefix: string;
}

describe('API tokens', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance();
  });
  after(() => instance.close());

  test('a system admin creates a token whose secret is shown once and stored only as a hash', async () => {
    const admin = await instance.signIn();
    const created = await admin.post<CreatedToken>('/api/v1/api-tokens', {
      name: 'HR sync',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    assert.equal(created.status, 201);
    assert.match(created.body.token, /^usher_[A-Za-z0-9_-]{43}$/);
    assert.ok(created.body.token.startsWith(created.body.prefix));
    const row = await instance.app.ctx.db
      .selectFrom('api_tokens')
      .select(['token_hash', 'name'])
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, hashSecret(created.body.token));
    const list = await admin.get<{ items: Record<string, unknown>[] }>('/api/v1/api-tokens');
    const listed = list.body.items.find((item) => item.id === created.body.id);
    assert.ok(listed);
    assert.equal(listed.token, undefined, 'the secret is never listed');
    assert.equal(listed.createdBy, instance.admin.email);
    const audit = await admin.get<{
      items: { action: string; target: { id: string }; after: Record<string, unknown> }[];
    }>('/api/v1/audit-events?action=api_token.create');
    assert.equal(audit.body.items[0]?.target.id, created.body.id);
    assert.equal(audit.body.items[0]?.after.role, 'system-admin');
    assert.ok(!JSON.stringify(audit.body).includes(created.body.token), 'the secret is not in the audit log');
  });

  test('a token authenticates API calls with its role, needs no CSRF token, and stops working when revoked', async () => {
    const admin = await instance.signIn();
    const created = await admin.post<CreatedToken>('/api/v1/api-tokens', {
      name: 'Reader',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    const client = instance.anonymous().withToken(created.body.token);
    const session = await client.get<{ actor: { type: string; label: string }; csrfToken: null }>(
      '/api/v1/auth/session',
    );
    assert.equal(session.status, 200);
    assert.deepEqual(
      [session.body.actor.type, session.body.actor.label, session.body.csrfToken],
      ['api_token', 'Reader', null],
    );
    const patched = await client.patch('/api/v1/organization', { name: 'Renamed by token' });
    assert.equal(patched.status, 200);
    const revoked = await admin.delete(`/api/v1/api-tokens/${created.body.id}`);
    assert.equal(revoked.status, 204);
    expectProblem(await client.get('/api/v1/auth/session'), 401, 'auth.token_revoked');
    expectProblem(await admin.delete(`/api/v1/api-tokens/${created.body.id}`), 409, 'api_tokens.already_revoked');
    const events = await admin.get<{ items: { action: string; actor: { label: string } }[] }>(
      `/api/v1/audit-events?target=${created.body.id}`,
    );
    assert.deepEqual(
      events.body.items.map((event) => event.action),
      ['auth.token_rejected', 'api_token.revoke', 'api_token.create'],
    );
    const renamed = await admin.get<{ items: { action: string; actor: { type: string } }[] }>(
      '/api/v1/audit-events?action=organization.update',
    );
    assert.equal(renamed.body.items[0]?.actor.type, 'api_token');
    await admin.patch('/api/v1/organization', { name: 'Example Org' });
  });

  test('unknown and malformed bearer tokens get 401', async () => {
    expectProblem(
      await instance.anonymous().withToken('usher_nope').get('/api/v1/auth/session'),
      401,
      'auth.invalid_token',
    );
    const response = await instance
      .anonymous()
      .request('GET', '/api/v1/auth/session', { headers: { authorization: 'Basic abc' } });
    expectProblem(response, 401, 'auth.invalid_token');
  });

  test('scoped roles need scope ids of this organization; unscoped roles refuse them', async () => {
    const admin = await instance.signIn();
    const mine = await createCatalog(instance, instance.organizationId, 'Mine');
    const other = await createOrganization(instance, 'Other Co');
    const theirs = await createCatalog(instance, other.organizationId, 'Theirs');

    const scoped = await admin.post<CreatedToken>('/api/v1/api-tokens', {
      name: 'Group robot',
      role: 'group-admin',
      scope: [mine.groupId],
    });
    assert.equal(scoped.status, 201);
    assert.deepEqual(scoped.body.scope, [mine.groupId]);
    const session = await instance
      .anonymous()
      .withToken(scoped.body.token)
      .get<{ roles: unknown[] }>('/api/v1/auth/session');
    assert.deepEqual(session.body.roles, [
      { role: 'group-admin', scope: { type: 'group', id: mine.groupId, name: 'Mine Group' } },
    ]);

    expectProblem(
      await admin.post('/api/v1/api-tokens', { name: 'x', role: 'product-admin' }),
      400,
      'api_tokens.scope_required',
    );
    expectProblem(
      await admin.post('/api/v1/api-tokens', { name: 'x', role: 'support-admin', scope: [mine.productId] }),
      400,
      'api_tokens.scope_not_allowed',
    );
    const foreign = expectProblem(
      await admin.post('/api/v1/api-tokens', { name: 'x', role: 'product-admin', scope: [theirs.productId] }),
      422,
      'api_tokens.scope_not_found',
    );
    assert.match(String(foreign.detail), new RegExp(theirs.productId));
    expectProblem(
      await admin.post('/api/v1/api-tokens', { name: 'x', role: 'profile-admin', scope: [mine.productId] }),
      422,
      'api_tokens.scope_not_found',
    );
    const count = await instance.app.ctx.db.selectFrom('api_tokens').select('id').where('name', '=', 'x').execute();
    assert.equal(count.length, 0, 'refused requests create nothing');
  });

  test('only system admins manage tokens; other roles are refused and the refusal is audited', async () => {
    const admin = await instance.signIn();
    const support = await admin.post<CreatedToken>('/api/v1/api-tokens', {
      name: 'Support bot',
      role: 'support-admin',
    });
    const client = instance.anonymous().withToken(support.body.token);
    expectProblem(await client.get('/api/v1/api-tokens'), 403, 'auth.forbidden');
    expectProblem(
      await client.post('/api/v1/api-tokens', { name: 'escalate', role: 'system-admin' }),
      403,
      'auth.forbidden',
    );
    expectProblem(await client.delete(`/api/v1/api-tokens/${support.body.id}`), 403, 'auth.forbidden');
    const denied = await admin.get<{ items: { after: { action: string } }[] }>(
      `/api/v1/audit-events?action=authorization.denied&actor=${support.body.id}`,
    );
    assert.deepEqual(denied.body.items.map((event) => event.after.action).sort(), [
      'apiToken.create',
      'apiToken.read',
      'apiToken.revoke',
    ]);
  });
});
