import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCatalog, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { expectScimError, ScimClient, scimClient, scimUser } from '../../test/support/scim.ts';

type Json = Record<string, unknown>;
interface ListResponse {
  totalResults: number;
  Resources: Json[];
}

describe('SCIM groups and bulk', () => {
  let instance: TestInstance;
  let scim: ScimClient;

  before(async () => {
    instance = await startTestInstance();
    ({ scim } = await scimClient(instance));
  });
  after(() => instance.close());

  async function users(prefix: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const created = await scim.post<Json>('/Users', scimUser(`${prefix}${index}@groups.example`));
      assert.equal(created.status, 201, created.text);
      ids.push(String(created.body.id));
    }
    return ids;
  }

  const memberIds = (group: Json) => ((group.members as Json[] | undefined) ?? []).map((member) => member.value).sort();

  test('groups: create with members, get, list with excludedAttributes=members, filter, rename, PUT, delete', async () => {
    const [a, b, c] = await users('g', 3);
    const created = await scim.post<Json>('/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engineering',
      externalId: 'grp-1',
      members: [{ value: a }, { value: b }],
    });
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    assert.equal(created.headers.get('location'), (created.body.meta as Json).location);
    assert.deepEqual(memberIds(created.body), [a, b].sort());
    assert.equal((created.body.members as Json[])[0]?.type, 'User');
    expectScimError(await scim.post('/Groups', { displayName: 'engineering' }), 409, 'uniqueness');
    expectScimError(
      await scim.post('/Groups', { displayName: 'Bad', members: [{ value: 'nope' }] }),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim.post('/Groups', { displayName: 'Bad', members: [{ value: '00000000-0000-4000-8000-000000000000' }] }),
      400,
      'invalidValue',
    );

    const listed = await scim.get<ListResponse>(
      `/Groups?filter=${encodeURIComponent('displayName eq "ENGINEERING"')}&excludedAttributes=members`,
    );
    assert.equal(listed.body.totalResults, 1);
    assert.equal(listed.body.Resources[0]?.members, undefined);
    const byMember = await scim.get<ListResponse>(`/Groups?filter=${encodeURIComponent(`members[value eq "${a}"]`)}`);
    assert.deepEqual(
      byMember.body.Resources.map((group) => group.id),
      [id],
    );
    const byExternal = await scim.get<ListResponse>(`/Groups?filter=${encodeURIComponent('externalId eq "grp-1"')}`);
    assert.equal(byExternal.body.totalResults, 1);
    const user = await scim.get<Json>(`/Users/${a}`);
    assert.deepEqual(
      (user.body.groups as Json[]).map((group) => group.display),
      ['Engineering'],
    );

    const renamed = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'replace', path: 'displayName', value: 'Engineering EU' },
    ]);
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.displayName, 'Engineering EU');

    const put = await scim.put<Json>(`/Groups/${id}`, { displayName: 'Engineering EU', members: [{ value: c }] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(memberIds(put.body), [c]);
    const keep = await scim.put<Json>(`/Groups/${id}`, { displayName: 'Engineering', externalId: 'grp-1' });
    assert.deepEqual(memberIds(keep.body), [c], 'a PUT without members leaves them');

    const admin = await instance.signIn();
    const audit = await admin.get<{ items: { action: string; actor: { type: string } }[] }>(
      `/api/v1/audit-events?target=${id}`,
    );
    const actions = audit.body.items.map((event) => event.action);
    for (const action of ['group.create', 'group.members_add', 'group.members_remove', 'group.update']) {
      assert.ok(actions.includes(action), `${action} audited`);
    }
    assert.ok(audit.body.items.every((event) => event.actor.type === 'api_token'));

    assert.equal((await scim.delete(`/Groups/${id}`)).status, 204);
    expectScimError(await scim.get(`/Groups/${id}`), 404);
    assert.equal((await scim.get(`/Users/${c}`)).status, 200, 'members stay in the organization');
  });

  test('group PATCH: add, remove by value array, by members[value eq], replace, remove all; atomic; ETag covers members', async () => {
    const [a, b, c, d] = await users('p', 4);
    const created = await scim.post<Json>('/Groups', { displayName: 'Patchers', members: [{ value: a }] });
    const id = String(created.body.id);
    const etag = String(created.headers.get('etag'));
    let group = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'Add', path: 'members', value: [{ value: b }, { value: c }] },
    ]);
    assert.deepEqual(memberIds(group.body), [a, b, c].sort());
    assert.notEqual(group.headers.get('etag'), etag, 'membership changes move the ETag');
    expectScimError(
      await scim.patch(`/Groups/${id}`, [{ op: 'add', path: 'members', value: [{ value: d }] }], { 'if-match': etag }),
      412,
    );
    group = await scim.patch<Json>(`/Groups/${id}`, [{ op: 'Remove', path: 'members', value: [{ value: a }] }]);
    assert.deepEqual(memberIds(group.body), [b, c].sort());
    group = await scim.patch<Json>(`/Groups/${id}`, [{ op: 'remove', path: `members[value eq "${b}"]` }]);
    assert.deepEqual(memberIds(group.body), [c]);
    group = await scim.patch<Json>(`/Groups/${id}`, [{ op: 'remove', path: `members[value eq "${b}"]` }]);
    assert.equal(group.status, 200, 'removing a non-member changes nothing');
    group = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'replace', path: 'members', value: [{ value: a }, { value: d }] },
    ]);
    assert.deepEqual(memberIds(group.body), [a, d].sort());
    const failed = await scim.patch(`/Groups/${id}`, [
      { op: 'add', path: 'members', value: [{ value: b }] },
      { op: 'replace', path: 'displayName', value: '' },
    ]);
    expectScimError(failed, 400, 'invalidValue');
    assert.deepEqual(memberIds((await scim.get<Json>(`/Groups/${id}`)).body), [a, d].sort(), 'all operations or none');
    group = await scim.patch<Json>(`/Groups/${id}`, [{ op: 'replace', value: { members: [{ value: c }] } }]);
    assert.deepEqual(memberIds(group.body), [c]);
    group = await scim.patch<Json>(`/Groups/${id}`, [{ op: 'remove', path: 'members' }]);
    assert.deepEqual(memberIds(group.body), []);
    expectScimError(
      await scim.patch(`/Groups/${id}`, [{ op: 'add', path: 'members', value: [{ value: id, type: 'Group' }] }]),
      400,
      'invalidValue',
    );
    expectScimError(
      await scim.patch(`/Groups/${id}`, [{ op: 'replace', path: 'meta.created', value: 'x' }]),
      400,
      'mutability',
    );
  });

  test('a group admin token reaches only its groups; it cannot create users or groups', async () => {
    const catalog = await createCatalog(instance, instance.organizationId, 'Scoped');
    const admin = await instance.signIn();
    const token = await admin.post<{ token: string }>('/api/v1/api-tokens', {
      name: 'Group robot',
      role: 'group-admin',
      scope: [catalog.groupId],
    });
    const robot = new ScimClient(instance.baseUrl, token.body.token);
    const [a] = await users('robot', 1);
    const listed = await robot.get<ListResponse>('/Groups');
    assert.deepEqual(
      listed.body.Resources.map((group) => group.id),
      [catalog.groupId],
    );
    const added = await robot.patch<Json>(`/Groups/${catalog.groupId}`, [
      { op: 'add', path: 'members', value: [{ value: a }] },
    ]);
    assert.equal(added.status, 200, added.text);
    expectScimError(await robot.post('/Users', scimUser('robot-new@groups.example')), 403);
    expectScimError(await robot.post('/Groups', { displayName: 'Robots' }), 403);
    const other = await scim.post<Json>('/Groups', { displayName: 'Not the robot’s' });
    expectScimError(await robot.get(`/Groups/${other.body.id}`), 403);
  });

  test('Bulk: bulkId references (a group of users created in the same request), failOnErrors, limits', async () => {
    const response = await scim.post<{ Operations: Json[] }>('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'team',
          data: { displayName: 'Bulk team', members: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'u1', data: scimUser('bulk1@groups.example') },
        { method: 'POST', path: '/Users', bulkId: 'u2', data: scimUser('bulk2@groups.example') },
        {
          method: 'PATCH',
          path: '/Users/bulkId:u1',
          data: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', path: 'displayName', value: 'One' }],
          },
        },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: scimUser('bulk1@groups.example') },
      ],
    });
    assert.equal(response.status, 200, response.text);
    const [group, u1, u2, patched, dup] = response.body.Operations;
    assert.deepEqual(
      [group?.status, u1?.status, u2?.status, patched?.status, dup?.status],
      ['201', '201', '201', '200', '409'],
    );
    assert.equal((dup?.response as Json | undefined)?.scimType, 'uniqueness');
    const created = await scim.get<Json>(new URL(String(group?.location)).pathname.replace('/scim/v2', ''));
    assert.deepEqual(((created.body.members as Json[]) ?? []).map((member) => member.display).sort(), [
      'bulk1@groups.example',
      'bulk2@groups.example',
    ]);
    assert.equal(
      (await scim.get<Json>(new URL(String(u1?.location)).pathname.replace('/scim/v2', ''))).body.displayName,
      'One',
    );

    const stopped = await scim.post<{ Operations: Json[] }>('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'x1', data: scimUser('bulk1@groups.example') },
        { method: 'POST', path: '/Users', bulkId: 'x2', data: scimUser('never@groups.example') },
      ],
    });
    assert.deepEqual(
      stopped.body.Operations.map((operation) => operation.status),
      ['409'],
    );
    const never = await scim.get<ListResponse>(
      `/Users?filter=${encodeURIComponent('userName eq "never@groups.example"')}`,
    );
    assert.equal(never.body.totalResults, 0);

    const circular = await scim.post<{ Operations: Json[] }>('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g1',
          data: { displayName: 'Circle', members: [{ value: 'bulkId:g2' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g2',
          data: { displayName: 'Circle 2', members: [{ value: 'bulkId:g1' }] },
        },
      ],
    });
    assert.deepEqual(
      circular.body.Operations.map((operation) => operation.status),
      ['409', '409'],
    );

    const tooMany = await scim.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: 1001 }, (_, index) => ({ method: 'DELETE', path: `/Users/${index}` })),
    });
    expectScimError(tooMany, 413, 'tooLarge');
  });
});

describe('SCIM payload limit', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({ USHER_BODY_LIMIT_BYTES: '2000' });
  });
  after(() => instance.close());

  test('a body above maxPayloadSize answers 413 tooLarge, and the limit is advertised', async () => {
    const { scim } = await scimClient(instance);
    const config = await scim.get<{ bulk: { maxPayloadSize: number } }>('/ServiceProviderConfig');
    assert.equal(config.body.bulk.maxPayloadSize, 2000);
    const big = await scim.post('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: Array.from({ length: 30 }, (_, index) => ({
        method: 'POST',
        path: '/Users',
        bulkId: `b${index}`,
        data: scimUser(`big${index}@example.com`),
      })),
    });
    expectScimError(big, 413, 'tooLarge');
  });
});
