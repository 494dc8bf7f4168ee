import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { expectScimError, type ScimClient, scimClient, scimUser } from '../../test/support/scim.ts';

/**
 * What conformance suites (RFC 7643/7644 requirements, Okta's spec test, Microsoft's reference
 * collection, scim2-tester, scim-sanity) found wrong, one test per finding, named after the RFC
 * section it breaks.
 */

type Json = Record<string, unknown>;

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('SCIM conformance findings', () => {
  let instance: TestInstance;
  let scim: ScimClient;

  before(async () => {
    instance = await startTestInstance();
    ({ scim } = await scimClient(instance, 'Conformance'));
    const db = instance.app.ctx.db;
    const directory = await db
      .insertInto('directories')
      .values({ organization_id: instance.organizationId, name: 'Conformance', identity_type: 'federated' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: directory.id,
        name: 'conform.example',
        verification_token: randomUUID(),
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
  });
  after(() => instance.close());

  async function createUser(email: string, extra: Json = {}): Promise<Json> {
    const created = await scim.post<Json>('/Users', scimUser(email, extra));
    assert.equal(created.status, 201, created.text);
    return created.body;
  }

  async function createGroup(displayName: string, members: string[] = []): Promise<Json> {
    const created = await scim.post<Json>('/Groups', {
      schemas: [GROUP],
      displayName,
      members: members.map((value) => ({ value })),
    });
    assert.equal(created.status, 201, created.text);
    return created.body;
  }

  test('RFC 7644 §3.5.2.3: replace with a value filter matching nothing is 400 noTarget and changes nothing', async () => {
    const user = await createUser('notarget@conform.example');
    const response = await scim.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'name.familyName', value: 'Changed' },
      { op: 'replace', path: 'emails[type eq "home"].value', value: 'x@conform.example' },
    ]);
    const error = expectScimError(response, 400, 'noTarget');
    assert.match(String(error.detail), /emails\[type eq "home"\]\.value/);
    const after = await scim.get<Json>(`/Users/${user.id}`);
    assert.equal((after.body.name as Json).familyName, 'Lovelace');
    assert.deepEqual(after.body.emails, [{ value: 'notarget@conform.example', type: 'work', primary: true }]);
  });

  test('RFC 7644 §3.5.2: an add of a new primary e-mail is applied, or the PATCH fails whole with the reason', async () => {
    const user = await createUser('primary@conform.example');
    const added = await scim.patch<Json>(`/Users/${user.id}`, [
      { op: 'add', path: 'emails', value: [{ value: 'primary.new@conform.example', type: 'work', primary: true }] },
    ]);
    assert.equal(added.status, 200, added.text);
    assert.deepEqual(added.body.emails, [{ value: 'primary.new@conform.example', type: 'work', primary: true }]);

    const refused = await scim.patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'name.givenName', value: 'Changed' },
      { op: 'add', path: 'emails', value: [{ value: 'primary@elsewhere.example', type: 'work', primary: true }] },
    ]);
    expectScimError(refused, 400, 'mutability');
    const after = await scim.get<Json>(`/Users/${user.id}`);
    assert.equal((after.body.emails as Json[])[0]?.value, 'primary.new@conform.example');
    assert.equal((after.body.name as Json).givenName, 'Ada');
  });

  test('RFC 7644 §3.5.2.2: removing active leaves a deactivated user deactivated (unassigned is not a restore)', async () => {
    const user = await createUser('inactive@conform.example');
    const deactivated = await scim.patch<Json>(`/Users/${user.id}`, [{ op: 'replace', path: 'active', value: false }]);
    assert.equal(deactivated.body.active, false, deactivated.text);
    const removed = await scim.patch<Json>(`/Users/${user.id}`, [{ op: 'remove', path: 'active' }]);
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body.active, false);
    const replaced = await scim.put<Json>(`/Users/${user.id}`, {
      ...scimUser('inactive@conform.example'),
      active: undefined,
    });
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.body.active, false, 'a PUT without active keeps the state too');
    const row = await instance.app.ctx.db
      .selectFrom('users')
      .select('status')
      .where('id', '=', String(user.id))
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'removed');
  });

  test('RFC 7643 §4.3: the manager is returned with its $ref, as /Schemas advertises', async () => {
    const manager = await createUser('manager@conform.example');
    const report = await createUser('report@conform.example', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      [ENTERPRISE]: { department: 'Research', manager: { value: manager.id } },
    });
    const read = await scim.get<Json>(`/Users/${report.id}`);
    const extension = read.body[ENTERPRISE] as Json;
    const reference = extension.manager as Json;
    assert.equal(reference.value, manager.id);
    assert.match(String(reference.$ref), new RegExp(`^https?://.+/scim/v2/Users/${manager.id}$`));
    assert.equal(extension.department, 'Research');
  });

  test('RFC 7643 §2.5: a user without names is returned without a name attribute, not "name": {}', async () => {
    const created = await scim.post<Json>('/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'nameless@conform.example',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal('name' in created.body, false);
    const read = await scim.get<Json>(`/Users/${created.body.id}`);
    assert.equal('name' in read.body, false);
    const named = await scim.patch<Json>(`/Users/${created.body.id}`, [
      { op: 'add', path: 'name.familyName', value: 'Named' },
    ]);
    assert.deepEqual(named.body.name, { formatted: 'Named', familyName: 'Named' });
  });

  test('RFC 7644 §3.12: an e-mail in a domain the organization does not own is 400 mutability; a bare extension URN path says what is accepted', async () => {
    const user = await createUser('mutable@conform.example');
    const refused = expectScimError(
      await scim.patch(`/Users/${user.id}`, [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'mutable@elsewhere.example' },
      ]),
      400,
      'mutability',
    );
    assert.match(String(refused.detail), /domain this organization owns/);
    const bare = expectScimError(
      await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: ENTERPRISE, value: { department: 'X' } }]),
      400,
      'invalidPath',
    );
    assert.doesNotMatch(String(bare.detail), /Unknown schema/);
    assert.match(String(bare.detail), new RegExp(`${ENTERPRISE}:employeeNumber`));
    const unknown = expectScimError(
      await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'urn:example:nothing:attr', value: 'X' }]),
      400,
      'invalidPath',
    );
    assert.match(String(unknown.detail), /the schemas here are/);
  });

  test('RFC 7644 §3.2, §3.4.3: trailing slashes and endpoint names in any case route as meant; root /.search is 501', async () => {
    const user = await createUser('routes@conform.example');
    const list = await scim.get<{ totalResults: number }>('/Users/');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.body.totalResults >= 1);
    const lower = await scim.get<Json>(`/users/${user.id}`);
    assert.equal(lower.status, 200, lower.text);
    assert.equal(lower.body.id, user.id);
    assert.equal((await scim.get<Json>(`/USERS/${user.id}/`)).status, 200);
    const created = await scim.post<Json>('/groups', { schemas: [GROUP], displayName: 'Lower-case route' });
    assert.equal(created.status, 201, created.text);
    const searched = await scim.post<{ totalResults: number }>('/users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName eq "routes@conform.example"',
    });
    assert.equal(searched.body.totalResults, 1, searched.text);
    assert.equal((await scim.get('/serviceproviderconfig')).status, 200);
    const root = expectScimError(
      await scim.post('/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] }),
      501,
    );
    assert.match(String(root.detail), /\/Users\/\.search/);
    expectScimError(await scim.get('/Users/not-a-uuid'), 404);
  });

  test('RFC 7643 §4.2: a member that is not (yet) a user is refused whole, naming it and what the provider does', async () => {
    const user = await createUser('member@conform.example');
    const group = await createGroup('Not yet users');
    const ghost = randomUUID();
    const refused = expectScimError(
      await scim.patch(`/Groups/${group.id}`, [
        { op: 'add', path: 'members', value: [{ value: user.id }, { value: ghost }] },
      ]),
      400,
      'invalidValue',
    );
    assert.match(String(refused.detail), new RegExp(ghost));
    assert.match(String(refused.detail), /POST \/Users/);
    const after = await scim.get<Json>(`/Groups/${group.id}`);
    assert.deepEqual(after.body.members ?? [], []);
  });

  test("RFC 7643 §3.1: a group's meta.lastModified moves when its members change, as its version does", async () => {
    const user = await createUser('lastmodified@conform.example');
    const group = await createGroup('Last modified');
    const before = group.meta as Json;
    await new Promise((resolve) => setTimeout(resolve, 10));
    const patched = await scim.patch<Json>(`/Groups/${group.id}`, [
      { op: 'add', path: 'members', value: [{ value: user.id }] },
    ]);
    assert.equal(patched.status, 200, patched.text);
    const after = (await scim.get<Json>(`/Groups/${group.id}`)).body.meta as Json;
    assert.notEqual(after.version, before.version);
    assert.ok(
      Date.parse(String(after.lastModified)) > Date.parse(String(before.lastModified)),
      `${after.lastModified} after ${before.lastModified}`,
    );
  });

  test("RFC 7644 §3.14: a user's ETag and lastModified move when it joins or leaves a group, so If-None-Match never answers 304 with stale groups", async () => {
    const user = await createUser('etag.groups@conform.example');
    const group = await createGroup('ETag groups');
    const first = await scim.get<Json>(`/Users/${user.id}`);
    const etag = first.headers.get('etag') ?? '';
    const meta = first.body.meta as Json;
    await new Promise((resolve) => setTimeout(resolve, 10));
    await scim.patch(`/Groups/${group.id}`, [{ op: 'add', path: 'members', value: [{ value: user.id }] }]);
    const joined = await scim.get<Json>(`/Users/${user.id}`, { 'if-none-match': etag });
    assert.equal(joined.status, 200, 'not 304: the groups changed');
    assert.deepEqual(
      (joined.body.groups as Json[]).map((entry) => entry.value),
      [group.id],
    );
    const joinedEtag = joined.headers.get('etag') ?? '';
    assert.notEqual(joinedEtag, etag);
    assert.equal((joined.body.meta as Json).version, joinedEtag);
    const joinedAt = Date.parse(String((joined.body.meta as Json).lastModified));
    assert.ok(joinedAt > Date.parse(String(meta.lastModified)));
    expectScimError(
      await scim.patch(`/Users/${user.id}`, [{ op: 'replace', path: 'displayName', value: 'Stale' }], {
        'if-match': etag,
      }),
      412,
    );
    assert.equal((await scim.get(`/Users/${user.id}`, { 'if-none-match': joinedEtag })).status, 304);

    await new Promise((resolve) => setTimeout(resolve, 10));
    await scim.patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${user.id}"]` }]);
    const left = await scim.get<Json>(`/Users/${user.id}`, { 'if-none-match': joinedEtag });
    assert.equal(left.status, 200, 'not 304: the user left the group');
    assert.deepEqual(left.body.groups ?? [], []);
    assert.notEqual(left.headers.get('etag'), joinedEtag);
    assert.ok(Date.parse(String((left.body.meta as Json).lastModified)) > joinedAt);
    const listed = await scim.get<{ Resources: Json[] }>(
      `/Users?filter=${encodeURIComponent('userName eq "etag.groups@conform.example"')}`,
    );
    const [found] = listed.body.Resources;
    assert.ok(found, listed.text);
    assert.equal((found.meta as Json).version, left.headers.get('etag'));

    // A group deleted with the user in it: its members are kept once with the deletion (no row
    // per member), and still every former member's ETag and lastModified move.
    const doomed = await createGroup('ETag doomed');
    await scim.patch(`/Groups/${doomed.id}`, [{ op: 'add', path: 'members', value: [{ value: user.id }] }]);
    const inDoomed = await scim.get<Json>(`/Users/${user.id}`);
    const inDoomedEtag = inDoomed.headers.get('etag') ?? '';
    const departedAt = await instance.app.ctx.db
      .selectFrom('user_group_departures')
      .select('left_at')
      .where('user_id', '=', String(user.id))
      .executeTakeFirstOrThrow();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await scim.delete(`/Groups/${doomed.id}`)).status, 204);
    const afterDeletion = await scim.get<Json>(`/Users/${user.id}`, { 'if-none-match': inDoomedEtag });
    assert.equal(afterDeletion.status, 200, 'not 304: its group was deleted');
    assert.deepEqual(afterDeletion.body.groups ?? [], []);
    assert.notEqual(afterDeletion.headers.get('etag'), inDoomedEtag);
    assert.ok(
      Date.parse(String((afterDeletion.body.meta as Json).lastModified)) >
        Date.parse(String((inDoomed.body.meta as Json).lastModified)),
    );
    const relisted = await scim.get<{ Resources: Json[] }>(
      `/Users?filter=${encodeURIComponent('userName eq "etag.groups@conform.example"')}`,
    );
    assert.equal((relisted.body.Resources[0]?.meta as Json | undefined)?.version, afterDeletion.headers.get('etag'));
    assert.deepEqual(
      await instance.app.ctx.db
        .selectFrom('user_group_departures')
        .select('left_at')
        .where('user_id', '=', String(user.id))
        .executeTakeFirstOrThrow(),
      departedAt,
      'the deletion wrote no departure row',
    );

    const departures = () =>
      instance.app.ctx.db
        .selectFrom('user_group_departures')
        .select('left_at')
        .where('user_id', '=', String(user.id))
        .execute();
    assert.equal((await departures()).length, 1);
    assert.equal((await scim.delete(`/Users/${user.id}`)).status, 204);
    assert.deepEqual(await departures(), [], 'a user deleted for good leaves no departure behind');
  });
});
