import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGroupWithProfiles, createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

interface User {
  id: string;
  email: string;
  alias: string;
  identityType: string;
  status: string;
  products: string[];
  country: string | null;
  contentPending: boolean;
}
interface Detail extends User {
  profiles: { name: string; via: string }[];
  groups: { name: string }[];
  adminRoles: { role: string; scope: { name: string } | null }[];
  content: { items: number; bytes: number };
  readOnlyReason: string | null;
}
interface Page {
  items: User[];
  nextCursor: string | null;
}

describe('users', () => {
  let instance: TestInstance;
  let admin: Client;
  let acrobat: { productId: string; profiles: Record<string, string> };

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    acrobat = await createProductWithProfiles(admin, 'Acrobat', 3, ['Acrobat Pro', 'Acrobat Reader']);
    await createGroupWithProfiles(instance, instance.organizationId, 'Designers', [
      acrobat.profiles['Acrobat Reader'] ?? '',
    ]);
  });
  after(() => instance.close());

  test('adds users with profiles and groups; one license per product however many profiles give it', async () => {
    const added = await admin.post<{ items: User[] }>('/api/v1/users', {
      users: [
        {
          email: 'Anna.Nowak@example.pl',
          firstName: 'Anna',
          lastName: 'Nowak',
          country: 'pl',
          profiles: ['acrobat pro'],
          groups: ['Designers'],
        },
        { email: 'jan@example.pl' },
      ],
    });
    assert.equal(added.status, 201, added.text);
    const [anna, jan] = added.body.items;
    assert.deepEqual(
      [anna?.identityType, anna?.alias, anna?.country, anna?.products],
      ['personal', 'Anna.Nowak', 'PL', ['Acrobat']],
    );
    assert.deepEqual(jan?.products, []);
    const detail = await admin.get<Detail>(`/api/v1/users/${anna?.id}`);
    assert.deepEqual(
      detail.body.profiles.map((profile) => [profile.name, profile.via]),
      [
        ['Acrobat Pro', 'direct'],
        ['Acrobat Reader', 'Designers'],
      ],
    );
    const product = await admin.get<{ licensesUsed: number }>(`/api/v1/products/${acrobat.productId}`);
    assert.equal(product.body.licensesUsed, 1);
    const outbox = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['kind', 'to_address', 'data'])
      .execute();
    assert.deepEqual(
      outbox.map((message) => [message.kind, message.to_address, message.data]),
      [['welcome', 'Anna.Nowak@example.pl', { products: ['Acrobat'] }]],
    );
  });

  test('the same (e-mail, identity type) twice is a conflict, case-insensitively, and nothing is added', async () => {
    const conflict = expectProblem(
      await admin.post('/api/v1/users', {
        users: [{ email: 'new-one@example.pl' }, { email: 'ANNA.NOWAK@example.pl' }],
      }),
      409,
      'users.already_exists',
    );
    assert.deepEqual(
      (conflict.errors as { field: string }[]).map((error) => error.field),
      ['body.users.1.email'],
    );
    const twice = expectProblem(
      await admin.post('/api/v1/users', { users: [{ email: 'x@example.pl' }, { email: 'X@example.pl' }] }),
      400,
      'users.duplicate_in_request',
    );
    assert.equal((twice.errors as { field: string }[])[0]?.field, 'body.users.1.email');
    const found = await admin.get<Page>('/api/v1/users?search=new-one');
    assert.deepEqual(found.body.items, []);
  });

  test('bad input names the row and field: e-mail, country, unknown profile or group, long names', async () => {
    const cases: [unknown, number, string, string][] = [
      [{ users: [{ email: 'not-an-email' }] }, 400, 'request.validation_failed', 'body.users.0.email'],
      [{ users: [{ email: 'a@example.pl', country: 'XX' }] }, 400, 'users.invalid_country', 'body.users.0.country'],
      [
        { users: [{ email: 'a@example.pl' }, { email: 'b@example.pl', profiles: ['Acrobat'] }] },
        422,
        'users.unknown_profile',
        'body.users.1.profiles',
      ],
      [{ users: [{ email: 'a@example.pl', groups: ['Nobody'] }] }, 422, 'users.unknown_group', 'body.users.0.groups'],
      [
        { users: [{ email: 'a@example.pl', firstName: 'x'.repeat(256) }] },
        400,
        'request.validation_failed',
        'body.users.0.firstName',
      ],
      [{ users: [] }, 400, 'request.validation_failed', 'body.users'],
    ];
    for (const [body, status, code, field] of cases) {
      const problem = expectProblem(await admin.post('/api/v1/users', body), status, code);
      assert.equal((problem.errors as { field: string }[])[0]?.field, field, JSON.stringify(problem));
    }
    const unknown = expectProblem(
      await admin.post('/api/v1/users', { users: [{ email: 'b@example.pl', profiles: ['Acrobat'] }] }),
      422,
      'users.unknown_profile',
    );
    assert.match(String(unknown.detail), /profile name \(not a product name\)/);
    assert.deepEqual((await admin.get<Page>('/api/v1/users?search=a%40example.pl')).body.items, []);
  });

  test('an assignment beyond the seats is refused with the deficit, and nothing is added', async () => {
    const refused = expectProblem(
      await admin.post('/api/v1/users', {
        users: ['s1', 's2', 's3'].map((name) => ({ email: `${name}@example.pl`, profiles: ['Acrobat Reader'] })),
      }),
      422,
      'licenses.insufficient',
    );
    assert.match(String(refused.detail), /needs 1 more license of Acrobat/);
    assert.deepEqual(
      (refused.deficits as { missing: number; productName: string }[]).map((d) => [d.productName, d.missing]),
      [['Acrobat', 1]],
    );
    assert.deepEqual((await admin.get<Page>('/api/v1/users?search=s1%40')).body.items, []);
    assert.equal(
      (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${acrobat.productId}`)).body.licensesUsed,
      1,
    );
  });

  test('paste-a-list preview: per-line problems, nothing added until confirmed', async () => {
    const lines = [
      'first@example.pl',
      'not an e-mail',
      'FIRST@example.pl',
      'anna.nowak@example.pl',
      '',
      ...Array.from({ length: 1000 }, (_, i) => `bulk${i}@example.pl`),
    ];
    const preview = await admin.post<{
      rows: { line: number; problem: string | null; alias: string | null; message: string | null }[];
      accepted: number;
    }>('/api/v1/users/paste-preview', { text: lines.join('\r\n') });
    assert.equal(preview.status, 200);
    const byLine = new Map(preview.body.rows.map((row) => [row.line, row]));
    assert.deepEqual([byLine.get(1)?.problem, byLine.get(1)?.alias], [null, 'first']);
    assert.equal(byLine.get(2)?.problem, 'not_an_email');
    assert.equal(byLine.get(3)?.problem, 'duplicate');
    assert.match(byLine.get(3)?.message ?? '', /line 1/);
    assert.equal(byLine.get(4)?.problem, 'already_exists');
    // Only the first 1,000 non-blank lines are checked (997 of them new users); the rest is one row.
    assert.equal(preview.body.accepted, 997);
    assert.equal(preview.body.rows.length, 1001);
    assert.equal(preview.body.rows.at(-1)?.problem, 'too_many');
    assert.equal(preview.body.rows.at(-1)?.line, 1002);
    assert.match(preview.body.rows.at(-1)?.message ?? '', /4 lines from line 1002/);
    assert.deepEqual((await admin.get<Page>('/api/v1/users?search=first%40')).body.items, [], 'a preview adds no one');
    const confirmed = await admin.post<{ items: User[] }>('/api/v1/users', {
      users: [{ email: 'first@example.pl', alias: 'Boss' }],
      sendInstructions: true,
    });
    assert.equal(confirmed.body.items[0]?.alias, 'Boss');
    const instructions = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('to_address')
      .where('kind', '=', 'instructions')
      .execute();
    assert.deepEqual(
      instructions.map((row) => row.to_address),
      ['first@example.pl'],
    );
  });

  test('lists with search, filters, sorts and a keyset cursor', async () => {
    await admin.post('/api/v1/users', {
      users: ['zofia', 'adam', 'marek', 'ewa'].map((name, index) => ({
        email: `${name}@list.example`,
        lastName: `${'DCBA'[index]}-${name}`,
      })),
    });
    const collect = async (query: string) => {
      const emails: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: Page } = await admin.get<Page>(
          `/api/v1/users?${query}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        );
        emails.push(...page.body.items.map((user) => user.email));
        cursor = page.body.nextCursor;
      } while (cursor);
      return emails;
    };
    assert.deepEqual(await collect('search=list.example'), [
      'adam@list.example',
      'ewa@list.example',
      'marek@list.example',
      'zofia@list.example',
    ]);
    assert.deepEqual(await collect('search=list.example&sort=-email'), [
      'zofia@list.example',
      'marek@list.example',
      'ewa@list.example',
      'adam@list.example',
    ]);
    assert.deepEqual(await collect('search=list.example&sort=name'), [
      'ewa@list.example',
      'marek@list.example',
      'adam@list.example',
      'zofia@list.example',
    ]);
    assert.deepEqual(await collect('search=LIST.EXAMPLE&sort=-name'), [
      'zofia@list.example',
      'adam@list.example',
      'marek@list.example',
      'ewa@list.example',
    ]);
    assert.deepEqual(await collect('product=Acrobat'), ['Anna.Nowak@example.pl']);
    assert.deepEqual(
      await collect(`profile=${acrobat.profiles['Acrobat Reader']}`),
      ['Anna.Nowak@example.pl'],
      'through the group',
    );
    assert.deepEqual(await collect('group=designers'), ['Anna.Nowak@example.pl']);
    assert.deepEqual(await collect('adminRole=system-admin'), [instance.admin.email]);
    assert.deepEqual(await collect('product=No such product'), []);
    assert.deepEqual(await collect('search=%25'), [], 'wildcards match literally');
    expectProblem(await admin.get('/api/v1/users?sort=colour'), 400, 'request.validation_failed');
    expectProblem(await admin.get('/api/v1/users?cursor=zzz'), 400, 'request.validation_failed');
  });

  test('sorts by identity type, status and creation time; a cursor of another sort is a 400', async () => {
    for (const name of ['carol', 'alice', 'bob']) {
      const added = await admin.post('/api/v1/users', { users: [{ email: `${name}@sorted.example` }] });
      assert.equal(added.status, 201, added.text);
    }
    const [bob] = (await admin.get<Page>('/api/v1/users?search=bob%40sorted')).body.items;
    const removed = await admin.post('/api/v1/users/remove', { userIds: [bob?.id] });
    assert.equal(removed.status, 200, removed.text);
    /** The users of a query, page by page (one per page), and the cursors seen. */
    const pages = async (query: string) => {
      const emails: string[] = [];
      const cursors: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; text: string; body: Page } = await admin.get<Page>(
          `/api/v1/users?${query}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.equal(page.status, 200, page.text);
        emails.push(...page.body.items.map((user) => user.email.replace('@sorted.example', '')));
        cursor = page.body.nextCursor;
        if (cursor) {
          cursors.push(cursor);
        }
      } while (cursor);
      return { emails, cursors };
    };
    const orders: [string, string[]][] = [
      ['created', ['carol', 'alice', 'bob']],
      ['-created', ['bob', 'alice', 'carol']],
      ['status', ['alice', 'carol', 'bob']],
      ['-status', ['bob', 'carol', 'alice']],
      ['identityType', ['alice', 'bob', 'carol']],
      ['-identityType', ['carol', 'bob', 'alice']],
    ];
    const cursorOf = new Map<string, string>();
    for (const [sort, expected] of orders) {
      const read = await pages(`search=sorted.example&sort=${sort}`);
      assert.deepEqual(read.emails, expected, sort);
      cursorOf.set(sort, read.cursors[0] as string);
      // Without a search the list takes the plain keyset path.
      const plain = await pages(`status=active&sort=${sort}`);
      assert.ok(plain.emails.length >= 2, sort);
      assert.deepEqual(
        plain.emails.filter((email) => !email.includes('@')),
        expected.filter((name) => name !== 'bob'),
        `${sort} without a search`,
      );
    }
    cursorOf.set('email', (await pages('search=sorted.example&sort=email')).cursors[0] as string);
    cursorOf.set('name', (await pages('search=sorted.example&sort=name')).cursors[0] as string);
    for (const [made, used] of [
      ['email', 'created'],
      ['email', 'identityType'],
      ['name', 'status'],
      ['created', '-created'],
      ['status', 'identityType'],
      ['identityType', 'email'],
    ]) {
      expectProblem(
        await admin.get(`/api/v1/users?sort=${used}&cursor=${cursorOf.get(made as string)}`),
        400,
        'request.validation_failed',
      );
    }
    const forged = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
    const id = bob?.id;
    for (const [sort, position] of [
      ['created', { s: 'created', k: ['not a time'], id }],
      ['created', { s: 'created', k: ['2026-02-30T10:00:00.000000Z'], id }],
      ['identityType', { s: 'identityType', k: ['robot', 'a@x'], id }],
      ['status', { s: 'status', k: ['active'], id }],
      ['email', { k: ['a@x'], id }],
    ] as const) {
      expectProblem(
        await admin.get(`/api/v1/users?sort=${sort}&cursor=${forged(position)}`),
        400,
        'request.validation_failed',
      );
    }
    const restored = await admin.post(`/api/v1/users/${bob?.id}/restore`);
    assert.equal(restored.status, 200, restored.text);
  });

  test('edits details, profiles and groups as full sets, recounting licenses', async () => {
    const [jan] = (await admin.get<Page>('/api/v1/users?search=jan%40example')).body.items;
    const edited = await admin.patch<Detail>(`/api/v1/users/${jan?.id}`, {
      firstName: 'Jan',
      country: 'cz',
      profiles: ['Acrobat Pro', 'Acrobat Reader'],
      groups: ['Designers'],
    });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.country, 'CZ');
    assert.equal(edited.body.profiles.length, 3);
    assert.equal(
      (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${acrobat.productId}`)).body.licensesUsed,
      2,
    );
    // A welcome e-mail names the products the edit gave, and only when it gave one.
    const welcomes = async (userId: string | undefined) =>
      (
        await instance.app.ctx.db
          .selectFrom('outbox_messages')
          .select('data')
          .where('kind', '=', 'welcome')
          .where('user_id', '=', userId ?? '')
          .execute()
      ).map((message) => message.data);
    assert.deepEqual(await welcomes(jan?.id), [{ products: ['Acrobat'] }]);
    assert.equal((await admin.patch(`/api/v1/users/${jan?.id}`, { profiles: ['Acrobat Pro'] })).status, 200);
    assert.deepEqual(await welcomes(jan?.id), [{ products: ['Acrobat'] }], 'Acrobat was held already');
    const cleared = await admin.patch<Detail>(`/api/v1/users/${jan?.id}`, { profiles: [], groups: [] });
    assert.deepEqual(cleared.body.profiles, []);
    assert.equal(
      (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${acrobat.productId}`)).body.licensesUsed,
      1,
    );
    expectProblem(
      await admin.patch(`/api/v1/users/${jan?.id}`, { email: 'jan2@example.pl' }),
      422,
      'users.email_not_changeable',
    );
    expectProblem(await admin.patch(`/api/v1/users/${jan?.id}`, { country: 'Poland' }), 400, 'users.invalid_country');
    const audit = await admin.get<{
      items: { action: string; before: Record<string, unknown>; after: Record<string, unknown> }[];
    }>(`/api/v1/audit-events?target=${jan?.id}&action=user.update`);
    // The event names what changed by id and name, so the change can be reversed.
    const designers = await instance.app.ctx.db
      .selectFrom('user_groups')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('name', '=', 'Designers')
      .executeTakeFirstOrThrow();
    assert.deepEqual(audit.body.items.at(-1)?.before, { first_name: null, country: null, profiles: [], groups: [] });
    assert.deepEqual(audit.body.items.at(-1)?.after, {
      first_name: 'Jan',
      country: 'CZ',
      profiles: [
        { id: acrobat.profiles['Acrobat Pro'], name: 'Acrobat Pro' },
        { id: acrobat.profiles['Acrobat Reader'], name: 'Acrobat Reader' },
      ],
      groups: [{ id: designers.id, name: 'Designers' }],
    });
  });

  test('remove (content kept, transferred or deleted), restore, delete permanently', async () => {
    const added = await admin.post<{ items: User[] }>('/api/v1/users', {
      users: [
        { email: 'leaver@example.pl', profiles: ['Acrobat Pro'] },
        { email: 'heir@example.pl' },
        { email: 'gone@example.pl' },
      ],
    });
    const [leaver, heir, gone] = added.body.items;
    await admin.request('PUT', `/api/v1/users/${leaver?.id}/content`, { body: { items: 10, bytes: 2048 } });
    await admin.request('PUT', `/api/v1/users/${gone?.id}/content`, { body: { items: 1, bytes: 5 } });
    const used = (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${acrobat.productId}`)).body.licensesUsed;

    expectProblem(
      await admin.post('/api/v1/users/remove', {
        userIds: [leaver?.id],
        contentAction: 'transfer-now',
        transferTo: 'nobody@example.pl',
      }),
      422,
      'users.transfer_target_invalid',
    );
    const removed = await admin.post('/api/v1/users/remove', {
      userIds: [leaver?.id],
      contentAction: 'transfer-now',
      transferTo: 'heir@example.pl',
    });
    assert.deepEqual(removed.body, { removed: 1 });
    assert.deepEqual((await admin.get<Detail>(`/api/v1/users/${heir?.id}`)).body.content, { items: 10, bytes: 2048 });
    const leaverDetail = await admin.get<Detail>(`/api/v1/users/${leaver?.id}`);
    assert.deepEqual(
      [leaverDetail.body.status, leaverDetail.body.profiles, leaverDetail.body.content],
      ['removed', [], { items: 0, bytes: 0 }],
    );
    assert.equal(
      (await admin.get<{ licensesUsed: number }>(`/api/v1/products/${acrobat.productId}`)).body.licensesUsed,
      used - 1,
    );

    await admin.post('/api/v1/users/remove', { userIds: [gone?.id] });
    const inactive = await admin.get<Page>('/api/v1/users?status=removed&contentPending=true');
    assert.deepEqual(
      inactive.body.items.map((user) => user.email),
      ['gone@example.pl'],
    );
    expectProblem(await admin.post('/api/v1/users/remove', { userIds: [gone?.id] }), 409, 'users.already_removed');

    assert.equal((await admin.post(`/api/v1/users/${leaver?.id}/restore`)).status, 200);
    expectProblem(await admin.post(`/api/v1/users/${leaver?.id}/restore`), 409, 'users.not_removed');
    expectProblem(await admin.delete(`/api/v1/users/${leaver?.id}`), 409, 'users.not_removed');

    assert.equal((await admin.delete(`/api/v1/users/${gone?.id}`)).status, 204);
    expectProblem(await admin.get(`/api/v1/users/${gone?.id}`), 404, 'request.not_found');
    const trail = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['target_label'])
      .where('action', '=', 'user.delete')
      .execute();
    assert.deepEqual(trail, [{ target_label: null }], 'the audit log keeps only the id');
    const leftovers = await instance.app.ctx.db
      .selectFrom('user_content')
      .select('user_id')
      .where('user_id', '=', gone?.id ?? '')
      .execute();
    assert.deepEqual(leftovers, []);
  });

  test('admin rights: grant with scope, revoke, never the last system admin', async () => {
    const [heir] = (await admin.get<Page>('/api/v1/users?search=heir%40')).body.items;
    const granted = await admin.post<Detail>(`/api/v1/users/${heir?.id}/admin-roles`, {
      role: 'product-admin',
      scopeId: acrobat.productId,
    });
    assert.deepEqual(granted.body.adminRoles, [
      { role: 'product-admin', scope: { type: 'product', id: acrobat.productId, name: 'Acrobat' } },
    ]);
    const assignment = await instance.app.ctx.db
      .selectFrom('admin_role_assignments')
      .select('id')
      .where('user_id', '=', heir?.id ?? '')
      .executeTakeFirstOrThrow();
    expectProblem(
      await admin.post(`/api/v1/users/${heir?.id}/admin-roles`, { role: 'product-admin' }),
      400,
      'admin_roles.scope_required',
    );
    expectProblem(
      await admin.post(`/api/v1/users/${heir?.id}/admin-roles`, { role: 'product-admin', scopeId: acrobat.productId }),
      409,
      'admin_roles.already_held',
    );
    const revoked = await admin.request<Detail>('DELETE', `/api/v1/users/${heir?.id}/admin-roles`, {
      body: { role: 'product-admin', scopeId: acrobat.productId },
    });
    assert.deepEqual(revoked.body.adminRoles, []);
    // Both events name the assignment by id, with its scope's id and name.
    const roleEvents = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'before', 'after'])
      .where('target_id', '=', heir?.id ?? '')
      .where('action', 'in', ['admin_role.assign', 'admin_role.revoke'])
      .orderBy('id')
      .execute();
    const role = {
      id: assignment.id,
      role: 'product-admin',
      scope: { type: 'product', id: acrobat.productId, name: 'Acrobat' },
    };
    assert.deepEqual(
      roleEvents.map((event) => [event.action, event.before, event.after]),
      [
        ['admin_role.assign', null, role],
        ['admin_role.revoke', role, null],
      ],
    );
    const me = (await admin.get<Page>(`/api/v1/users?search=${encodeURIComponent(instance.admin.email)}`)).body
      .items[0];
    expectProblem(
      await admin.request('DELETE', `/api/v1/users/${me?.id}/admin-roles`, { body: { role: 'system-admin' } }),
      422,
      'users.last_system_admin',
    );
    expectProblem(await admin.post('/api/v1/users/remove', { userIds: [me?.id] }), 422, 'users.last_system_admin');
    const welcome = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('to_address')
      .where('kind', '=', 'welcome')
      .where('to_address', '=', 'heir@example.pl')
      .execute();
    assert.equal(welcome.length, 1);
  });

  test('scopes: a profile admin assigns only their profile and cannot edit details or add users', async () => {
    const profileAdmin = await createAdmin(instance, instance.organizationId, 'profile-admin', {
      profileId: acrobat.profiles['Acrobat Pro'],
    });
    const pa = await instance.signIn(profileAdmin.email);
    const [heir] = (await pa.get<Page>('/api/v1/users?search=heir%40')).body.items;
    const ok = await pa.patch<Detail>(`/api/v1/users/${heir?.id}`, { profiles: ['Acrobat Pro'] });
    assert.equal(ok.status, 200, ok.text);
    expectProblem(
      await pa.patch(`/api/v1/users/${heir?.id}`, { profiles: ['Acrobat Pro', 'Acrobat Reader'] }),
      403,
      'auth.forbidden',
    );
    expectProblem(await pa.patch(`/api/v1/users/${heir?.id}`, { firstName: 'Changed' }), 403, 'auth.forbidden');
    expectProblem(await pa.post('/api/v1/users', { users: [{ email: 'pa-made@example.pl' }] }), 403, 'auth.forbidden');
    const detail = await admin.get<Detail>(`/api/v1/users/${heir?.id}`);
    assert.deepEqual(
      detail.body.profiles.map((profile) => profile.name),
      ['Acrobat Pro'],
    );
  });

  test("another organization's users are invisible and untouchable", async () => {
    const other = await createOrganization(instance, 'Other Users Inc');
    const b = await instance.signIn(other.email);
    const theirs = await b.post<{ items: User[] }>('/api/v1/users', { users: [{ email: 'anna.nowak@example.pl' }] });
    assert.equal(theirs.status, 201, 'the same e-mail may be a user of another organization');
    const id = theirs.body.items[0]?.id;
    expectProblem(await admin.get(`/api/v1/users/${id}`), 404, 'request.not_found');
    expectProblem(await admin.patch(`/api/v1/users/${id}`, { firstName: 'x' }), 404, 'request.not_found');
    expectProblem(await admin.post('/api/v1/users/remove', { userIds: [id] }), 404, 'request.not_found');
    expectProblem(await admin.delete(`/api/v1/users/${id}`), 404, 'request.not_found');
    const mine = await admin.get<Page>('/api/v1/users?limit=500');
    assert.ok(!mine.body.items.some((user) => user.id === id));
  });
});
