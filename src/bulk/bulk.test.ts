import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { type BulkOperation, type BulkRow, runBulk, upload, waitForOperation } from '../../test/support/bulk.ts';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, createOrganization, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { deleteOldOperations, runBulkOperation } from './bulk.job.ts';

interface Detail {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  status: string;
  profiles: { name: string; via: string }[];
  groups: { name: string }[];
  adminRoles: { role: string; scope: { name: string } | null }[];
}

describe('bulk CSV operations', () => {
  let instance: TestInstance;
  let admin: Client;
  let catalog: { productId: string; profiles: Record<string, string> };

  before(async () => {
    instance = await startTestInstance({ USHER_BULK_MAX_ROWS: '3000', USHER_BULK_MAX_BYTES: '200000' });
    admin = await instance.signIn();
    catalog = await createProductWithProfiles(admin, 'Acrobat', 3, ['Acrobat Std', 'Acrobat Pro']);
    await admin.post('/api/v1/groups', { name: 'Finance' });
    await admin.post('/api/v1/groups', { name: 'Legal' });
  });
  after(() => instance.close());

  const findUser = async (email: string) => {
    const list = await admin.get<{ items: { id: string; email: string }[] }>(
      `/api/v1/users?search=${encodeURIComponent(email)}`,
    );
    const found = list.body.items.find((user) => user.email.toLowerCase() === email.toLowerCase());
    return found ? (await admin.get<Detail>(`/api/v1/users/${found.id}`)).body : undefined;
  };
  const codes = (row: BulkRow | undefined) => row?.outcomes.map((outcome) => outcome.code) ?? [];

  test('a dry run reports every row and changes nothing; run for real applies the same rows', async () => {
    const file = [
      'Identity Type,Email,First Name,Last Name,Country Code,Product Configurations,User Groups',
      ',anna@bulk.example,Anna,Nowak,PL,Acrobat Std,Finance',
      ',not-an-email,Bad,Row,,,',
      ',ANNA@bulk.example,Anna,Again,,,',
      ',piotr@bulk.example,Piotr,,cz,,"Finance,Legal"',
      ',zoe@bulk.example,Zoe,,,No Such Profile,',
      ',yan@bulk.example,Yan,,,"Acrobat Std,Other Missing",',
    ].join('\r\n');
    const dry = await runBulk(admin, { type: 'add-users', dryRun: true }, file);
    assert.equal(dry.operation.status, 'completed_with_errors');
    assert.equal(dry.operation.dryRun, true);
    assert.deepEqual(
      [dry.operation.totalRows, dry.operation.processedRows, dry.operation.succeededRows, dry.operation.failedRows],
      [6, 6, 2, 4],
    );
    const [anna, bad, repeated, piotr, zoe, yan] = dry.rows;
    assert.deepEqual(codes(anna), ['bulk.would_add_user', 'bulk.would_assign_profile', 'bulk.would_add_member']);
    assert.equal(bad?.status, 'failed');
    assert.match(bad?.message ?? '', /Email/);
    assert.deepEqual(codes(repeated), ['bulk.duplicate_row']);
    assert.match(repeated?.message ?? '', /row 1/);
    assert.equal(piotr?.status, 'succeeded');
    assert.equal(zoe?.status, 'failed');
    // Each row's message names its own problem once, not those of other rows of the batch.
    assert.equal(
      zoe?.message,
      'Unknown product profile: no product profile named "No Such Profile": use a profile name (not a product name) that exists.',
    );
    assert.match(yan?.message ?? '', /^Unknown product profile: no product profile named "Other Missing"/);
    assert.doesNotMatch(yan?.message ?? '', /No Such Profile/);
    assert.equal(await findUser('anna@bulk.example'), undefined, 'a dry run adds nobody');

    const real = await admin.post<{ id: string }>(`/api/v1/bulk-operations/${dry.operation.id}/run`);
    assert.equal(real.status, 202, real.text);
    const done = await waitForOperation(admin, real.body.id);
    assert.deepEqual(
      [done.status, done.dryRun, done.succeededRows, done.failedRows],
      ['completed_with_errors', false, 2, 4],
    );
    const added = await findUser('anna@bulk.example');
    assert.deepEqual(
      [added?.firstName, added?.country, added?.profiles.map((p) => p.name), added?.groups.map((g) => g.name)],
      ['Anna', 'PL', ['Acrobat Std'], ['Finance']],
    );
    assert.equal((await findUser('piotr@bulk.example'))?.country, 'CZ');

    // Every change is audited with the operation's id; the initiator gets an e-mail.
    const audited = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'target_label'])
      .where('operation_id', '=', real.body.id)
      .execute();
    assert.deepEqual(audited.map((event) => event.target_label).sort(), ['anna@bulk.example', 'piotr@bulk.example']);
    const mail = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('kind', '=', 'bulk_finished')
      .execute();
    const finished = mail.find((message) => (message.data as { operationId: string }).operationId === real.body.id);
    assert.equal(finished?.to_address, instance.admin.email);
    assert.equal((finished?.data as { succeeded?: number } | undefined)?.succeeded, 2);

    // Results CSV: the original row plus Status and Message.
    const csv = await admin.get<string>(`/api/v1/bulk-operations/${real.body.id}/results.csv`);
    assert.equal(csv.status, 200);
    const records = parse(csv.text, { bom: true }) as string[][];
    assert.deepEqual(records[0]?.slice(-3), ['User Groups', 'Status', 'Message']);
    assert.deepEqual(records[1]?.slice(0, 3), ['', 'anna@bulk.example', 'Anna']);
    assert.equal(records[1]?.at(-2), 'Succeeded');
    assert.equal(records[2]?.at(-2), 'Failed');
    assert.equal(records.length, 7);
  });

  test('rows past the seats are not assigned and the deficit report says how many more are needed', async () => {
    const rows = ['Email,Product Configurations'];
    for (let index = 0; index < 6; index += 1) {
      rows.push(`seat${index}@bulk.example,Acrobat Pro`);
    }
    // Anna holds one of the 3 seats: 2 rows fit, 4 do not.
    const dry = await runBulk(admin, { type: 'add-users', dryRun: true }, rows.join('\n'));
    assert.deepEqual([dry.operation.succeededRows, dry.operation.failedRows], [2, 4]);
    assert.deepEqual(
      dry.operation.deficits.map((line) => [line.productName, line.seats, line.needed]),
      [['Acrobat', 3, 4]],
    );
    assert.deepEqual(codes(dry.rows[2]), ['bulk.licenses_insufficient']);
    const real = await runBulk(admin, { type: 'add-users' }, rows.join('\n'));
    assert.deepEqual([real.operation.succeededRows, real.operation.failedRows], [2, 4]);
    assert.deepEqual(
      real.operation.deficits.map((line) => [line.productName, line.seats, line.used, line.needed]),
      [['Acrobat', 3, 3, 4]],
    );
    assert.equal(await findUser('seat5@bulk.example'), undefined, 'a failed row adds nothing');
    const product = await admin.get<{ licensesUsed: number }>(`/api/v1/products/${catalog.productId}`);
    assert.equal(product.body.licensesUsed, 3);
  });

  test('the deficit report counts every failed row of a file applied in several batches at once', async () => {
    // Acrobat's 3 seats are taken (above): each of these rows needs one more.
    const rows = ['Email,Product Configurations'];
    for (let index = 0; index < 2500; index += 1) {
      rows.push(`full${index}@bulk.example,Acrobat Pro`);
    }
    const real = await runBulk(admin, { type: 'add-users' }, rows.join('\n'));
    assert.deepEqual([real.operation.succeededRows, real.operation.failedRows], [0, 2500]);
    assert.deepEqual(
      real.operation.deficits.map((line) => [line.productName, line.seats, line.used, line.needed]),
      [['Acrobat', 3, 3, 2500]],
    );
  });

  test('edit users: a present column is the full new state, an absent one is untouched, ID must match', async () => {
    const anna = await findUser('anna@bulk.example');
    const file = [
      'Email;Last Name;User Groups;ID',
      `anna@bulk.example;Kowalska;'Legal';${anna?.id}`,
      `piotr@bulk.example;;;${anna?.id}`,
      'nobody@bulk.example;X;;',
    ].join('\n');
    const result = await runBulk(admin, { type: 'edit-users' }, file);
    assert.deepEqual([result.operation.succeededRows, result.operation.failedRows], [1, 2]);
    const after = await findUser('anna@bulk.example');
    assert.deepEqual(
      [after?.firstName, after?.lastName, after?.groups.map((g) => g.name), after?.profiles.map((p) => p.name)],
      ['Anna', 'Kowalska', ['Legal'], ['Acrobat Std']],
    );
    assert.deepEqual(codes(result.rows[0]), ['bulk.updated_user', 'bulk.added_member', 'bulk.removed_member']);
    assert.deepEqual(codes(result.rows[1]), ['bulk.id_mismatch']);
    assert.deepEqual(codes(result.rows[2]), ['bulk.unknown_user']);
  });

  describe('admin columns', () => {
    const roles = async (email: string) =>
      (await findUser(email))?.adminRoles.map((grant) =>
        grant.scope ? `${grant.role}:${grant.scope.name}` : grant.role,
      );

    before(async () => {
      await createProductWithProfiles(admin, 'Photoshop', 5, ['Photoshop Team']);
      await admin.post('/api/v1/groups', { name: 'Designers' });
    });

    test('add users: a dry run says what it would grant; the real run grants scoped and unscoped roles', async () => {
      const file = [
        'Email,Admin Roles,Products Administered,Product Profiles Administered,User Groups Administered,Contracts Administered,Product Configurations',
        'boss@admins.example,"support admin,Product Admin",Photoshop,,,Adobe contract,',
        'lead@admins.example,,,,Designers,,Photoshop Team',
        'typo@admins.example,"Support Admin,Storage Admin",,,,,',
        'nope@admins.example,Product Administrator,,,,,',
        'ghost@admins.example,,"Photoshop,Fotoshop",,,,',
        'plain@admins.example,,,,,,',
      ].join('\n');
      const dry = await runBulk(admin, { type: 'add-users', dryRun: true }, file);
      assert.deepEqual(
        dry.rows.map((row) => row.status),
        ['succeeded', 'succeeded', 'failed', 'failed', 'failed', 'succeeded'],
      );
      assert.deepEqual(codes(dry.rows[0]), ['bulk.would_add_user', 'bulk.would_grant_role', 'bulk.would_grant_role']);
      assert.equal(
        dry.rows[0]?.message,
        'would add boss@admins.example; would grant Product Admin (Photoshop); would grant Support Admin',
      );
      assert.deepEqual(dry.rows[0]?.outcomes[1]?.params, { role: 'product-admin', scope: 'Photoshop' });
      // A scope column with names implies its role.
      assert.match(dry.rows[1]?.message ?? '', /would grant User Group Admin \(Designers\)/);
      assert.equal(
        dry.rows[2]?.message,
        'Admin Roles: "Storage Admin" is not an admin role. Write System Admin, Product Admin, Product Profile Admin, User Group Admin, Support Admin, Deployment Admin (any case), or leave it out.',
      );
      assert.deepEqual(codes(dry.rows[2]), ['bulk.row_invalid']);
      assert.match(
        dry.rows[3]?.message ?? '',
        /Product Admin needs the products it covers in column "Products Administered"/,
      );
      assert.match(dry.rows[4]?.message ?? '', /^Products Administered: no product named "Fotoshop"/);
      assert.deepEqual(codes(dry.rows[5]), ['bulk.would_add_user']);
      assert.equal(await findUser('boss@admins.example'), undefined, 'a dry run grants nothing');

      const real = await runBulk(admin, { type: 'add-users' }, file);
      assert.deepEqual([real.operation.succeededRows, real.operation.failedRows], [3, 3]);
      assert.deepEqual(codes(real.rows[0]), ['bulk.added_user', 'bulk.granted_role', 'bulk.granted_role']);
      assert.deepEqual(await roles('boss@admins.example'), ['product-admin:Photoshop', 'support-admin']);
      assert.deepEqual(await roles('lead@admins.example'), ['group-admin:Designers']);
      assert.deepEqual(await roles('plain@admins.example'), []);
      assert.equal(await findUser('typo@admins.example'), undefined, 'a failed row adds nobody');
      const audited = await instance.app.ctx.db
        .selectFrom('audit_events')
        .select(['action', 'target_label', 'after'])
        .where('operation_id', '=', real.operation.id)
        .where('action', '=', 'admin_role.assign')
        .orderBy('target_label')
        .execute();
      assert.deepEqual(audited.map((event) => [event.target_label, (event.after as { role: string }).role]).sort(), [
        ['boss@admins.example', 'product-admin'],
        ['boss@admins.example', 'support-admin'],
        ['lead@admins.example', 'group-admin'],
      ]);
      // One welcome e-mail per user, naming every role and product the row gave.
      const welcome = await instance.app.ctx.db
        .selectFrom('outbox_messages')
        .select(['to_address', 'data'])
        .where('kind', '=', 'welcome')
        .where('to_address', 'in', ['boss@admins.example', 'lead@admins.example'])
        .orderBy('to_address')
        .execute();
      assert.deepEqual(
        welcome.map((message) => {
          const data = message.data as { products?: string[]; adminRoles?: { role: string }[] };
          return [message.to_address, data.products ?? [], (data.adminRoles ?? []).map((grant) => grant.role).sort()];
        }),
        [
          ['boss@admins.example', [], ['product-admin', 'support-admin']],
          ['lead@admins.example', ['Photoshop'], ['group-admin']],
        ],
      );
    });

    test('edit users: present admin columns replace the roles, an empty cell clears them, absent ones keep them', async () => {
      const file = [
        'Email,Admin Roles,Products Administered',
        'boss@admins.example,System Admin,',
        'lead@admins.example,,',
        'plain@admins.example,,',
      ].join('\n');
      const result = await runBulk(admin, { type: 'edit-users' }, file);
      assert.deepEqual([result.operation.succeededRows, result.operation.failedRows], [3, 0]);
      assert.deepEqual(codes(result.rows[0]), ['bulk.granted_role', 'bulk.revoked_role', 'bulk.revoked_role']);
      assert.equal(
        result.rows[0]?.message,
        'granted System Admin; revoked Product Admin (Photoshop); revoked Support Admin',
      );
      assert.deepEqual(codes(result.rows[1]), ['bulk.revoked_role']);
      assert.deepEqual(codes(result.rows[2]), ['bulk.unchanged']);
      assert.deepEqual(await roles('boss@admins.example'), ['system-admin']);
      assert.deepEqual(await roles('lead@admins.example'), []);

      // Without admin columns the roles stay; a scope column alone replaces only its role's scopes.
      const scoped = await runBulk(
        admin,
        { type: 'edit-users' },
        ['Email,First Name,Products Administered', 'boss@admins.example,Boss,Photoshop'].join('\n'),
      );
      assert.deepEqual(codes(scoped.rows[0]), ['bulk.updated_user', 'bulk.granted_role']);
      assert.deepEqual(await roles('boss@admins.example'), ['product-admin:Photoshop', 'system-admin']);
      const revoked = await instance.app.ctx.db
        .selectFrom('audit_events')
        .select('action')
        .where('operation_id', '=', result.operation.id)
        .where('action', '=', 'admin_role.revoke')
        .execute();
      assert.equal(revoked.length, 3);
    });

    test('edit users: the last system admin keeps the role, and the row says why', async () => {
      const result = await runBulk(
        admin,
        { type: 'edit-users' },
        ['Email,Admin Roles', 'boss@admins.example,Support Admin', `${instance.admin.email},Support Admin`].join('\n'),
      );
      assert.deepEqual(
        result.rows.map((row) => row.status),
        ['succeeded', 'failed'],
      );
      assert.match(result.rows[1]?.message ?? '', /without a system admin/);
      assert.deepEqual(await roles(instance.admin.email), ['system-admin']);
      assert.deepEqual(await roles('boss@admins.example'), ['support-admin']);
    });

    test('the current-users file uploads as edit-users without changing any admin role', async () => {
      const current = await admin.get<string>('/api/v1/csv-templates/edit-users?variant=current');
      assert.equal(current.status, 200);
      const records = parse(current.text, { bom: true }) as string[][];
      const header = records[0] ?? [];
      const boss = records.find((record) => record[header.indexOf('Email')] === 'boss@admins.example');
      assert.equal(boss?.[header.indexOf('Admin Roles')], 'Support Admin');
      const dry = await runBulk(admin, { type: 'edit-users', dryRun: true }, current.text);
      assert.equal(dry.operation.failedRows, 0);
      assert.deepEqual(
        dry.rows.filter((row) => codes(row).join() !== 'bulk.unchanged').map((row) => row.message),
        [],
      );
    });

    test('an admin who may not grant admin roles: rows with admin columns fail, the others apply', async () => {
      const { email } = await createAdmin(instance, instance.organizationId, 'product-admin', {
        productId: catalog.productId,
      });
      const productAdmin = await instance.signIn(email);
      const added = await runBulk(
        productAdmin,
        { type: 'add-users' },
        [
          'Email,Admin Roles,User Groups Administered',
          'climber@admins.example,System Admin,',
          'quiet@admins.example,,',
        ].join('\n'),
      );
      assert.deepEqual(
        added.rows.map((row) => row.status),
        ['failed', 'succeeded'],
      );
      assert.deepEqual(codes(added.rows[0]), ['bulk.not_allowed']);
      assert.match(added.rows[0]?.message ?? '', /^Admin Roles: you are not allowed to grant admin roles/);
      assert.equal(await findUser('climber@admins.example'), undefined);

      const edited = await runBulk(
        productAdmin,
        { type: 'edit-users' },
        ['Email,Admin Roles', 'boss@admins.example,Support Admin', 'quiet@admins.example,System Admin'].join('\n'),
      );
      // Boss already is exactly a support admin: nothing to grant, so nothing to refuse.
      assert.deepEqual(edited.rows.map(codes), [['bulk.unchanged'], ['bulk.not_allowed']]);
      assert.deepEqual(await roles('quiet@admins.example'), []);
    });
  });

  test("a group admin adds and unassigns their own group's members by CSV, and nothing else", async () => {
    const own = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Field team' });
    const other = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Head office' });
    assert.equal(own.status, 201, own.text);
    const { email } = await createAdmin(instance, instance.organizationId, 'group-admin', { groupId: own.body.id });
    const groupAdmin = await instance.signIn(email);

    const added = await runBulk(
      groupAdmin,
      { type: 'add-group-members', groupId: own.body.id },
      'Email\nanna@bulk.example\npiotr@bulk.example\n',
    );
    assert.deepEqual([added.operation.status, added.operation.succeededRows], ['completed', 2]);
    const removed = await runBulk(
      groupAdmin,
      { type: 'remove-group-members', groupId: own.body.id },
      'Email\npiotr@bulk.example\n',
    );
    assert.deepEqual([removed.operation.status, removed.operation.succeededRows], ['completed', 1]);
    const members = await groupAdmin.get<{ items: { email: string }[] }>(`/api/v1/groups/${own.body.id}/members`);
    assert.deepEqual(
      members.body.items.map((member) => member.email),
      ['anna@bulk.example'],
    );
    const audited = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['actor_label', 'action'])
      .where('operation_id', '=', removed.operation.id)
      .execute();
    assert.deepEqual(
      audited.map((event) => [event.actor_label, event.action]),
      [[email, 'group.members_remove']],
    );

    // Another group, and every other type, are refused before anything is stored.
    expectProblem(
      await upload(groupAdmin, { type: 'add-group-members', groupId: other.body.id }, 'Email\nanna@bulk.example\n'),
      403,
      'auth.forbidden',
    );
    for (const type of ['add-users', 'edit-users', 'remove-users', 'add-groups', 'edit-groups']) {
      expectProblem(await upload(groupAdmin, { type }, 'Email\nx@bulk.example\n'), 403, 'auth.forbidden');
    }
    const theirs = await groupAdmin.get<{ items: BulkOperation[] }>('/api/v1/bulk-operations');
    assert.deepEqual(
      theirs.body.items.map((operation) => operation.id).sort(),
      [added.operation.id, removed.operation.id].sort(),
    );
    // A dry run of their group runs for real; the session says what the console may offer.
    const dry = await runBulk(
      groupAdmin,
      { type: 'remove-group-members', groupId: own.body.id, dryRun: true },
      'Email\nanna@bulk.example\n',
    );
    assert.equal(dry.operation.status, 'completed');
    const real = await groupAdmin.post<{ id: string }>(`/api/v1/bulk-operations/${dry.operation.id}/run`);
    assert.equal(real.status, 202, real.text);
    assert.equal((await waitForOperation(groupAdmin, real.body.id)).succeededRows, 1);
  });

  test('groups: add with admins and profiles, edit by name, members in and out', async () => {
    const added = await runBulk(
      admin,
      { type: 'add-groups' },
      [
        'User Group Name,Description,User Group Admins,Assigned Product Profiles',
        `Sales,Sales team,'Personal ID-piotr@bulk.example',Acrobat Std`,
        'Finance,Exists already,,',
        'Ghosts,,Personal ID-ghost@bulk.example,',
      ].join('\n'),
    );
    assert.deepEqual([added.operation.succeededRows, added.operation.failedRows], [1, 2]);
    assert.match(added.rows[1]?.message ?? '', /Finance|exists|taken/i);
    assert.match(added.rows[2]?.message ?? '', /ghost@bulk\.example/);
    const groups = await admin.get<{ items: { id: string; name: string; description: string | null }[] }>(
      '/api/v1/groups?limit=100',
    );
    const sales = groups.body.items.find((group) => group.name === 'Sales');
    assert.equal(sales?.description, 'Sales team');
    assert.equal(
      groups.body.items.some((group) => group.name === 'Ghosts'),
      false,
      'a failed row creates nothing',
    );

    const members = await runBulk(
      admin,
      { type: 'add-group-members', groupId: sales?.id ?? '' },
      'Email\nanna@bulk.example\npiotr@bulk.example\nstranger@bulk.example\n',
    );
    // Anna already holds an Acrobat license; Piotr would need a fourth of three seats.
    assert.deepEqual(members.rows.map(codes), [
      ['bulk.added_member'],
      ['bulk.licenses_insufficient'],
      ['bulk.unknown_user'],
    ]);
    assert.deepEqual(
      members.operation.deficits.map((line) => [line.productName, line.needed]),
      [['Acrobat', 1]],
    );
    const anna = await findUser('anna@bulk.example');
    assert.ok(anna?.groups.some((group) => group.name === 'Sales'));

    const edited = await runBulk(
      admin,
      { type: 'edit-groups' },
      ['User Group Name,Description,User Group Admins,Assigned Product Profiles', 'sales,,,', 'Nope,,,'].join('\n'),
    );
    assert.deepEqual([edited.operation.succeededRows, edited.operation.failedRows], [1, 1]);
    const detail = await admin.get<{ description: string | null; admins: unknown[]; profiles: unknown[] }>(
      `/api/v1/groups/${sales?.id}`,
    );
    assert.deepEqual([detail.body.description, detail.body.admins.length, detail.body.profiles.length], [null, 0, 0]);

    const removed = await runBulk(
      admin,
      { type: 'remove-group-members', groupId: sales?.id ?? '' },
      'Email\nanna@bulk.example\n',
    );
    assert.equal(removed.operation.succeededRows, 1);
    assert.equal(
      (await findUser('anna@bulk.example'))?.groups.some((group) => group.name === 'Sales'),
      false,
    );
    expectProblem(
      await upload(admin, { type: 'add-group-members' }, 'Email\na@b.example\n'),
      400,
      'bulk.group_required',
    );
  });

  test('remove users with a content action per row', async () => {
    const result = await runBulk(
      admin,
      { type: 'remove-users' },
      [
        'Email,Content Action,Transfer To',
        'seat0@bulk.example,Transfer now,anna@bulk.example',
        'seat1@bulk.example,,',
        'seat1@bulk.example,,',
        'missing@bulk.example,Delete,',
      ].join('\n'),
    );
    assert.deepEqual([result.operation.succeededRows, result.operation.failedRows], [2, 2]);
    assert.equal((await findUser('seat0@bulk.example'))?.status, 'removed');
    assert.equal((await findUser('seat1@bulk.example'))?.status, 'removed');
    assert.deepEqual(codes(result.rows[2]), ['bulk.duplicate_row']);
  });

  test('file-level errors refuse the upload with a clear problem', async () => {
    const unknown = expectProblem(
      await upload(admin, { type: 'add-users' }, 'Email,Favourite Colour\na@b.example,red\n'),
      400,
      'bulk.unknown_header',
    );
    assert.match(String(unknown.detail), /Favourite Colour/);
    expectProblem(await upload(admin, { type: 'nonsense' }, 'Email\n'), 400, 'bulk.type_required');
    const many = ['Email', ...Array.from({ length: 3001 }, (_, index) => `many${index}@bulk.example`)].join('\n');
    expectProblem(await upload(admin, { type: 'add-users' }, many), 413, 'bulk.too_many_rows');
    const big = `Email,First Name\n${'big@bulk.example,'.padEnd(210_000, 'x')}\n`;
    expectProblem(await upload(admin, { type: 'add-users' }, big), 413, 'bulk.file_too_large');
    const list = await admin.get<{ items: BulkOperation[] }>('/api/v1/bulk-operations?limit=100');
    assert.ok(
      list.body.items.every((operation) => operation.totalRows <= 3000),
      'refused files leave no operation',
    );
  });

  test('a large file is processed in batches by concurrent workers without applying a row twice', async () => {
    const rows = ['Email,First Name'];
    for (let index = 0; index < 2500; index += 1) {
      rows.push(`batch${index}@bulk.example,Batch ${index}`);
    }
    const created = await upload(admin, { type: 'add-users' }, rows.join('\n'));
    assert.equal(created.status, 202, created.text);
    // Two more processors race the queue's worker for the same operation.
    await Promise.all([
      runBulkOperation(instance.app.ctx, created.body.id),
      runBulkOperation(instance.app.ctx, created.body.id),
    ]);
    const done = await waitForOperation(admin, created.body.id);
    assert.deepEqual(
      [done.status, done.processedRows, done.succeededRows, done.failedRows],
      ['completed', 2500, 2500, 0],
    );
    const counted = await instance.app.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('email', 'like', 'batch%@bulk.example')
      .executeTakeFirstOrThrow();
    assert.equal(Number(counted.count), 2500);
    const audited = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('operation_id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(audited.count), 2500);
  });

  test('cancelling skips the rows not yet applied and tells the initiator', async () => {
    const rows = ['Email,First Name'];
    for (let index = 0; index < 2500; index += 1) {
      rows.push(`cancel${index}@bulk.example,Cancel ${index}`);
    }
    const created = await upload(admin, { type: 'add-users' }, rows.join('\n'));
    assert.equal(created.status, 202, created.text);
    // Queued or already running: either way it stops after the batch in hand, if any.
    const cancelling = await admin.post<BulkOperation>(`/api/v1/bulk-operations/${created.body.id}/cancel`);
    assert.equal(cancelling.status, 200, cancelling.text);
    const done = await waitForOperation(admin, created.body.id);
    assert.equal(done.status, 'cancelled');
    assert.equal(done.processedRows, 2500);
    assert.ok(done.succeededRows < 2500, `${done.succeededRows} rows applied after the cancel`);
    const skipped = await instance.app.ctx.db
      .selectFrom('bulk_operation_rows')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('operation_id', '=', created.body.id)
      .where('status', '=', 'skipped')
      .executeTakeFirstOrThrow();
    assert.equal(Number(skipped.count), 2500 - done.succeededRows);
    assert.equal(done.skippedRows, 2500 - done.succeededRows, 'the skipped rows are counted, not as failed');
    assert.equal(done.failedRows, 0);
    const added = await instance.app.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('email', 'like', 'cancel%@bulk.example')
      .executeTakeFirstOrThrow();
    assert.equal(Number(added.count), done.succeededRows);
    const mail = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('kind', '=', 'bulk_finished')
      .execute();
    const told = mail.filter((message) => (message.data as { operationId: string }).operationId === created.body.id);
    assert.equal(told.length, 1);
    assert.equal(told[0]?.to_address, instance.admin.email);
    assert.equal((told[0]?.data as { status?: string } | undefined)?.status, 'cancelled');
  });

  test('visibility, cancel, remove, clear and the 90-day clean-up', async () => {
    const { email } = await createAdmin(instance, instance.organizationId, 'product-admin', {
      productId: catalog.productId,
    });
    const productAdmin = await instance.signIn(email);
    const own = await runBulk(productAdmin, { type: 'add-users', dryRun: true }, 'Email\npa@bulk.example\n');
    assert.equal(own.operation.status, 'completed');
    const theirs = await productAdmin.get<{ items: BulkOperation[] }>('/api/v1/bulk-operations');
    assert.deepEqual(
      theirs.body.items.map((operation) => operation.id),
      [own.operation.id],
    );
    const all = await admin.get<{ items: BulkOperation[] }>('/api/v1/bulk-operations?limit=100');
    const adminOperation = all.body.items.find((operation) => operation.initiatedBy.label === instance.admin.email);
    expectProblem(await productAdmin.get(`/api/v1/bulk-operations/${adminOperation?.id}`), 404, 'request.not_found');
    expectProblem(
      await productAdmin.request('POST', '/api/v1/bulk-operations/x/cancel'),
      400,
      'request.validation_failed',
    );
    expectProblem(await upload(productAdmin, { type: 'add-groups' }, 'User Group Name\nX\n'), 403, 'auth.forbidden');

    // Another organization sees none of it.
    const other = await createOrganization(instance, 'Other Org');
    const stranger = await instance.signIn(other.email);
    expectProblem(await stranger.get(`/api/v1/bulk-operations/${own.operation.id}`), 404, 'request.not_found');

    expectProblem(await admin.post(`/api/v1/bulk-operations/${own.operation.id}/cancel`), 409, 'bulk.already_finished');
    assert.equal((await admin.delete(`/api/v1/bulk-operations/${own.operation.id}`)).status, 204);
    expectProblem(await admin.get(`/api/v1/bulk-operations/${own.operation.id}`), 404, 'request.not_found');

    await instance.app.ctx.db
      .updateTable('bulk_operations')
      .set({ finished_at: new Date(Date.now() - 91 * 86_400_000) })
      .where('organization_id', '=', instance.organizationId)
      .where('type', '=', 'remove-users')
      .execute();
    assert.equal(await deleteOldOperations(instance.app.ctx.db, 90), 1);

    assert.equal((await admin.delete('/api/v1/bulk-operations')).status, 204);
    const cleared = await admin.get<{ items: BulkOperation[] }>('/api/v1/bulk-operations');
    assert.deepEqual(cleared.body.items, []);
  });

  test('an upload whose rows are still being stored is shown nowhere, and one cut off is swept after an hour', async () => {
    const db = instance.app.ctx.db;
    const initiator = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', instance.admin.email)
      .executeTakeFirstOrThrow();
    const receiving = async (createdAt: Date) => {
      const operation = await db
        .insertInto('bulk_operations')
        .values({
          organization_id: instance.organizationId,
          type: 'add-users',
          file_name: 'cut-off.csv',
          status: 'receiving',
          initiator_type: 'user',
          initiator_id: initiator.id,
          initiator_label: instance.admin.email,
          header: ['Email'],
          created_at: createdAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('bulk_operation_rows')
        .values({
          organization_id: instance.organizationId,
          operation_id: operation.id,
          row_number: 2,
          cells: ['cut@bulk.example'],
          key: 'cut@bulk.example',
        })
        .execute();
      return operation.id;
    };
    const stale = await receiving(new Date(Date.now() - 2 * 3_600_000));
    const fresh = await receiving(new Date());
    const listed = await admin.get<{ items: BulkOperation[] }>('/api/v1/bulk-operations?limit=100');
    assert.deepEqual(
      listed.body.items.filter((operation) => operation.id === stale || operation.id === fresh),
      [],
    );
    expectProblem(await admin.get(`/api/v1/bulk-operations/${fresh}`), 404, 'request.not_found');
    expectProblem(await admin.get(`/api/v1/bulk-operations/${fresh}/rows`), 404, 'request.not_found');
    expectProblem(await admin.post(`/api/v1/bulk-operations/${fresh}/cancel`), 404, 'request.not_found');

    assert.equal(await deleteOldOperations(db, 90), 1);
    const left = await db.selectFrom('bulk_operations').select('id').where('id', 'in', [stale, fresh]).execute();
    assert.deepEqual(
      left.map((row) => row.id),
      [fresh],
    );
    const staleRows = await db
      .selectFrom('bulk_operation_rows')
      .select('row_number')
      .where('operation_id', '=', stale)
      .execute();
    assert.equal(staleRows.length, 0);
    await db.deleteFrom('bulk_operations').where('id', '=', fresh).execute();
  });

  test('an upload refused after its first rows were stored leaves no operation behind', async () => {
    // Over the hold-back of 50,000 rows, rows are stored as they are read; the row limit, raised
    // past it, refuses the file at row N+1 and the half-stored operation is deleted with its rows.
    const limits = instance.app.ctx.config.bulk as { maxRows: number };
    const saved = limits.maxRows;
    limits.maxRows = 50_010;
    const counts = async () => {
      const db = instance.app.ctx.db;
      const operations = await db
        .selectFrom('bulk_operations')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      const rows = await db
        .selectFrom('bulk_operation_rows')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return [Number(operations.n), Number(rows.n)];
    };
    try {
      // Two bytes a row keeps the file under this instance's byte limit; each row is invalid, which
      // fails the row, not the file.
      const before = await counts();
      expectProblem(
        await upload(admin, { type: 'add-users', dryRun: true }, `Email\n${'x\n'.repeat(50_020)}`),
        413,
        'bulk.too_many_rows',
      );
      assert.deepEqual(await counts(), before);
    } finally {
      limits.maxRows = saved;
    }
  });
});
