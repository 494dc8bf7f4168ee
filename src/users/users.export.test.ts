/**
 * GET /api/v1/users.csv: the users list as a file, with the list's own search and filters, so
 * "Export users (CSV)" exports what the admin sees (issue 15, item 3).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createGroupWithProfiles, createProductWithProfiles } from '../../test/support/catalog.ts';
import type { Client } from '../../test/support/client.ts';
import { createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { USER_CSV_HEADERS } from './users.csv.ts';

describe('users CSV export', () => {
  let instance: TestInstance;
  let admin: Client;
  const ids: Record<string, string> = {};

  /** The e-mails of an export (its Email column), sorted, after checking the header. */
  async function exported(query: string): Promise<string[]> {
    const response = await admin.get(`/api/v1/users.csv${query}`);
    assert.equal(response.status, 200, response.text);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(response.headers.get('content-disposition') ?? '', /filename="users\.csv"/);
    const [header, ...rows] = parse(response.text, { bom: true }) as string[][];
    assert.deepEqual(header, USER_CSV_HEADERS);
    const email = USER_CSV_HEADERS.indexOf('Email');
    return rows
      .map((row) => row[email] ?? '')
      .filter((address) => !address.startsWith('admin-'))
      .sort();
  }

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    const photoshop = await createProductWithProfiles(admin, 'Photoshop', 10, ['Photoshop Team']);
    await createProductWithProfiles(admin, 'Acrobat', 10, ['Acrobat Pro']);
    await createGroupWithProfiles(instance, instance.organizationId, 'Designers', [
      photoshop.profiles['Photoshop Team'] ?? '',
    ]);
    const added = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: [
        { email: 'ala@example.org', firstName: 'Ala', lastName: 'Kowalska', groups: ['Designers'] },
        { email: 'bartek@example.org', firstName: 'Bartek', profiles: ['Acrobat Pro'] },
        { email: 'celina@example.org', firstName: '=HYPERLINK("http://evil")' },
        { email: 'dorota@example.org', firstName: 'Dorota' },
      ],
    });
    assert.equal(added.status, 201, added.text);
    for (const user of added.body.items) {
      ids[user.email] = user.id;
    }
    const content = await admin.request('PUT', `/api/v1/users/${ids['dorota@example.org']}/content`, {
      body: { items: 1, bytes: 10 },
    });
    assert.equal(content.status, 200, content.text);
    // Dorota's content waits for transfer ("Inactive users"); Celina's is deleted.
    for (const [email, contentAction] of [
      ['dorota@example.org', 'transfer-later'],
      ['celina@example.org', 'delete'],
    ] as const) {
      const removed = await admin.post('/api/v1/users/remove', { userIds: [ids[email]], contentAction });
      assert.equal(removed.status, 200, removed.text);
    }
    const grant = await admin.post(`/api/v1/users/${ids['bartek@example.org']}/admin-roles`, { role: 'support-admin' });
    assert.equal(grant.status, 200, grant.text);
  });
  after(() => instance.close());

  test('needs a signed-in reader; another organization exports only its own users', async () => {
    assert.equal((await instance.anonymous().get('/api/v1/users.csv')).status, 401);
    const rival = await createOrganization(instance, 'Rival');
    const theirs = await instance.signIn(rival.email);
    const response = await theirs.get('/api/v1/users.csv');
    assert.equal(response.status, 200, response.text);
    assert.doesNotMatch(response.text, /example\.org/);
    assert.match(response.text, new RegExp(rival.email.replace(/[.]/g, '\\.')));
  });

  test('without filters: every user, formula cells guarded', async () => {
    assert.deepEqual(await exported(''), [
      'ala@example.org',
      'bartek@example.org',
      'celina@example.org',
      'dorota@example.org',
    ]);
    const response = await admin.get('/api/v1/users.csv');
    assert.match(response.text, /'=HYPERLINK/);
  });

  test('the same search and filters as the list', async () => {
    const cases: [string, string[]][] = [
      ['?search=kowal', ['ala@example.org']],
      ['?search=BARTEK', ['bartek@example.org']],
      ['?status=removed', ['celina@example.org', 'dorota@example.org']],
      ['?status=removed&contentPending=true', ['dorota@example.org']],
      ['?status=active', ['ala@example.org', 'bartek@example.org']],
      ['?group=Designers', ['ala@example.org']],
      ['?product=Photoshop', ['ala@example.org']],
      ['?profile=acrobat%20pro', ['bartek@example.org']],
      ['?adminRole=support-admin', ['bartek@example.org']],
      ['?identityType=enterprise', []],
      ['?group=No%20such%20group', []],
    ];
    for (const [query, emails] of cases) {
      assert.deepEqual(await exported(query), emails, query);
      // The list agrees with the file.
      const list = await admin.get<{ items: { email: string }[] }>(`/api/v1/users${query}`);
      assert.deepEqual(
        list.body.items
          .map((user) => user.email)
          .filter((address) => !address.startsWith('admin-'))
          .sort(),
        emails,
        `list ${query}`,
      );
    }
  });

  test('a bad filter value is a 400 naming the parameter', async () => {
    const response = await admin.get<{ code: string; errors: { field: string }[] }>(
      '/api/v1/users.csv?status=sleeping',
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.code, 'request.validation_failed');
    assert.match(response.body.errors[0]?.field ?? '', /status/);
  });
});
