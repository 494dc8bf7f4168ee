import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectProblem } from './support/client.ts';
import { ADMIN_PASSWORD, createOrganization, startTestInstance, type TestInstance } from './support/instance.ts';

interface Page {
  items: { id: string; action: string; actor: { label: string }; target: { id: string } | null }[];
}

describe('tenant isolation: two organizations on one instance', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance();
  });
  after(() => instance.close());

  test('nothing of one organization is visible or changeable from the other', async () => {
    const other = await createOrganization(instance, 'Rival Corp');
    const a = await instance.signIn();
    const b = await instance.signIn(other.email);

    const tokenA = await a.post<{ id: string; token: string }>('/api/v1/api-tokens', {
      name: 'A robot',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    const tokenB = await b.post<{ id: string; token: string }>('/api/v1/api-tokens', {
      name: 'B robot',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    assert.equal(tokenA.status, 201);
    assert.equal(tokenB.status, 201);

    // Organization: each sees its own.
    assert.equal((await a.get<{ name: string }>('/api/v1/organization')).body.name, 'Example Org');
    assert.equal((await b.get<{ name: string }>('/api/v1/organization')).body.name, 'Rival Corp');

    // API tokens: listing shows only one's own; revoking the other's is a 404 that changes nothing.
    const listA = await a.get<{ items: { id: string }[] }>('/api/v1/api-tokens');
    assert.ok(listA.body.items.some((item) => item.id === tokenA.body.id));
    assert.ok(!listA.body.items.some((item) => item.id === tokenB.body.id));
    expectProblem(await a.delete(`/api/v1/api-tokens/${tokenB.body.id}`), 404, 'request.not_found');
    const stillActive = instance.anonymous().withToken(tokenB.body.token);
    assert.equal((await stillActive.get('/api/v1/auth/session')).status, 200);

    // Audit log: no event of B is visible to A, whatever the filter (by B's ids or labels).
    const everythingA = await a.get<Page>('/api/v1/audit-events?limit=500');
    assert.ok(everythingA.body.items.length > 0);
    assert.ok(everythingA.body.items.every((event) => !event.actor.label?.includes('rival')));
    for (const filter of [
      `target=${tokenB.body.id}`,
      `actor=${other.email}`,
      'target=B robot',
      `actor=${tokenB.body.id}`,
    ]) {
      const page = await a.get<Page>(`/api/v1/audit-events?${filter}`);
      assert.deepEqual(page.body.items, [], filter);
    }
    const csvA = await a.get('/api/v1/audit-events.csv');
    assert.ok(!csvA.text.includes('B robot') && !csvA.text.includes(other.email));

    // A token of B works only on B.
    const session = await stillActive.get<{ organization: { id: string } }>('/api/v1/auth/session');
    assert.equal(session.body.organization.id, other.organizationId);
    const renamed = await stillActive.patch<{ name: string }>('/api/v1/organization', { name: 'Rival Corp 2' });
    assert.equal(renamed.body.name, 'Rival Corp 2');
    assert.equal((await a.get<{ name: string }>('/api/v1/organization')).body.name, 'Example Org');

    // A session cookie of A's admin never reaches B's data: it is bound to A's organization.
    const rows = await instance.app.ctx.db.selectFrom('sessions').select(['organization_id']).distinct().execute();
    assert.ok(rows.length >= 2);
  });
});
