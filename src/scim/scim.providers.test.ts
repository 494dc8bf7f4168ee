import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createCatalog, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { expectScimError, type ScimClient, scimClient } from '../../test/support/scim.ts';

/**
 * The request sequences real identity providers send, step by step, from their public provisioning
 * documentation: Microsoft Entra ID ("Develop and plan provisioning for a SCIM endpoint", the
 * SCIM validator's request list) and Okta ("SCIM 2.0 protocol reference", the Runscope/Okta
 * conformance plan, group push).
 */

type Json = Record<string, unknown>;
interface ListResponse {
  totalResults: number;
  Resources: Json[];
  itemsPerPage: number;
  startIndex: number;
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const q = (filter: string) => encodeURIComponent(filter);

async function claimDomain(instance: TestInstance, domain: string, identityType: 'enterprise' | 'federated') {
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
      verification_token: randomUUID(),
      status: 'claimed',
      claimed_at: new Date(),
    })
    .execute();
}

describe('Microsoft Entra ID provisioning sequence', () => {
  let instance: TestInstance;
  let scim: ScimClient;

  before(async () => {
    instance = await startTestInstance();
    ({ scim } = await scimClient(instance, 'Entra ID'));
    await claimDomain(instance, 'contoso.example', 'federated');
  });
  after(() => instance.close());

  test('Test Connection: a filter on a random userName answers 200 with totalResults 0', async () => {
    const response = await scim.get<ListResponse>(`/Users?filter=${q(`userName eq "${randomUUID()}"`)}`);
    assert.equal(response.status, 200);
    assert.deepEqual([response.body.totalResults, response.body.Resources, response.body.startIndex], [0, [], 1]);
  });

  test('users: look up, create, 409 duplicate, PATCH shapes, manager, soft delete, hard delete', async () => {
    const userName = `Test_User_${randomUUID()}@contoso.example`;
    const lookup = await scim.get<ListResponse>(`/Users?filter=${q(`userName eq "${userName}"`)}`);
    assert.equal(lookup.body.totalResults, 0);
    const body = {
      schemas: [USER, ENTERPRISE],
      externalId: randomUUID(),
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: userName }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { department: 'Sales', employeeNumber: '42' },
    };
    const created = await scim.post<Json>('/Users', body);
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    assert.deepEqual(created.body[ENTERPRISE], { department: 'Sales', employeeNumber: '42' });
    assert.deepEqual(created.body.schemas, [USER, ENTERPRISE]);
    const row = await instance.app.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.identity_type, 'federated', 'identity type from the claimed domain');

    const found = await scim.get<ListResponse>(`/Users?filter=${q(`userName eq "${userName.toUpperCase()}"`)}`);
    assert.deepEqual(
      found.body.Resources.map((user) => user.id),
      [id],
    );
    expectScimError(await scim.post('/Users', body), 409, 'uniqueness');

    const updatedEmail = `updated_${randomUUID()}@contoso.example`;
    const replaced = await scim.request<Json>('PATCH', `/Users/${id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: updatedEmail },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: 'addresses[type eq "work"].country', value: 'PL' },
        { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Marketing' },
      ],
    });
    assert.equal(replaced.status, 200, replaced.text);
    assert.deepEqual(replaced.body.emails, [{ value: updatedEmail, type: 'work', primary: true }]);
    assert.equal((replaced.body.name as Json).familyName, 'updatedFamilyName');
    assert.deepEqual(replaced.body.addresses, [{ country: 'PL', type: 'work', primary: true }]);
    assert.equal((replaced.body[ENTERPRISE] as Json).department, 'Marketing');

    // Entra's default mappings also send the other address parts, and directories often hold the
    // country as an English name: the parts are accepted and ignored, the name read as its code.
    const address = await scim.patch<Json>(`/Users/${id}`, [
      { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Main Street' },
      { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Warsaw' },
      { op: 'Add', path: 'addresses[type eq "work"].postalCode', value: '00-001' },
      { op: 'Replace', path: 'addresses[type eq "work"].country', value: 'Finland' },
    ]);
    assert.equal(address.status, 200, address.text);
    assert.deepEqual(address.body.addresses, [{ country: 'FI', type: 'work', primary: true }]);

    const pathless = await scim.patch<Json>(`/Users/${id}`, [
      {
        op: 'replace',
        value: {
          displayName: 'Display Name',
          'name.givenName': 'Given',
          [`${ENTERPRISE}:employeeNumber`]: '43',
          [`${USER}:name.familyName`]: 'Family',
        },
      },
    ]);
    assert.equal(pathless.status, 200, pathless.text);
    assert.deepEqual(
      [pathless.body.displayName, (pathless.body.name as Json).givenName, (pathless.body.name as Json).familyName],
      ['Display Name', 'Given', 'Family'],
    );
    assert.equal((pathless.body[ENTERPRISE] as Json).employeeNumber, '43');

    const manager = await scim.post<Json>('/Users', {
      schemas: [USER],
      userName: `manager_${randomUUID()}@contoso.example`,
      active: true,
    });
    const withManager = await scim.patch<Json>(`/Users/${id}`, [
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: String(manager.body.id) },
    ]);
    const managerRef = (withManager.body[ENTERPRISE] as Json).manager as Json;
    assert.equal(managerRef.value, manager.body.id);
    assert.match(String(managerRef.$ref), new RegExp(`/scim/v2/Users/${manager.body.id}$`));
    const byManager = await scim.get<ListResponse>(
      `/Users?filter=${q(`${ENTERPRISE}:manager eq "${manager.body.id}"`)}`,
    );
    assert.equal(byManager.body.totalResults, 1);
    const noManager = await scim.patch<Json>(`/Users/${id}`, [{ op: 'Remove', path: `${ENTERPRISE}:manager` }]);
    assert.equal((noManager.body[ENTERPRISE] as Json).manager, undefined);

    const disabled = await scim.patch<Json>(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'False' }]);
    assert.equal(disabled.body.active, false);
    const admin = await instance.signIn();
    assert.equal((await admin.get<Json>(`/api/v1/users/${id}`)).body.status, 'removed');
    const enabled = await scim.patch<Json>(`/Users/${id}`, [{ op: 'Replace', path: 'active', value: 'True' }]);
    assert.equal(enabled.body.active, true);

    assert.equal((await scim.delete(`/Users/${id}`)).status, 204);
    expectScimError(await scim.get(`/Users/${id}`), 404);
    const gone = await scim.get<ListResponse>(`/Users?filter=${q(`userName eq "${userName}"`)}`);
    assert.equal(gone.body.totalResults, 0);
  });

  test('groups: create, filter with excludedAttributes=members, rename, add and remove members both ways, delete', async () => {
    const [a, b] = await Promise.all(
      ['a', 'b'].map(async (letter) => {
        const created = await scim.post<Json>('/Users', {
          schemas: [USER],
          userName: `member_${letter}_${randomUUID()}@contoso.example`,
        });
        return String(created.body.id);
      }),
    );
    const displayName = `Group_${randomUUID()}`;
    const created = await scim.post<Json>('/Groups', {
      schemas: [GROUP],
      externalId: randomUUID(),
      displayName,
      meta: { resourceType: 'Group' },
      members: [],
    });
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    const filtered = await scim.get<ListResponse>(
      `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${displayName}"`)}`,
    );
    assert.deepEqual(
      filtered.body.Resources.map((group) => [group.id, group.members]),
      [[id, undefined]],
    );
    const fetched = await scim.get<Json>(`/Groups/${id}?excludedAttributes=members`);
    assert.equal(fetched.body.members, undefined);
    const renamed = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'Replace', path: 'displayName', value: `${displayName}updated` },
    ]);
    assert.equal(renamed.body.displayName, `${displayName}updated`);
    const added = await scim.patch<Json>(`/Groups/${id}`, [
      {
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: a },
          { $ref: null, value: b },
        ],
      },
    ]);
    assert.equal(added.status, 200, added.text);
    assert.equal((added.body.members as Json[]).length, 2);
    const check = await scim.get<ListResponse>(
      `/Groups?filter=${q(`id eq "${id}" and members[value eq "${a}"]`)}&excludedAttributes=members`,
    );
    assert.equal(check.body.totalResults, 1);
    const removedByValue = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: a }] },
    ]);
    assert.deepEqual(
      (removedByValue.body.members as Json[]).map((member) => member.value),
      [b],
    );
    const removedByFilter = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'Remove', path: `members[value eq "${b}"]` },
    ]);
    assert.deepEqual(removedByFilter.body.members, []);
    assert.equal((await scim.delete(`/Groups/${id}`)).status, 204);
    expectScimError(await scim.get(`/Groups/${id}`), 404);
  });
});

