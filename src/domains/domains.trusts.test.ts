import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '../../test/support/client.ts';
import { expectProblem } from '../../test/support/client.ts';
import { startDnsServer, type TestDnsServer } from '../../test/support/dns-server.ts';
import { createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { resolveDomainStandings } from './identity.ts';

interface Domain {
  id: string;
  name: string;
  status: 'pending' | 'claimed';
  record: { name: string; value: string };
}
interface Trust {
  organizationId: string;
  organizationName: string;
}
interface TrustedDirectory {
  id: string;
  name: string;
  identityType: string;
  owner: { id: string; name: string };
  domains: string[];
}

describe('claims between organizations, and directory trust', () => {
  let instance: TestInstance;
  let dns: TestDnsServer;
  let owner: Client;
  let other: { organizationId: string; email: string };
  let rival: Client;
  before(async () => {
    dns = await startDnsServer();
    instance = await startTestInstance({ USHER_DNS_SERVERS: dns.address });
    owner = await instance.signIn();
    other = await createOrganization(instance, 'Rival Corp');
    rival = await instance.signIn(other.email);
  });
  after(async () => {
    await instance.close();
    await dns.close();
  });

  async function claim(client: Client, name: string, identityType = 'enterprise') {
    const dir = await client.post<{ id: string }>('/api/v1/directories', { name: `${name} directory`, identityType });
    const domain = await client.post<Domain>('/api/v1/domains', { name, directoryId: dir.body.id });
    assert.equal(domain.status, 201, domain.text);
    dns.setTxt(domain.body.record.name, [domain.body.record.value]);
    const verified = await client.post<Domain>(`/api/v1/domains/${domain.body.id}/verify`);
    assert.equal(verified.body.status, 'claimed', verified.text);
    return { directoryId: dir.body.id, domain: verified.body };
  }

  test('a name is claimed by one organization; the other gets a 409 until it is released', async () => {
    const mine = await claim(owner, 'contested.example');
    const dir = await rival.post<{ id: string }>('/api/v1/directories', {
      name: 'Rival staff',
      identityType: 'federated',
    });
    const theirs = await rival.post<Domain>('/api/v1/domains', { name: 'contested.example', directoryId: dir.body.id });
    assert.equal(theirs.status, 201, 'adding a name reveals nothing; claiming it is what counts');
    assert.notEqual(theirs.body.record.value, mine.domain.record.value);
    dns.setTxt(theirs.body.record.name, [mine.domain.record.value, theirs.body.record.value]);
    expectProblem(await rival.post(`/api/v1/domains/${theirs.body.id}/verify`), 409, 'domains.claimed_elsewhere');
    const standings = await resolveDomainStandings(instance.app.ctx.db, other.organizationId, ['contested.example']);
    assert.equal(standings.get('contested.example')?.ownership, 'none');

    assert.equal((await owner.delete(`/api/v1/domains/${mine.domain.id}`)).status, 204);
    const claimed = await rival.post<Domain>(`/api/v1/domains/${theirs.body.id}/verify`);
    assert.equal(claimed.body.status, 'claimed', claimed.text);
    const now = await resolveDomainStandings(instance.app.ctx.db, other.organizationId, ['contested.example']);
    assert.deepEqual(now.get('contested.example'), {
      identityType: 'federated',
      ownership: 'owned',
      directoryId: dir.body.id,
    });
  });

  test('two organizations verifying the same name at once: exactly one claims it', async () => {
    const attempts = [];
    for (const client of [owner, rival]) {
      const dir = await client.post<{ id: string }>('/api/v1/directories', {
        name: 'Racers',
        identityType: 'enterprise',
      });
      const domain = await client.post<Domain>('/api/v1/domains', { name: 'race.example', directoryId: dir.body.id });
      attempts.push({ client, domain: domain.body });
    }
    dns.setTxt(
      '_usher-challenge.race.example',
      attempts.map((attempt) => attempt.domain.record.value),
    );
    const answers = await Promise.all(
      attempts.map(({ client, domain }) => client.post<{ code?: string }>(`/api/v1/domains/${domain.id}/verify`)),
    );
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 409]);
    assert.equal(answers.find((answer) => answer.status === 409)?.body.code, 'domains.claimed_elsewhere');
    const claimed = await instance.app.ctx.db
      .selectFrom('domains')
      .select('organization_id')
      .where('name', '=', 'race.example')
      .where('status', '=', 'claimed')
      .execute();
    assert.equal(claimed.length, 1);
  });

  test('identity types follow claims and trust: owned, trusted, then none after revoking', async () => {
    const { directoryId } = await claim(owner, 'trusted.example', 'federated');
    const db = instance.app.ctx.db;
    const ownerStanding = await resolveDomainStandings(db, instance.organizationId, [
      'trusted.example',
      'gmail.example',
    ]);
    assert.deepEqual(ownerStanding.get('trusted.example'), {
      identityType: 'federated',
      ownership: 'owned',
      directoryId,
    });
    assert.equal(ownerStanding.get('gmail.example')?.identityType, 'personal');
    assert.equal(
      (await resolveDomainStandings(db, other.organizationId, ['trusted.example'])).get('trusted.example')?.ownership,
      'none',
    );

    const granted = await owner.post<Trust>(`/api/v1/directories/${directoryId}/trusts`, {
      organizationId: other.organizationId,
    });
    assert.equal(granted.status, 201, granted.text);
    assert.deepEqual(granted.body.organizationName, 'Rival Corp');
    expectProblem(
      await owner.post(`/api/v1/directories/${directoryId}/trusts`, { organizationId: other.organizationId }),
      409,
      'domains.already_trusted',
    );
    const trusts = await owner.get<{ items: Trust[] }>(`/api/v1/directories/${directoryId}/trusts`);
    assert.deepEqual(
      trusts.body.items.map((trust) => trust.organizationId),
      [other.organizationId],
    );
    assert.deepEqual(
      (await resolveDomainStandings(db, other.organizationId, ['trusted.example'])).get('trusted.example'),
      { identityType: 'federated', ownership: 'trusted', directoryId },
    );

    const trusted = await rival.get<{ items: TrustedDirectory[] }>('/api/v1/trusted-directories');
    assert.deepEqual(
      trusted.body.items.map((item) => [item.id, item.name, item.identityType, item.owner.name, item.domains]),
      [[directoryId, 'trusted.example directory', 'federated', 'Example Org', ['trusted.example']]],
    );
    assert.deepEqual((await owner.get<{ items: unknown[] }>('/api/v1/trusted-directories')).body.items, []);

    assert.equal((await owner.delete(`/api/v1/directories/${directoryId}/trusts/${other.organizationId}`)).status, 204);
    expectProblem(
      await owner.delete(`/api/v1/directories/${directoryId}/trusts/${other.organizationId}`),
      404,
      'request.not_found',
    );
    assert.equal(
      (await resolveDomainStandings(db, other.organizationId, ['trusted.example'])).get('trusted.example')?.ownership,
      'none',
    );
    assert.deepEqual((await rival.get<{ items: unknown[] }>('/api/v1/trusted-directories')).body.items, []);
    const audit = await owner.get<{ items: { action: string; after: unknown; before: unknown }[] }>(
      `/api/v1/audit-events?target=${directoryId}&action=directory_trust.`,
    );
    assert.deepEqual(
      audit.body.items.map((event) => [event.action, event.before, event.after]),
      [
        ['directory_trust.revoke', { organizationId: other.organizationId }, null],
        ['directory_trust.grant', null, { organizationId: other.organizationId, organizationName: 'Rival Corp' }],
      ],
    );
  });

  test('trust is refused to unknown organizations and to oneself, saying nothing else', async () => {
    const dir = await owner.post<{ id: string }>('/api/v1/directories', { name: 'Lonely', identityType: 'enterprise' });
    const unknown = expectProblem(
      await owner.post(`/api/v1/directories/${dir.body.id}/trusts`, {
        organizationId: '00000000-0000-4000-8000-000000000000',
      }),
      422,
      'domains.organization_not_found',
    );
    assert.deepEqual(
      (unknown.errors as { field: string }[]).map((error) => error.field),
      ['body.organizationId'],
    );
    expectProblem(
      await owner.post(`/api/v1/directories/${dir.body.id}/trusts`, { organizationId: instance.organizationId }),
      422,
      'domains.trust_self',
    );
    expectProblem(
      await owner.post(`/api/v1/directories/${dir.body.id}/trusts`, { organizationId: 'rival' }),
      400,
      'request.validation_failed',
    );
  });

  test("the trustee sees the trusted directory, never the owner's domains or directories", async () => {
    const { directoryId, domain } = await claim(owner, 'private.example');
    await owner.post(`/api/v1/directories/${directoryId}/trusts`, { organizationId: other.organizationId });
    const pending = await owner.post<Domain>('/api/v1/domains', { name: 'pending-secret.example', directoryId });

    const domains = await rival.get<{ items: Domain[] }>('/api/v1/domains?limit=500');
    assert.ok(
      !domains.body.items.some((item) => item.name === 'private.example' || item.name === 'pending-secret.example'),
    );
    const directories = await rival.get<{ items: { id: string }[] }>('/api/v1/directories?limit=500');
    assert.ok(!directories.body.items.some((item) => item.id === directoryId));
    const trusted = await rival.get<{ items: TrustedDirectory[] }>('/api/v1/trusted-directories');
    const entry = trusted.body.items.find((item) => item.id === directoryId);
    assert.deepEqual(entry?.domains, ['private.example'], 'only claimed domains are shown to the trustee');

    for (const id of [domain.id, pending.body.id]) {
      expectProblem(await rival.get(`/api/v1/domains/${id}`), 404, 'request.not_found');
      expectProblem(await rival.post(`/api/v1/domains/${id}/verify`), 404, 'request.not_found');
      expectProblem(await rival.patch(`/api/v1/domains/${id}`, { directoryId: null }), 404, 'request.not_found');
      expectProblem(await rival.delete(`/api/v1/domains/${id}`), 404, 'request.not_found');
    }
    expectProblem(await rival.get(`/api/v1/directories/${directoryId}`), 404, 'request.not_found');
    expectProblem(await rival.get(`/api/v1/directories/${directoryId}/trusts`), 404, 'request.not_found');
    expectProblem(
      await rival.patch(`/api/v1/directories/${directoryId}`, { name: 'Mine now' }),
      404,
      'request.not_found',
    );
    expectProblem(await rival.delete(`/api/v1/directories/${directoryId}`), 404, 'request.not_found');
    expectProblem(
      await rival.delete(`/api/v1/directories/${directoryId}/trusts/${other.organizationId}`),
      404,
      'request.not_found',
    );
    const rivalDir = await rival.post<{ id: string }>('/api/v1/directories', {
      name: 'Rival own',
      identityType: 'enterprise',
    });
    expectProblem(
      await owner.post('/api/v1/domains', { name: 'cross.example', directoryId: rivalDir.body.id }),
      422,
      'domains.directory_not_found',
    );
    expectProblem(
      await owner.patch(`/api/v1/domains/${pending.body.id}`, { directoryId: rivalDir.body.id }),
      422,
      'domains.directory_not_found',
    );
    assert.equal((await owner.get<Domain>(`/api/v1/domains/${domain.id}`)).body.status, 'claimed');
    const dirAfter = await owner.get<{ name: string }>(`/api/v1/directories/${directoryId}`);
    assert.equal(dirAfter.body.name, 'private.example directory');
  });
});
