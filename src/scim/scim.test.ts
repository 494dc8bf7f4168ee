import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectProblem } from '../../test/support/client.ts';
import { ADMIN_PASSWORD, createCatalog, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { expectScimError, type ScimClient, scimClient, scimUser } from '../../test/support/scim.ts';

type Json = Record<string, unknown>;
interface ListResponse {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: Json[];
}

describe('SCIM 2.0 server', () => {
  let instance: TestInstance;
  let scim: ScimClient;
  let tokenId: string;
  let token: string;

  before(async () => {
    instance = await startTestInstance();
    ({ scim, tokenId, token } = await scimClient(instance));
  });
  after(() => instance.close());

  test('requests without a valid token get 401 with the SCIM error schema; SCIM tokens work only under /scim/v2', async () => {
    const anonymous = await instance.anonymous().get('/scim/v2/Users');
    expectScimError(anonymous, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /Bearer/);
    expectScimError(await instance.anonymous().withToken('usher_nope').get('/scim/v2/ServiceProviderConfig'), 401);
    expectProblem(await instance.anonymous().withToken(token).get('/api/v1/users'), 401, 'auth.invalid_token');
    const admin = await instance.signIn();
    const support = await admin.post<{ token: string }>('/api/v1/api-tokens', {
      name: 'Support',
      role: 'support-admin',
    });
    expectScimError(await instance.anonymous().withToken(support.body.token).get('/scim/v2/Users'), 403);
    const system = await admin.post<{ token: string }>('/api/v1/api-tokens', {
      name: 'Sync',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    assert.equal((await instance.anonymous().withToken(system.body.token).get('/scim/v2/Users')).status, 200);
    expectScimError(await scim.get('/Nothing'), 404);
  });

  test('discovery is truthful: ServiceProviderConfig, ResourceTypes and Schemas (each by id)', async () => {
    const config = await scim.get<Json>('/ServiceProviderConfig');
    assert.equal(config.status, 200);
    assert.match(config.headers.get('content-type') ?? '', /application\/scim\+json/);
    assert.deepEqual(config.body.patch, { supported: true });
    assert.deepEqual(config.body.etag, { supported: true });
    assert.deepEqual(config.body.sort, { supported: true });
    assert.deepEqual(config.body.filter, { supported: true, maxResults: 1000 });
    assert.deepEqual(config.body.changePassword, { supported: false });
    assert.equal((config.body.bulk as Json).supported, true);
    const types = await scim.get<ListResponse>('/ResourceTypes');
    assert.deepEqual(types.body.Resources.map((type) => type.id).sort(), ['Group', 'User']);
    assert.equal((await scim.get<Json>('/ResourceTypes/User')).body.endpoint, '/Users');
    const schemas = await scim.get<ListResponse>('/Schemas');
    assert.equal(schemas.body.totalResults, 3);
    const user = await scim.get<{ attributes: { name: string }[] }>(
      '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User',
    );
    assert.ok(user.body.attributes.some((attribute) => attribute.name === 'userName'));
    expectScimError(await scim.get('/Schemas/urn:nothing'), 404);
  });

  test('users: create with Location and meta, get, 409 uniqueness, PUT replace, DELETE', async () => {
    const created = await scim.post<Json>(
      '/Users',
      scimUser('grace@example.com', { externalId: 'ext-1', addresses: [{ type: 'work', country: 'fi' }] }),
    );
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    const meta = created.body.meta as Json;
    assert.equal(created.headers.get('location'), meta.location);
    assert.match(String(meta.location), new RegExp(`/scim/v2/Users/${id}$`));
    assert.equal(created.headers.get('etag'), meta.version);
    assert.equal(meta.resourceType, 'User');
    assert.equal(created.body.externalId, 'ext-1');
    assert.deepEqual(created.body.addresses, [{ country: 'FI', type: 'work', primary: true }]);
    assert.deepEqual(created.body.name, { formatted: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace' });
    const row = await instance.app.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [row.email, row.first_name, row.country, row.status],
      ['grace@example.com', 'Ada', 'FI', 'active'],
    );

    expectScimError(await scim.post('/Users', scimUser('GRACE@example.com')), 409, 'uniqueness');

    const replaced = await scim.put<Json>(
      `/Users/${id}`,
      scimUser('grace@example.com', {
        name: { givenName: 'Grace', familyName: 'Hopper' },
        displayName: 'Amazing Grace',
      }),
    );
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.body.externalId, undefined, 'PUT clears what it leaves out');
    assert.equal(replaced.body.addresses, undefined);
    assert.equal(replaced.body.displayName, 'Amazing Grace');
    assert.notEqual((replaced.body.meta as Json).version, meta.version);

    const admin = await instance.signIn();
    const seen = await admin.get<{ firstName: string; lastName: string; alias: string }>(`/api/v1/users/${id}`);
    assert.deepEqual([seen.body.firstName, seen.body.lastName, seen.body.alias], ['Grace', 'Hopper', 'Amazing Grace']);
    const audit = await admin.get<{ items: { action: string; actor: { type: string; id: string } }[] }>(
      `/api/v1/audit-events?target=${id}`,
    );
    assert.ok(audit.body.items.length >= 2);
    assert.ok(audit.body.items.every((event) => event.actor.type === 'api_token' && event.actor.id === tokenId));

    assert.equal((await scim.delete(`/Users/${id}`)).status, 204);
    expectScimError(await scim.get(`/Users/${id}`), 404);
    expectScimError(await scim.get('/Users/not-a-uuid'), 404);
  });

  test('active=false removes the user the Usher way (still visible), active=true restores', async () => {
    const catalog = await createCatalog(instance, instance.organizationId, 'Soft');
    const admin = await instance.signIn();
    const created = await scim.post<Json>('/Users', scimUser('soft@example.com'));
    const id = String(created.body.id);
    await admin.post(`/api/v1/groups/${catalog.groupId}/profiles`, { profileIds: [catalog.profileId] });
    const joined = await scim.patch<Json>(`/Groups/${catalog.groupId}`, [
      { op: 'add', path: 'members', value: [{ value: id }] },
    ]);
    assert.equal(joined.status, 200, joined.text);
    let user = await admin.get<{ products: string[]; status: string }>(`/api/v1/users/${id}`);
    assert.deepEqual(user.body.products ?? [], ['Soft Product'], 'the group profile reached the SCIM member');

    const off = await scim.patch<Json>(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.active, false);
    user = await admin.get(`/api/v1/users/${id}`);
    assert.equal(user.body.status, 'removed');
    const filtered = await scim.get<ListResponse>(
      `/Users?filter=${encodeURIComponent('active eq false and userName eq "soft@example.com"')}`,
    );
    assert.equal(filtered.body.totalResults, 1);
    const on = await scim.patch<Json>(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
    assert.equal(on.body.active, true);
    user = await admin.get(`/api/v1/users/${id}`);
    assert.equal(user.body.status, 'active');
  });

  test('filters: the full grammar, case-insensitive names, caseExact externalId, empty results, invalidFilter', async () => {
    for (const [name, given, family, ext] of [
      ['f.alpha@filter.example', 'Alpha', 'Zed', 'A-1'],
      ['f.beta@filter.example', 'Beta', 'Young', 'b-2'],
      ['f.gamma@other.example', 'Gamma', 'Xu', 'C-3'],
    ] as const) {
      const response = await scim.post(
        '/Users',
        scimUser(name, { name: { givenName: given, familyName: family }, externalId: ext }),
      );
      assert.equal(response.status, 201, response.text);
      if (given === 'Alpha') {
        const path = 'addresses[type eq "work"].country';
        const id = (response.body as { id: string }).id;
        assert.equal((await scim.patch(`/Users/${id}`, [{ op: 'add', path, value: 'PL' }])).status, 200);
      }
    }
    const count = async (filter: string) => {
      const response = await scim.get<ListResponse>(`/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(response.status, 200, `${filter}: ${response.text}`);
      return response.body.totalResults;
    };
    assert.equal(await count('userName eq "F.ALPHA@filter.example"'), 1);
    assert.equal(await count('USERNAME Eq "f.alpha@filter.example"'), 1);
    assert.equal(await count('userName sw "f." and userName ew "filter.example"'), 2);
    assert.equal(await count('userName co "gamma"'), 1);
    assert.equal(await count('externalId eq "B-2"'), 0, 'externalId is caseExact');
    assert.equal(await count('externalId eq "b-2"'), 1);
    assert.equal(await count('name.familyName gt "Y" and userName co "@filter"'), 2);
    assert.equal(
      await count('(name.givenName eq "Alpha" or name.givenName eq "Gamma") and not (externalId eq "C-3")'),
      1,
    );
    assert.equal(await count('emails[type eq "work" and value co "@other.example"]'), 1);
    assert.equal(await count('emails[type eq "work"].value eq "f.beta@filter.example"'), 1);
    assert.equal(await count('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "f.beta@filter.example"'), 1);
    assert.equal(await count('externalId pr and userName co "filter.example"'), 2);
    assert.equal(await count('meta.created gt "2000-01-01T00:00:00Z" and userName co "filter.example"'), 2);
    assert.equal(await count('userName eq "nobody@nowhere.example"'), 0);
    // An address (its type and primary) exists only where a country is set.
    assert.equal(await count('addresses[type eq "WORK" and country eq "PL"] and userName co "@filter"'), 1);
    assert.equal(await count('addresses.primary eq true and userName co "filter.example"'), 1);
    assert.equal(await count('addresses.type ne "work" and userName co "filter.example"'), 1);
    assert.equal(await count('addresses.type pr and userName co "filter.example"'), 1);
    assert.equal(await count('emails.type eq "WORK" and userName co "filter.example"'), 0, 'a constant is caseExact');
    expectScimError(await scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter');
    expectScimError(await scim.get(`/Users?filter=${encodeURIComponent('userName xx "a"')}`), 400, 'invalidFilter');
    expectScimError(await scim.get(`/Users?filter=${encodeURIComponent('nickName eq "a"')}`), 400, 'invalidFilter');
    expectScimError(await scim.get(`/Users?filter=${encodeURIComponent('active gt true')}`), 400, 'invalidFilter');
  });

  test('paging is stable with startIndex/count, sortBy/sortOrder, attributes and excludedAttributes, POST /.search', async () => {
    for (let index = 0; index < 5; index += 1) {
      await scim.post(
        '/Users',
        scimUser(`page${index}@paging.example`, { name: { givenName: 'P', familyName: `F${4 - index}` } }),
      );
    }
    const filter = encodeURIComponent('userName co "@paging.example"');
    const first = await scim.get<ListResponse>(`/Users?filter=${filter}&startIndex=1&count=2&sortBy=name.familyName`);
    const second = await scim.get<ListResponse>(`/Users?filter=${filter}&startIndex=3&count=2&sortBy=name.familyName`);
    assert.deepEqual([first.body.totalResults, first.body.itemsPerPage, second.body.startIndex], [5, 2, 3]);
    assert.deepEqual(
      [...first.body.Resources, ...second.body.Resources].map((user) => (user.name as Json).familyName),
      ['F0', 'F1', 'F2', 'F3'],
    );
    const descending = await scim.get<ListResponse>(
      `/Users?filter=${filter}&sortBy=userName&sortOrder=descending&count=1`,
    );
    assert.equal(descending.body.Resources[0]?.userName, 'page4@paging.example');
    const projected = await scim.get<ListResponse>(
      `/Users?filter=${filter}&attributes=userName,name.givenName&count=1`,
    );
    assert.deepEqual(Object.keys(projected.body.Resources[0] ?? {}).sort(), ['id', 'name', 'schemas', 'userName']);
    assert.deepEqual(projected.body.Resources[0]?.name, { givenName: 'P' });
    const excluded = await scim.get<ListResponse>(`/Users?filter=${filter}&excludedAttributes=emails,groups&count=1`);
    assert.equal(excluded.body.Resources[0]?.emails, undefined);
    assert.ok(excluded.body.Resources[0]?.meta);
    const zero = await scim.get<ListResponse>(`/Users?filter=${filter}&count=0`);
    assert.deepEqual([zero.body.totalResults, zero.body.Resources.length], [5, 0]);
    const searched = await scim.post<ListResponse>('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName co "@paging.example"',
      attributes: ['userName'],
      startIndex: 5,
      count: 10,
    });
    assert.equal(searched.status, 200, searched.text);
    assert.deepEqual([searched.body.totalResults, searched.body.itemsPerPage], [5, 1]);
    expectScimError(await scim.get('/Users?sortBy=nickName'), 400, 'invalidValue');
  });

  test('ETags: If-None-Match answers 304, If-Match mismatch answers 412 and changes nothing', async () => {
    const created = await scim.post<Json>('/Users', scimUser('etag@example.com'));
    const id = String(created.body.id);
    const etag = String(created.headers.get('etag'));
    const notModified = await scim.get(`/Users/${id}`, { 'if-none-match': etag });
    assert.equal(notModified.status, 304);
    const stale = await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'displayName', value: 'x' }], {
      'if-match': 'W/"999"',
    });
    expectScimError(stale, 412);
    const fresh = await scim.patch<Json>(`/Users/${id}`, [{ op: 'replace', path: 'displayName', value: 'x' }], {
      'if-match': etag,
    });
    assert.equal(fresh.status, 200, fresh.text);
    assert.notEqual(fresh.headers.get('etag'), etag);
    assert.equal((await scim.get(`/Users/${id}`, { 'if-none-match': etag })).status, 200);
    // A change made in the console moves the ETag too.
    const admin = await instance.signIn();
    await admin.patch(`/api/v1/users/${id}`, { lastName: 'Console' });
    const after = await scim.get<Json>(`/Users/${id}`);
    assert.notEqual(after.headers.get('etag'), fresh.headers.get('etag'));
    expectScimError(await scim.delete(`/Users/${id}`, { 'if-match': etag }), 412);
  });

  test('PATCH is atomic and reports noTarget, mutability, invalidPath, invalidValue, invalidSyntax', async () => {
    const created = await scim.post<Json>('/Users', scimUser('patch@example.com'));
    const id = String(created.body.id);
    const failed = await scim.patch(`/Users/${id}`, [
      { op: 'replace', path: 'name.givenName', value: 'Changed' },
      { op: 'remove', path: 'emails[type eq "home"]' },
    ]);
    expectScimError(failed, 400, 'noTarget');
    assert.equal(((await scim.get<Json>(`/Users/${id}`)).body.name as Json).givenName, 'Ada', 'nothing changed');
    expectScimError(await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'id', value: 'x' }]), 400, 'mutability');
    expectScimError(
      await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'groups', value: [] }]),
      400,
      'mutability',
    );
    expectScimError(await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'bogus', value: 1 }]), 400, 'invalidPath');
    expectScimError(
      await scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'active', value: 'maybe' }]),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim.patch(`/Users/${id}`, [{ op: 'move', path: 'active', value: true }]),
      400,
      'invalidSyntax',
    );
    expectScimError(await scim.patch(`/Users/${id}`, [{ op: 'remove' }]), 400, 'noTarget');
    expectScimError(
      await scim.patch(`/Users/${id}`, [{ op: 'add', path: 'addresses[type eq "work"].country', value: 'Atlantis' }]),
      400,
      'invalidValue',
    );
    const bad = await scim.request('POST', '/Users', undefined, { 'content-type': 'application/scim+json' });
    assert.equal(bad.status, 400);
    const malformed = await scim.client.request('POST', '/scim/v2/Users', {
      raw: '{"userName":',
      headers: { 'content-type': 'application/scim+json' },
    });
    expectScimError(malformed, 400, 'invalidSyntax');
    const json = await scim.client.request<Json>('POST', '/scim/v2/Users', { body: scimUser('plainjson@example.com') });
    assert.equal(json.status, 201, 'application/json is accepted');
    assert.match(json.headers.get('content-type') ?? '', /application\/scim\+json/);
  });

  test('a SCIM token is listed in Settings → SCIM with the base URL, and revoking it answers 401', async () => {
    const admin = await instance.signIn();
    const settings = await admin.get<{ baseUrl: string; tokens: { id: string }[] }>('/api/v1/scim');
    assert.match(settings.body.baseUrl, /\/scim\/v2$/);
    assert.ok(settings.body.tokens.some((entry) => entry.id === tokenId));
    const apiTokens = await admin.get<{ items: { id: string }[] }>('/api/v1/api-tokens');
    assert.ok(!apiTokens.body.items.some((entry) => entry.id === tokenId), 'SCIM tokens are not API tokens');
    const other = await admin.post<{ id: string; token: string }>('/api/v1/scim/tokens', {
      name: 'Okta',
      password: ADMIN_PASSWORD,
    });
    assert.equal((await instance.anonymous().withToken(other.body.token).get('/scim/v2/Users?count=1')).status, 200);
    assert.equal((await admin.delete(`/api/v1/scim/tokens/${other.body.id}`)).status, 204);
    expectScimError(await instance.anonymous().withToken(other.body.token).get('/scim/v2/Users'), 401);
  });
});