describe('Okta provisioning sequence', () => {
  let instance: TestInstance;
  let scim: ScimClient;

  before(async () => {
    instance = await startTestInstance();
    ({ scim } = await scimClient(instance, 'Okta'));
  });
  after(() => instance.close());

  test('users: existence check, create, 409 on duplicate, GET, PUT updates, deactivate and reactivate', async () => {
    const userName = `test.user.${randomUUID().slice(0, 8)}@okta.example`;
    const check = await scim.get<ListResponse>(
      `/Users?filter=${q(`userName eq "${userName}"`)}&startIndex=1&count=100`,
    );
    assert.deepEqual([check.status, check.body.totalResults], [200, 0]);
    const body = {
      schemas: [USER],
      userName,
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: userName, type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    };
    const created = await scim.post<Json>('/Users', body);
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    assert.equal(created.body.password, undefined, 'a password is never returned');
    expectScimError(await scim.post('/Users', body), 409, 'uniqueness');
    const fetched = await scim.get<Json>(`/Users/${id}`);
    assert.equal(fetched.body.userName, userName);
    const found = await scim.get<ListResponse>(
      `/Users?filter=${q(`userName eq "${userName}"`)}&startIndex=1&count=100`,
    );
    assert.equal(found.body.totalResults, 1);

    const put = await scim.put<Json>(`/Users/${id}`, {
      ...fetched.body,
      name: { givenName: 'Another', familyName: 'Name' },
      addresses: [{ type: 'work', country: 'CZE' }],
    });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.body.name, { formatted: 'Another Name', givenName: 'Another', familyName: 'Name' });
    assert.deepEqual(put.body.addresses, [{ country: 'CZ', type: 'work', primary: true }]);
    assert.equal(put.body.externalId, '00ujl29u0le5T6Aj10h7');

    const deactivated = await scim.patch<Json>(`/Users/${id}`, [{ op: 'replace', value: { active: false } }]);
    assert.equal(deactivated.body.active, false);
    const deactivatedList = await scim.get<ListResponse>(`/Users?filter=${q(`userName eq "${userName}"`)}`);
    assert.equal(deactivatedList.body.Resources[0]?.active, false, 'a deactivated user is still found');
    const reactivated = await scim.patch<Json>(`/Users/${id}`, [{ op: 'replace', value: { active: true } }]);
    assert.equal(reactivated.body.active, true);
    const putInactive = await scim.put<Json>(`/Users/${id}`, { ...fetched.body, active: false });
    assert.equal(putInactive.body.active, false, 'PUT with active=false deactivates too');
  });

  test('group push: create, existence check, rename on every membership change, remove by filter, delete; profiles reach members', async () => {
    const catalog = await createCatalog(instance, instance.organizationId, 'Okta');
    const admin = await instance.signIn();
    const users = [];
    for (const name of ['push1', 'push2']) {
      const created = await scim.post<Json>('/Users', {
        schemas: [USER],
        userName: `${name}@okta.example`,
        active: true,
      });
      users.push(String(created.body.id));
    }
    const [u1, u2] = users as [string, string];
    const check = await scim.get<ListResponse>(
      `/Groups?filter=${q('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`,
    );
    assert.equal(check.body.totalResults, 0);
    const created = await scim.post<Json>('/Groups', { schemas: [GROUP], displayName: 'Test SCIMv2', members: [] });
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    await admin.post(`/api/v1/groups/${id}/profiles`, { profileIds: [catalog.profileId] });
    const fetched = await scim.get<Json>(`/Groups/${id}`);
    assert.deepEqual(fetched.body.members, []);

    const pushed = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'replace', value: { id, displayName: 'Test SCIMv2' } },
      {
        op: 'add',
        path: 'members',
        value: [
          { value: u1, display: 'push1@okta.example' },
          { value: u2, display: 'push2@okta.example' },
        ],
      },
    ]);
    assert.equal(pushed.status, 200, pushed.text);
    const license = await admin.get<{ products: string[] }>(`/api/v1/users/${u1}`);
    assert.deepEqual(license.body.products, ['Okta Product'], 'the group profile reached the pushed member');

    const renamed = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'replace', value: { id, displayName: 'Test SCIMv2 renamed' } },
      { op: 'remove', path: `members[value eq "${u2}"]` },
    ]);
    assert.equal(renamed.body.displayName, 'Test SCIMv2 renamed');
    assert.deepEqual(
      (renamed.body.members as Json[]).map((member) => member.value),
      [u1],
    );
    const lost = await admin.get<{ products: string[] }>(`/api/v1/users/${u2}`);
    assert.deepEqual(lost.body.products, [], 'leaving the group takes its profile');
    expectScimError(
      await scim.patch(`/Groups/${id}`, [{ op: 'replace', value: { id: randomUUID(), displayName: 'x' } }]),
      400,
      'mutability',
    );

    const put = await scim.put<Json>(`/Groups/${id}`, {
      schemas: [GROUP],
      id,
      displayName: 'Test SCIMv2',
      members: [{ value: u2 }],
    });
    assert.deepEqual(
      (put.body.members as Json[]).map((member) => member.value),
      [u2],
    );
    assert.equal((await scim.delete(`/Groups/${id}`)).status, 204);
    const after = await scim.get<ListResponse>(`/Groups?filter=${q('displayName eq "Test SCIMv2"')}`);
    assert.equal(after.body.totalResults, 0);
  });
});
