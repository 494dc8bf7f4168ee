import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '../../test/support/client.ts';
import { expectProblem } from '../../test/support/client.ts';
import { startDnsServer, type TestDnsServer } from '../../test/support/dns-server.ts';
import {
  createAdmin,
  createCatalog,
  createOrganization,
  startTestInstance,
  type TestInstance,
} from '../../test/support/instance.ts';

interface Directory {
  id: string;
  name: string;
  identityType: 'enterprise' | 'federated';
}
interface Domain {
  id: string;
  name: string;
  status: 'pending' | 'claimed';
  directory: { id: string; name: string; identityType: string } | null;
  record: { type: 'TXT'; name: string; value: string };
  claimedAt: string | null;
  lastCheckedAt: string | null;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('domains and directories', () => {
  let instance: TestInstance;
  let dns: TestDnsServer;
  let admin: Client;
  before(async () => {
    dns = await startDnsServer();
    instance = await startTestInstance({ USHER_DNS_SERVERS: dns.address });
    admin = await instance.signIn();
  });
  after(async () => {
    await instance.close();
    await dns.close();
  });

  async function directory(client: Client, name: string, identityType = 'enterprise') {
    const created = await client.post<Directory>('/api/v1/directories', { name, identityType });
    assert.equal(created.status, 201, created.text);
    return created.body;
  }

  test('add → verify fails without the record → publish it → verify claims the domain', async () => {
    const dir = await directory(admin, 'Staff');
    const added = await admin.post<Domain>('/api/v1/domains', { name: ' Acme.EXAMPLE. ', directoryId: dir.id });
    assert.equal(added.status, 201, added.text);
    const domain = added.body;
    assert.equal(domain.name, 'acme.example');
    assert.equal(domain.status, 'pending');
    assert.deepEqual(domain.directory, { id: dir.id, name: 'Staff', identityType: 'enterprise' });
    assert.equal(domain.record.type, 'TXT');
    assert.equal(domain.record.name, '_usher-challenge.acme.example');
    assert.match(domain.record.value, /^usher-verification=[0-9a-f]{32}$/);
    assert.equal(domain.lastCheckedAt, null);

    const missing = expectProblem(
      await admin.post(`/api/v1/domains/${domain.id}/verify`),
      422,
      'domains.record_not_found',
    );
    assert.ok(
      String(missing.detail).includes(domain.record.name) && String(missing.detail).includes(domain.record.value),
    );
    assert.deepEqual(missing.record, domain.record);
    const checked = await admin.get<Domain>(`/api/v1/domains/${domain.id}`);
    assert.equal(checked.body.status, 'pending');
    assert.ok(checked.body.lastCheckedAt, 'a failed check is recorded too');

    // A wrong value is not enough, and the answer shows what DNS serves.
    dns.setTxt(domain.record.name, ['usher-verification=somebody-elses-token']);
    const wrong = expectProblem(
      await admin.post(`/api/v1/domains/${domain.id}/verify`),
      422,
      'domains.record_not_found',
    );
    assert.match(String(wrong.detail), /somebody-elses-token/);

    dns.setTxt(domain.record.name, ['v=spf1 -all', domain.record.value]);
    const verified = await admin.post<Domain>(`/api/v1/domains/${domain.id}/verify`);
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.status, 'claimed');
    assert.ok(verified.body.claimedAt);
    // Verifying a claimed domain again changes nothing.
    const again = await admin.post<Domain>(`/api/v1/domains/${domain.id}/verify`);
    assert.deepEqual(again.body, verified.body);

    const audit = await admin.get<Page<{ action: string; after: Record<string, unknown> | null }>>(
      `/api/v1/audit-events?target=${domain.id}`,
    );
    assert.deepEqual(
      audit.body.items.map((event) => event.action),
      ['domain.verify', 'domain.verify_failed', 'domain.verify_failed', 'domain.add'],
    );
    assert.equal(audit.body.items[1]?.after?.reason, 'domains.record_not_found');

    const list = await admin.get<Page<Domain>>('/api/v1/domains?status=claimed');
    assert.deepEqual(
      list.body.items.map((item) => [item.name, item.status, item.directory?.name, item.record.name]),
      [['acme.example', 'claimed', 'Staff', '_usher-challenge.acme.example']],
    );
  });

  test('a domain needs a directory to be claimed; a claimed domain keeps one', async () => {
    const added = await admin.post<Domain>('/api/v1/domains', { name: 'nodir.example' });
    assert.equal(added.status, 201);
    assert.equal(added.body.directory, null);
    dns.setTxt(added.body.record.name, [added.body.record.value]);
    const problem = expectProblem(
      await admin.post(`/api/v1/domains/${added.body.id}/verify`),
      422,
      'domains.directory_required',
    );
    assert.deepEqual(
      (problem.errors as { field: string }[]).map((error) => error.field),
      ['directoryId'],
    );
    const dir = await directory(admin, 'Contractors', 'federated');
    const moved = await admin.patch<Domain>(`/api/v1/domains/${added.body.id}`, { directoryId: dir.id });
    assert.equal(moved.body.directory?.identityType, 'federated');
    assert.equal((await admin.post<Domain>(`/api/v1/domains/${added.body.id}/verify`)).body.status, 'claimed');
    expectProblem(
      await admin.patch(`/api/v1/domains/${added.body.id}`, { directoryId: null }),
      422,
      'domains.directory_required',
    );
    // The directory of a claimed domain cannot change type or be deleted.
    expectProblem(
      await admin.patch(`/api/v1/directories/${dir.id}`, { identityType: 'enterprise' }),
      422,
      'domains.identity_type_locked',
    );
    const renamed = await admin.patch<Directory>(`/api/v1/directories/${dir.id}`, { name: 'External staff' });
    assert.equal(renamed.body.name, 'External staff');
    expectProblem(await admin.delete(`/api/v1/directories/${dir.id}`), 409, 'domains.directory_has_claimed_domains');
    assert.equal((await admin.delete(`/api/v1/domains/${added.body.id}`)).status, 204);
    assert.equal((await admin.delete(`/api/v1/directories/${dir.id}`)).status, 204);
    expectProblem(await admin.get(`/api/v1/directories/${dir.id}`), 404, 'request.not_found');
    const audit = await admin.get<Page<{ action: string }>>(`/api/v1/audit-events?target=${dir.id}`);
    assert.deepEqual(
      audit.body.items.map((event) => event.action),
      ['directory.delete', 'directory.update', 'directory.create'],
    );
  });

  test('bad input: domain names, duplicates, unknown ids', async () => {
    for (const name of [
      'localhost',
      'exa mple.com',
      '-bad.example',
      'bad-.example',
      'a..example',
      'under_score.example',
      `${'x'.repeat(64)}.example`,
      '10.0.0.1',
      'http://example.com',
      '',
      'example.com/path',
    ]) {
      const problem = expectProblem(await admin.post('/api/v1/domains', { name }), 400, 'request.validation_failed');
      assert.deepEqual(
        (problem.errors as { field: string }[]).map((error) => error.field),
        ['body.name'],
        name,
      );
    }
    const international = await admin.post<Domain>('/api/v1/domains', { name: 'Bücher.example' });
    assert.equal(international.body.name, 'xn--bcher-kva.example');
    expectProblem(await admin.post('/api/v1/domains', { name: 'BÜCHER.example' }), 409, 'domains.name_taken');
    expectProblem(
      await admin.post('/api/v1/domains', {
        name: 'orphan.example',
        directoryId: '00000000-0000-4000-8000-000000000000',
      }),
      422,
      'domains.directory_not_found',
    );
    expectProblem(
      await admin.post('/api/v1/domains', { name: 'x.example', extra: 1 }),
      400,
      'request.validation_failed',
    );
    const unknown = '00000000-0000-4000-8000-000000000001';
    expectProblem(await admin.get(`/api/v1/domains/${unknown}`), 404, 'request.not_found');
    expectProblem(await admin.post(`/api/v1/domains/${unknown}/verify`), 404, 'request.not_found');
    expectProblem(await admin.patch(`/api/v1/domains/${unknown}`, { directoryId: null }), 404, 'request.not_found');
    expectProblem(await admin.delete(`/api/v1/domains/${unknown}`), 404, 'request.not_found');
    expectProblem(await admin.patch(`/api/v1/directories/${unknown}`, { name: 'X' }), 404, 'request.not_found');
    expectProblem(await admin.delete(`/api/v1/directories/${unknown}`), 404, 'request.not_found');
    expectProblem(await admin.get(`/api/v1/directories/${unknown}/trusts`), 404, 'request.not_found');
    expectProblem(await admin.get('/api/v1/domains/not-a-uuid'), 400, 'request.validation_failed');
    await directory(admin, 'Duplicate me');
    expectProblem(
      await admin.post('/api/v1/directories', { name: 'DUPLICATE ME', identityType: 'enterprise' }),
      409,
      'domains.directory_name_taken',
    );
    expectProblem(
      await admin.post('/api/v1/directories', { name: 'Personal', identityType: 'personal' }),
      400,
      'request.validation_failed',
    );
  });

  test('a DNS failure is a 502 that changes nothing but the check time', async () => {
    const dir = await directory(admin, 'Broken DNS');
    const added = await admin.post<Domain>('/api/v1/domains', { name: 'servfail.example', directoryId: dir.id });
    dns.fail(added.body.record.name);
    expectProblem(await admin.post(`/api/v1/domains/${added.body.id}/verify`), 502, 'domains.dns_lookup_failed');
    const after = await admin.get<Domain>(`/api/v1/domains/${added.body.id}`);
    assert.equal(after.body.status, 'pending');
    assert.ok(after.body.lastCheckedAt);
  });

  test('domains and directories page by name', async () => {
    const client = await instance.signIn((await createOrganization(instance, 'Pager Inc')).email);
    for (const name of [
      'd.pager.example',
      'b.pager.example',
      'e.pager.example',
      'a.pager.example',
      'c.pager.example',
    ]) {
      assert.equal((await client.post('/api/v1/domains', { name })).status, 201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Page<Domain> } = await client.get<Page<Domain>>(
        `/api/v1/domains?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((item) => item.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [
      'a.pager.example',
      'b.pager.example',
      'c.pager.example',
      'd.pager.example',
      'e.pager.example',
    ]);
    expectProblem(await client.get('/api/v1/domains?cursor=nonsense'), 400, 'request.validation_failed');
    for (const name of ['beta', 'Alpha', 'gamma']) {
      await directory(client, name);
    }
    const first = await client.get<Page<Directory>>('/api/v1/directories?limit=2');
    assert.deepEqual(
      first.body.items.map((item) => item.name),
      ['Alpha', 'beta'],
    );
    const second = await client.get<Page<Directory>>(`/api/v1/directories?limit=2&cursor=${first.body.nextCursor}`);
    assert.deepEqual(
      second.body.items.map((item) => item.name),
      ['gamma'],
    );
    assert.equal(second.body.nextCursor, null);
  });

  test('roles: support admins read, only system admins manage, other roles see nothing', async () => {
    const dir = await directory(admin, 'Role check');
    const domain = (await admin.post<Domain>('/api/v1/domains', { name: 'roles.example', directoryId: dir.id })).body;
    const support = await instance.signIn(
      (await createAdmin(instance, instance.organizationId, 'support-admin')).email,
    );
    assert.equal((await support.get('/api/v1/domains')).status, 200);
    assert.equal((await support.get(`/api/v1/domains/${domain.id}`)).status, 200);
    assert.equal((await support.get('/api/v1/directories')).status, 200);
    assert.equal((await support.get(`/api/v1/directories/${dir.id}/trusts`)).status, 200);
    assert.equal((await support.get('/api/v1/trusted-directories')).status, 200);
    for (const [method, path, body] of [
      ['POST', '/api/v1/domains', { name: 'support.example' }],
      ['POST', `/api/v1/domains/${domain.id}/verify`, undefined],
      ['PATCH', `/api/v1/domains/${domain.id}`, { directoryId: null }],
      ['DELETE', `/api/v1/domains/${domain.id}`, undefined],
      ['POST', '/api/v1/directories', { name: 'Support dir', identityType: 'enterprise' }],
      ['PATCH', `/api/v1/directories/${dir.id}`, { name: 'Renamed' }],
      ['DELETE', `/api/v1/directories/${dir.id}`, undefined],
      ['POST', `/api/v1/directories/${dir.id}/trusts`, { organizationId: instance.organizationId }],
      ['DELETE', `/api/v1/directories/${dir.id}/trusts/${instance.organizationId}`, undefined],
    ] as const) {
      expectProblem(await support.request(method, path, body ? { body } : {}), 403, 'auth.forbidden');
    }
    const catalog = await createCatalog(instance, instance.organizationId, 'Domains roles');
    for (const [role, scope] of [
      ['product-admin', { productId: catalog.productId }],
      ['profile-admin', { profileId: catalog.profileId }],
      ['group-admin', { groupId: catalog.groupId }],
      ['deployment-admin', {}],
    ] as const) {
      const client = await instance.signIn((await createAdmin(instance, instance.organizationId, role, scope)).email);
      for (const path of ['/api/v1/domains', '/api/v1/directories', '/api/v1/trusted-directories']) {
        expectProblem(await client.get(path), 403, 'auth.forbidden');
      }
      expectProblem(await client.post('/api/v1/domains', { name: `${role}.example` }), 403, 'auth.forbidden');
    }
    expectProblem(await instance.anonymous().get('/api/v1/domains'), 401, 'auth.required');
    const unchanged = await admin.get<Domain>(`/api/v1/domains/${domain.id}`);
    assert.equal(unchanged.body.directory?.name, 'Role check');
  });
});
