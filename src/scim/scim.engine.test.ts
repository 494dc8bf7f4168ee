import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCatalog, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { expectScimError, type ScimClient, scimClient, scimUser } from '../../test/support/scim.ts';
import { findDeletedGroupMemberIds } from '../groups/groups.deletions.ts';

type Json = Record<string, unknown>;
interface AuditEvent {
  action: string;
  before: Json | null;
  after: Json | null;
}

describe('SCIM through the change engine', () => {
  let instance: TestInstance;
  let scim: ScimClient;

  before(async () => {
    instance = await startTestInstance();
    ({ scim } = await scimClient(instance));
  });
  after(() => instance.close());

  async function events(targetId: string): Promise<AuditEvent[]> {
    const admin = await instance.signIn();
    const audit = await admin.get<{ items: AuditEvent[] }>(`/api/v1/audit-events?target=${targetId}`);
    assert.equal(audit.status, 200, audit.text);
    return audit.body.items;
  }

  test("a SCIM create's audit event contains userName and externalId; a PATCH of them is audited before and after", async () => {
    const created = await scim.post<Json>(
      '/Users',
      scimUser('ada.engine@example.com', { userName: 'ada.engine', externalId: 'entra-0001' }),
    );
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    const create = (await events(id)).find((event) => event.action === 'user.create');
    assert.equal(create?.after?.username, 'ada.engine');
    assert.equal(create?.after?.externalId, 'entra-0001');
    assert.equal(create?.after?.email, 'ada.engine@example.com');

    const patched = await scim.patch<Json>(`/Users/${id}`, [
      { op: 'replace', path: 'externalId', value: 'entra-0002' },
      { op: 'replace', path: 'userName', value: 'ada.renamed' },
    ]);
    assert.equal(patched.status, 200, patched.text);
    const update = (await events(id)).find((event) => event.action === 'user.update');
    assert.deepEqual(
      [update?.before?.externalId, update?.after?.externalId, update?.before?.username, update?.after?.username],
      ['entra-0001', 'entra-0002', 'ada.engine', 'ada.renamed'],
    );
  });

  test("a group's externalId is written by the audited create and update", async () => {
    const created = await scim.post<Json>('/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Engine crew',
      externalId: 'okta-group-1',
    });
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    assert.equal(created.body.externalId, 'okta-group-1');
    const create = (await events(id)).find((event) => event.action === 'group.create');
    assert.equal(create?.after?.externalId, 'okta-group-1');

    const patched = await scim.patch<Json>(`/Groups/${id}`, [
      { op: 'replace', path: 'externalId', value: 'okta-group-2' },
    ]);
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.externalId, 'okta-group-2');
    const update = (await events(id)).find((event) => event.action === 'group.update');
    assert.deepEqual([update?.before?.externalId, update?.after?.externalId], ['okta-group-1', 'okta-group-2']);
  });

  test('an update takes over a hand-made user; a user another connection manages is refused with users.not_managed', async () => {
    const admin = await instance.signIn();
    const made = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [{ email: 'hand.engine@example.com', firstName: 'Hand' }],
    });
    assert.equal(made.status, 201, made.text);
    const handId = made.body.items[0]?.id ?? '';
    const managedBy = async (id: string) =>
      (await admin.get<{ managedBy: { type: string; id: string | null } }>(`/api/v1/users/${id}`)).body.managedBy;
    assert.equal((await managedBy(handId)).type, 'console');

    // PUT of a hand-made user: updated and managed by this connection from now on, audited.
    const put = await scim.put<Json>(`/Users/${handId}`, scimUser('hand.engine@example.com'));
    assert.equal(put.status, 200, put.text);
    const mine = await managedBy(handId);
    assert.equal(mine.type, 'scim');
    const update = (await events(handId)).find((event) => event.action === 'user.update');
    assert.deepEqual(
      [update?.before?.managedBy, update?.after?.managedBy, update?.after?.first_name],
      [{ type: 'console', id: null }, { type: 'scim', id: mine.id }, 'Ada'],
    );

    // A user another SCIM connection manages: PATCH and PUT are refused and change nothing.
    const other = (await scimClient(instance, 'Other IdP')).scim;
    const theirs = await other.post<Json>('/Users', scimUser('theirs.engine@example.com'));
    assert.equal(theirs.status, 201, theirs.text);
    const theirsId = String(theirs.body.id);
    const patched = await scim.patch(`/Users/${theirsId}`, [{ op: 'replace', path: 'name.givenName', value: 'Mine' }]);
    const refused = expectScimError(patched, 409);
    assert.match(String(refused.detail), /managed by another source \(scim\), not by this connection/);
    assert.equal(refused.scimType, undefined);
    expectScimError(await scim.put(`/Users/${theirsId}`, scimUser('theirs.engine@example.com')), 409);
    const still = await other.get<Json>(`/Users/${theirsId}`);
    assert.equal((still.body.name as Json).givenName, 'Ada');
    assert.equal((await managedBy(theirsId)).type, 'scim');
    // Nothing of it was changed, so nothing was audited.
    const audit = await admin.get<{ items: unknown[] }>(`/api/v1/audit-events?target=${theirsId}&action=user.update`);
    assert.deepEqual(audit.body.items, []);
  });

  test('a PATCH whose last operation fails changes nothing (the commands roll back with the request)', async () => {
    const user = await scim.post<Json>('/Users', scimUser('atomic.engine@example.com'));
    const group = await scim.post<Json>('/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Atomic crew',
    });
    const id = String(group.body.id);
    expectScimError(
      await scim.patch(`/Groups/${id}`, [
        { op: 'add', path: 'members', value: [{ value: user.body.id }] },
        { op: 'replace', path: 'displayName', value: 'Renamed crew' },
        { op: 'add', path: 'members', value: [{ value: '00000000-0000-4000-8000-000000000000' }] },
      ]),
      400,
      'invalidValue',
    );
    const after = await scim.get<Json>(`/Groups/${id}`);
    assert.equal(after.body.displayName, 'Atomic crew');
    assert.deepEqual(after.body.members ?? [], []);
  });

  test('Bulk runs through the one runner: a failed operation changes nothing, the others apply, seats are counted across them', async () => {
    const catalog = await createCatalog(instance, instance.organizationId, 'Seats');
    await instance.app.ctx.db
      .updateTable('products')
      .set({ license_quantity: 1 })
      .where('id', '=', catalog.productId)
      .execute();
    const admin = await instance.signIn();
    const groupId = catalog.groupId;
    const assigned = await admin.post(`/api/v1/groups/${groupId}/profiles`, { profileIds: [catalog.profileId] });
    assert.equal(assigned.status, 200, assigned.text);
    const response = await scim.post<{ Operations: Json[] }>('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'first', data: scimUser('seat1@example.com') },
        { method: 'POST', path: '/Users', bulkId: 'second', data: scimUser('seat2@example.com') },
        {
          method: 'PATCH',
          path: `/Groups/${groupId}`,
          data: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:first' }] }],
          },
        },
        {
          method: 'PATCH',
          path: `/Groups/${groupId}`,
          data: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [
              { op: 'replace', path: 'displayName', value: 'Never renamed' },
              { op: 'add', path: 'members', value: [{ value: 'bulkId:second' }] },
            ],
          },
        },
      ],
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(
      response.body.Operations.map((operation) => operation.status),
      ['201', '201', '200', '400'],
    );
    const after = await scim.get<Json>(`/Groups/${groupId}`);
    assert.equal(after.body.displayName, 'Seats Group');
    assert.deepEqual(
      ((after.body.members as Json[]) ?? []).map((member) => member.display),
      ['seat1@example.com'],
    );
  });
  test('Bulk deletes two groups with members in two operations of one request', async () => {
    const member = await scim.post<Json>('/Users', scimUser('leaver@example.com'));
    assert.equal(member.status, 201, member.text);
    const ids: string[] = [];
    for (const name of ['Leaving one', 'Leaving two']) {
      const group = await scim.post<Json>('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: name,
        members: [{ value: String(member.body.id) }],
      });
      assert.equal(group.status, 201, group.text);
      ids.push(String(group.body.id));
    }
    const response = await scim.post<{ Operations: Json[] }>('/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: ids.map((id) => ({ method: 'DELETE', path: `/Groups/${id}` })),
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(
      response.body.Operations.map((operation) => operation.status),
      ['204', '204'],
      response.text,
    );
    for (const id of ids) {
      assert.equal((await scim.get(`/Groups/${id}`)).status, 404);
      assert.deepEqual(await findDeletedGroupMemberIds(instance.app.ctx.db, instance.organizationId, id), [
        member.body.id,
      ]);
    }
  });
});
