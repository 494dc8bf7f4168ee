import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { USER_CSV_HEADERS } from '../users/users.csv.ts';
import { BULK_TYPES, type BulkType, GROUP_CSV_HEADERS, openBulkCsv, type ParsedRow } from './csv/index.ts';

/** Reads a downloaded file back with the upload parser, as an upload of `type` would. */
async function reread(text: string, type: BulkType) {
  const { header, rows } = await openBulkCsv([Buffer.from(text)], { type, maxRows: 100_000 });
  const all: ParsedRow[] = [];
  for await (const row of rows) {
    all.push(row);
  }
  return { header, rows: all };
}

describe('CSV templates', () => {
  let instance: TestInstance;
  let admin: Client;
  let organizationId: string;
  let groupId: string;

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    organizationId = instance.organizationId;
    await createProductWithProfiles(admin, 'Photoshop', 10, ['Photoshop Team', 'Photoshop Extra']);
    const group = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Designers', description: 'Creative' });
    groupId = group.body.id;
    await admin.post('/api/v1/groups', { name: 'Auditors' });
    const added = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: [
        {
          email: 'ala-ma.kota@templates.example',
          firstName: 'Ala',
          lastName: 'Nováková',
          country: 'CZ',
          profiles: ['Photoshop Team', 'Photoshop Extra'],
          groups: ['Designers'],
        },
        { email: 'formula@templates.example', firstName: '=HYPERLINK("http://evil")', lastName: '-2' },
      ],
    });
    assert.equal(added.status, 201, added.text);
    const ala = added.body.items.find((user) => user.email.startsWith('ala'));
    const made = await admin.post(`/api/v1/groups/${groupId}/admins`, { userIds: [ala?.id] });
    assert.equal(made.status, 200, made.text);
  });
  after(() => instance.close());

  test('every standard template downloads, with its header, and uploads again without issues', async () => {
    for (const type of BULK_TYPES) {
      const response = await admin.get(`/api/v1/csv-templates/${type}?variant=standard`);
      assert.equal(response.status, 200, `${type}: ${response.text}`);
      assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(response.headers.get('content-disposition') ?? '', new RegExp(`${type}-template\\.csv`));
      const { header, rows } = await reread(response.text, type);
      assert.ok(rows.length >= 2, type);
      for (const row of rows) {
        assert.deepEqual(row.issues, [], `${type} row ${row.rowNumber}`);
      }
      if (type === 'add-users') {
        assert.deepEqual(header.names, USER_CSV_HEADERS);
      }
      if (type === 'remove-users') {
        assert.deepEqual(header.names, [
          'Identity Type',
          'Username',
          'Domain',
          'Email',
          'Content Action',
          'Transfer To',
        ]);
        assert.deepEqual(
          rows.map((row) => (row.record?.kind === 'user' ? row.record.contentAction : undefined)),
          ['transfer-later', 'transfer-now', 'delete'],
        );
      }
      if (type === 'add-groups') {
        assert.deepEqual(header.names, GROUP_CSV_HEADERS);
        const design = rows[0]?.record;
        assert.equal(design?.kind === 'group' && design.admins?.[0]?.identityType, 'federated');
      }
    }
    const byDefault = await admin.get('/api/v1/csv-templates/add-users');
    assert.equal(byDefault.status, 200);
  });

  test("current users: the organization's users, re-uploadable as edit-users, formula cells guarded", async () => {
    const response = await admin.get('/api/v1/csv-templates/edit-users?variant=current');
    assert.equal(response.status, 200, response.text);
    assert.match(response.headers.get('content-disposition') ?? '', /edit-users-current\.csv/);
    assert.match(response.text, /'=HYPERLINK/, 'formula guarded on export');
    const { header, rows } = await reread(response.text, 'edit-users');
    assert.deepEqual(header.names, USER_CSV_HEADERS);
    const ala = rows.find((row) => row.record?.kind === 'user' && row.record.email?.startsWith('ala'));
    assert.deepEqual(ala?.issues, []);
    assert.equal(ala?.record?.kind, 'user');
    if (ala?.record?.kind === 'user') {
      assert.equal(ala.record.identityType, 'personal');
      assert.equal(ala.record.lastName, 'Nováková');
      assert.equal(ala.record.country, 'CZ');
      assert.deepEqual(ala.record.profiles, ['Photoshop Extra', 'Photoshop Team']);
      assert.deepEqual(ala.record.groups, ['Designers']);
      assert.deepEqual(ala.record.groupsAdministered, ['Designers']);
      assert.match(ala.record.id ?? '', /^[0-9a-f-]{36}$/);
    }
    const formula = rows.find((row) => row.record?.kind === 'user' && row.record.email?.startsWith('formula'));
    assert.equal(formula?.record?.kind === 'user' && formula.record.firstName, '=HYPERLINK("http://evil")');
    assert.equal(formula?.record?.kind === 'user' && formula.record.lastName, '-2');

    const removal = await admin.get('/api/v1/csv-templates/remove-users?variant=current');
    const reread2 = await reread(removal.text, 'remove-users');
    assert.deepEqual(reread2.header.names, [...USER_CSV_HEADERS, 'Content Action', 'Transfer To']);
    assert.ok(reread2.rows.length >= 3);
    for (const row of reread2.rows) {
      assert.deepEqual(row.issues, []);
      assert.equal(row.record?.kind === 'user' && row.record.contentAction, 'transfer-later');
    }
    const members = await admin.get('/api/v1/csv-templates/add-group-members?variant=current');
    assert.ok((await reread(members.text, 'add-group-members')).rows.every((row) => row.issues.length === 0));
  });

  test('current groups: description, admins as <Identity Type>-<e-mail>, profiles; re-uploadable as edit-groups', async () => {
    await admin.post(`/api/v1/groups/${groupId}/profiles`, {
      profileIds: Object.values(
        (await admin.get<{ items: { id: string }[] }>('/api/v1/product-profiles')).body.items.map((item) => item.id),
      ),
    });
    const response = await admin.get('/api/v1/csv-templates/edit-groups?variant=current');
    assert.equal(response.status, 200, response.text);
    const { rows } = await reread(response.text, 'edit-groups');
    assert.deepEqual(
      rows.map((row) => row.record),
      [
        { kind: 'group', name: 'Auditors', description: null, admins: [], profiles: [] },
        {
          kind: 'group',
          name: 'Designers',
          description: 'Creative',
          admins: [{ identityType: 'personal', email: 'ala-ma.kota@templates.example' }],
          profiles: ['Photoshop Extra', 'Photoshop Team'],
        },
      ],
    );
    assert.match(response.text, /Personal ID-ala-ma\.kota@templates\.example/);
  });

  test('authorization: signed out 401; scoped and read-only roles; other organizations stay apart', async () => {
    const anonymous = instance.anonymous();
    expectProblem(await anonymous.get('/api/v1/csv-templates/add-users'), 401, 'auth.required');
    expectProblem(await admin.get('/api/v1/csv-templates/add-everything'), 400, 'request.validation_failed');
    expectProblem(await admin.get('/api/v1/csv-templates/add-users?variant=all'), 400, 'request.validation_failed');

    const deployment = await instance.signIn((await createAdmin(instance, organizationId, 'deployment-admin')).email);
    assert.equal((await deployment.get('/api/v1/csv-templates/add-groups')).status, 200);
    assert.equal((await deployment.get('/api/v1/csv-templates/edit-users?variant=current')).status, 200);
    expectProblem(await deployment.get('/api/v1/csv-templates/edit-groups?variant=current'), 403, 'auth.forbidden');

    const groupAdmin = await instance.signIn(
      (await createAdmin(instance, organizationId, 'group-admin', { groupId })).email,
    );
    const theirs = await groupAdmin.get('/api/v1/csv-templates/edit-groups?variant=current');
    assert.equal(theirs.status, 200);
    assert.deepEqual(
      (await reread(theirs.text, 'edit-groups')).rows.map((row) => row.cells[0]),
      ['Designers'],
      'a group admin sees only their groups',
    );

    const other = await createOrganization(instance, 'Templates Rival');
    const rival = await instance.signIn(other.email);
    const rivalUsers = await rival.get('/api/v1/csv-templates/edit-users?variant=current');
    assert.doesNotMatch(rivalUsers.text, /templates\.example/);
    const rivalGroups = await rival.get('/api/v1/csv-templates/edit-groups?variant=current');
    assert.equal((await reread(rivalGroups.text, 'edit-groups')).rows.length, 0);
  });
});
