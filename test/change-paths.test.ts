/**
 * One change engine, three paths: the same changes made through the REST API, CSV bulk files and
 * SCIM, each in a fresh organization, end in the same state, the same audit events and the same
 * e-mails; and the rules hold on each path (a removed user joins no group; a product admin cannot
 * spend another product's seats through a group).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findDeletedGroupMemberIds } from '../src/groups/groups.deletions.ts';
import { runBulk } from './support/bulk.ts';
import { createProductWithProfiles } from './support/catalog.ts';
import { Client } from './support/client.ts';
import { ADMIN_PASSWORD, createOrganization, startTestInstance, type TestInstance } from './support/instance.ts';
import { ScimClient, scimUser } from './support/scim.ts';

type Path = 'rest' | 'csv' | 'scim';
const PATHS: Path[] = ['rest', 'csv', 'scim'];
const ANNA = 'anna@paths.example';
const BOB = 'bob@paths.example';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** One fresh organization and the clients each path uses in it. */
interface Org {
  path: Path;
  organizationId: string;
  admin: Client;
  scim: ScimClient;
  /** An API token of a product admin scoped to Photoshop: REST, CSV and SCIM alike. */
  photoshopAdmin: Client;
  photoshopScim: ScimClient;
  designersId: string;
  bobId: string;
  /** The last audit event of the set-up: what the paths do comes after it. */
  setupAuditId: number;
}

/** A change, as each path makes it. */
interface Step {
  rest(org: Org, userId: string): Promise<void>;
  csv(org: Org, userId: string): Promise<void>;
  scim(org: Org, userId: string): Promise<void>;
}

describe('change paths: REST, CSV and SCIM reach the same state, audit events and e-mails', () => {
  let instance: TestInstance;
  const orgs: Org[] = [];

  const ok = (response: { status: number; text: string }, status = 200) =>
    assert.equal(response.status, status, response.text);

  const csv = async (org: Org, fields: { type: string; groupId?: string }, file: string, client = org.admin) => {
    const result = await runBulk(client, fields, file);
    return result.rows;
  };

  before(async () => {
    instance = await startTestInstance();
    for (const path of PATHS) {
      const created = await createOrganization(instance, `Paths ${path}`);
      const admin = await instance.signIn(created.email);
      const acrobat = await createProductWithProfiles(admin, 'Acrobat', 10, ['Acrobat Pro']);
      const photoshop = await createProductWithProfiles(admin, 'Photoshop', 10, ['Photoshop Std']);
      const designers = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Designers' });
      ok(designers, 201);
      ok(
        await admin.post(`/api/v1/groups/${designers.body.id}/profiles`, {
          profileIds: [acrobat.profiles['Acrobat Pro']],
        }),
      );
      const bob = await admin.post<{ items: { id: string }[] }>('/api/v1/users', { users: [{ email: BOB }] });
      ok(bob, 201);
      const scimToken = await admin.post<{ token: string }>('/api/v1/scim/tokens', {
        name: 'Directory',
        password: ADMIN_PASSWORD,
      });
      ok(scimToken, 201);
      const productToken = await admin.post<{ token: string }>('/api/v1/api-tokens', {
        name: 'Photoshop robot',
        role: 'product-admin',
        scope: [photoshop.productId],
      });
      ok(productToken, 201);
      const last = await instance.app.ctx.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.max('id').as('id'))
        .where('organization_id', '=', created.organizationId)
        .executeTakeFirstOrThrow();
      orgs.push({
        path,
        organizationId: created.organizationId,
        admin,
        scim: new ScimClient(instance.baseUrl, scimToken.body.token),
        photoshopAdmin: new Client(instance.baseUrl, productToken.body.token),
        photoshopScim: new ScimClient(instance.baseUrl, productToken.body.token),
        designersId: designers.body.id,
        bobId: bob.body.items[0]?.id ?? '',
        setupAuditId: Number(last.id),
      });
    }
  });
  after(() => instance.close());

  const userIdOf = async (org: Org, email: string) =>
    (
      await instance.app.ctx.db
        .selectFrom('users')
        .select('id')
        .where('organization_id', '=', org.organizationId)
        .where('email', '=', email)
        .executeTakeFirst()
    )?.id ?? '';

  const waitForWelcome = async (org: Org, email: string) => {
    for (let waited = 0; waited < 60_000; waited += 100) {
      const welcome = await instance.app.ctx.db
        .selectFrom('outbox_messages')
        .select('id')
        .where('organization_id', '=', org.organizationId)
        .where('to_address', '=', email)
        .where('kind', '=', 'welcome')
        .executeTakeFirst();
      if (welcome) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`${org.path}: no welcome e-mail for ${email} after a minute`);
  };

  /** The user as the REST API shows it, without what differs by nature (ids, times, versions). */
  const stateOf = async (org: Org, email: string) => {
    const id = await userIdOf(org, email);
    const detail = await org.admin.get<{
      email: string;
      firstName: string | null;
      lastName: string | null;
      status: string;
      products: string[];
      groups: { name: string }[];
      profiles: { name: string; via: string }[];
    }>(`/api/v1/users/${id}`);
    ok(detail);
    const designers = await org.admin.get<{ membersCount: number }>(`/api/v1/groups/${org.designersId}`);
    const acrobat = await org.admin.get<{ items: { name: string; licensesUsed: number }[] }>('/api/v1/products');
    return {
      email: detail.body.email,
      firstName: detail.body.firstName,
      lastName: detail.body.lastName,
      status: detail.body.status,
      products: detail.body.products,
      groups: detail.body.groups.map((group) => group.name),
      profiles: detail.body.profiles.map((profile) => `${profile.name} via ${profile.via}`),
      designersMembers: designers.body.membersCount,
      licensesUsed: acrobat.body.items.map((product) => `${product.name}: ${product.licensesUsed}`).sort(),
    };
  };

  /** Runs one step on every path, then finds the same state of Anna in the three organizations. */
  const each = async (step: Step) => {
    for (const org of orgs) {
      await step[org.path](org, await userIdOf(org, ANNA));
    }
    const states = await Promise.all(orgs.map((org) => stateOf(org, ANNA)));
    for (const [index, state] of states.entries()) {
      assert.deepEqual(state, states[0], `${orgs[index]?.path} differs from ${orgs[0]?.path}`);
    }
    return states[0];
  };

  test('create a user, add to a group carrying a profile, change details, remove: same state on each path', async () => {
    const created = await each({
      rest: async (org) =>
        ok(
          await org.admin.post('/api/v1/users', { users: [{ email: ANNA, firstName: 'Anna', lastName: 'Nowak' }] }),
          201,
        ),
      csv: async (org) => {
        const rows = await csv(org, { type: 'add-users' }, `Email,First Name,Last Name\n${ANNA},Anna,Nowak\n`);
        assert.equal(rows[0]?.status, 'succeeded', rows[0]?.message ?? '');
      },
      scim: async (org) =>
        ok(await org.scim.post('/Users', scimUser(ANNA, { name: { givenName: 'Anna', familyName: 'Nowak' } })), 201),
    });
    assert.deepEqual([created?.status, created?.products, created?.groups], ['active', [], []]);

    const joined = await each({
      rest: async (org, id) => ok(await org.admin.post(`/api/v1/groups/${org.designersId}/members`, { userIds: [id] })),
      csv: async (org) => {
        const rows = await csv(org, { type: 'add-group-members', groupId: org.designersId }, `Email\n${ANNA}\n`);
        assert.equal(rows[0]?.status, 'succeeded', rows[0]?.message ?? '');
      },
      scim: async (org, id) =>
        ok(
          await org.scim.patch(`/Groups/${org.designersId}`, [{ op: 'add', path: 'members', value: [{ value: id }] }]),
        ),
    });
    // A group's welcome e-mails are written by a job after the grant commits (a group may be huge):
    // wait for them, so the removal below does not overtake them on one path and not another.
    for (const org of orgs) {
      await waitForWelcome(org, ANNA);
    }
    assert.deepEqual(
      [joined?.products, joined?.groups, joined?.profiles, joined?.designersMembers],
      [['Acrobat'], ['Designers'], ['Acrobat Pro via Designers'], 1],
    );

    const edited = await each({
      rest: async (org, id) => ok(await org.admin.patch(`/api/v1/users/${id}`, { lastName: 'Kowalska' })),
      csv: async (org) => {
        const rows = await csv(org, { type: 'edit-users' }, `Email,Last Name\n${ANNA},Kowalska\n`);
        assert.equal(rows[0]?.status, 'succeeded', rows[0]?.message ?? '');
      },
      scim: async (org, id) =>
        ok(await org.scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'name.familyName', value: 'Kowalska' }])),
    });
    assert.deepEqual([edited?.firstName, edited?.lastName, edited?.groups], ['Anna', 'Kowalska', ['Designers']]);

    const removed = await each({
      rest: async (org, id) => ok(await org.admin.post('/api/v1/users/remove', { userIds: [id] })),
      csv: async (org) => {
        const rows = await csv(org, { type: 'remove-users' }, `Email\n${ANNA}\n`);
        assert.equal(rows[0]?.status, 'succeeded', rows[0]?.message ?? '');
      },
      scim: async (org, id) =>
        ok(await org.scim.patch(`/Users/${id}`, [{ op: 'replace', path: 'active', value: false }])),
    });
    assert.deepEqual(
      [removed?.status, removed?.products, removed?.groups, removed?.profiles, removed?.designersMembers],
      ['removed', [], [], [], 0],
    );
  });

  test('the same audit events and the same e-mails on each path', async () => {
    const audits = [];
    const mails = [];
    for (const org of orgs) {
      const events = await instance.app.ctx.db
        .selectFrom('audit_events')
        .select(['action', 'target_type', 'target_label', 'before', 'after'])
        .where('organization_id', '=', org.organizationId)
        .where('id', '>', org.setupAuditId)
        .where('target_type', 'in', ['user', 'group'])
        .orderBy('id')
        .execute();
      // Ids differ between organizations by nature; everything else of the events must not.
      const anonymous = (value: unknown) => JSON.stringify(value ?? null).replace(UUID, '<id>');
      audits.push(
        events.map(
          (event) =>
            `${event.action} ${event.target_type}:${event.target_label} ${anonymous(event.before)} → ${anonymous(event.after)}`,
        ),
      );
      const outbox = await instance.app.ctx.db
        .selectFrom('outbox_messages')
        .select(['kind', 'to_address', 'data'])
        .where('organization_id', '=', org.organizationId)
        .where('to_address', 'in', [ANNA, BOB])
        .orderBy('id')
        .execute();
      mails.push(outbox.map((message) => `${message.kind} to ${message.to_address}: ${JSON.stringify(message.data)}`));
    }
    for (const [index, path] of PATHS.entries()) {
      assert.deepEqual(audits[index], audits[0], `audit events of ${path} differ from rest`);
      assert.deepEqual(mails[index], mails[0], `e-mails of ${path} differ from rest`);
    }
    assert.deepEqual(
      audits[0]?.map((line) => line.split(' ').slice(0, 2).join(' ')),
      [
        `user.create user:${ANNA}`,
        'group.members_add group:Designers',
        `user.update user:${ANNA}`,
        `user.remove user:${ANNA}`,
      ],
    );
    assert.deepEqual(
      mails[0]?.map((line) => line.split(':')[0]),
      [`welcome to ${ANNA}`],
      'joining a group carrying Acrobat Pro welcomes Anna to Acrobat, once',
    );
  });

  test('a removed user is refused joining a group on each path', async () => {
    for (const org of orgs) {
      const id = await userIdOf(org, ANNA);
      if (org.path === 'rest') {
        const refused = await org.admin.post(`/api/v1/groups/${org.designersId}/members`, { userIds: [id] });
        assert.equal(refused.status, 422, refused.text);
      } else if (org.path === 'csv') {
        const rows = await csv(org, { type: 'add-group-members', groupId: org.designersId }, `Email\n${ANNA}\n`);
        assert.equal(rows[0]?.status, 'failed', rows[0]?.message ?? '');
      } else {
        const refused = await org.scim.patch(`/Groups/${org.designersId}`, [
          { op: 'add', path: 'members', value: [{ value: id }] },
        ]);
        assert.ok(refused.status >= 400 && refused.status < 500, refused.text);
      }
      assert.equal((await stateOf(org, ANNA)).designersMembers, 0, `${org.path}: Anna stays out of Designers`);
    }
  });

  test("a product admin of Photoshop cannot add users to a group carrying Acrobat's profile, on each path", async () => {
    for (const org of orgs) {
      if (org.path === 'rest') {
        const refused = await org.photoshopAdmin.post(`/api/v1/groups/${org.designersId}/members`, {
          userIds: [org.bobId],
        });
        assert.equal(refused.status, 403, refused.text);
        assert.match(refused.text, /Acrobat/);
      } else if (org.path === 'csv') {
        const rows = await csv(
          org,
          { type: 'add-group-members', groupId: org.designersId },
          `Email\n${BOB}\n`,
          org.photoshopAdmin,
        );
        assert.equal(rows[0]?.status, 'failed', rows[0]?.message ?? '');
        assert.match(rows[0]?.message ?? '', /Acrobat/);
      } else {
        const refused = await org.photoshopScim.patch(`/Groups/${org.designersId}`, [
          { op: 'add', path: 'members', value: [{ value: org.bobId }] },
        ]);
        assert.equal(refused.status, 403, refused.text);
      }
      const bob = await org.admin.get<{ groups: unknown[]; products: string[] }>(`/api/v1/users/${org.bobId}`);
      assert.deepEqual([bob.body.groups, bob.body.products], [[], []], `${org.path}: Bob got nothing`);
    }
  });

  test('each path records who manages the user, and the API shows it', async () => {
    const expected: Record<Path, { type: string; name: string | null }> = {
      rest: { type: 'console', name: null },
      csv: { type: 'bulk', name: null },
      scim: { type: 'scim', name: 'Directory' },
    };
    for (const org of orgs) {
      const id = await userIdOf(org, ANNA);
      const detail = await org.admin.get<{ managedBy: { type: string; id: string | null; name: string | null } }>(
        `/api/v1/users/${id}`,
      );
      assert.deepEqual(
        { type: detail.body.managedBy.type, name: detail.body.managedBy.name },
        expected[org.path],
        org.path,
      );
      assert.equal(detail.body.managedBy.id === null, org.path === 'rest', `${org.path}: the source's id`);
      const group = await org.admin.get<{ managedBy: { type: string } }>(`/api/v1/groups/${org.designersId}`);
      assert.equal(group.body.managedBy.type, 'console');
    }
  });

  test('a SCIM connection replaces only the members it manages and removes only its own users and groups', async () => {
    const org = orgs.find((candidate) => candidate.path === 'scim') as Org;
    const bobJoined = await org.admin.post(`/api/v1/groups/${org.designersId}/members`, { userIds: [org.bobId] });
    ok(bobJoined);
    const carol = await org.scim.post<{ id: string }>('/Users', scimUser('carol@paths.example'));
    ok(carol, 201);
    ok(
      await org.scim.patch(`/Groups/${org.designersId}`, [
        { op: 'add', path: 'members', value: [{ value: carol.body.id }] },
      ]),
    );
    const membership = await instance.app.ctx.db
      .selectFrom('group_members')
      .select(['user_id', 'source_type'])
      .where('organization_id', '=', org.organizationId)
      .where('group_id', '=', org.designersId)
      .orderBy('source_type')
      .execute();
    assert.deepEqual(
      membership.map((row) => [row.user_id, row.source_type]),
      [
        [org.bobId, 'console'],
        [carol.body.id, 'scim'],
      ],
    );
    // The directory says the group has no members: only what the connection added goes.
    ok(await org.scim.patch(`/Groups/${org.designersId}`, [{ op: 'replace', path: 'members', value: [] }]));
    const left = await instance.app.ctx.db
      .selectFrom('group_members')
      .select('user_id')
      .where('organization_id', '=', org.organizationId)
      .where('group_id', '=', org.designersId)
      .execute();
    assert.deepEqual(
      left.map((row) => row.user_id),
      [org.bobId],
    );
    // Deprovisioning a user the console made is refused; the connection's own user is removed.
    const refused = await org.scim.patch(`/Users/${org.bobId}`, [{ op: 'replace', path: 'active', value: false }]);
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.text, /managed by the console/);
    ok(await org.scim.patch(`/Users/${carol.body.id}`, [{ op: 'replace', path: 'active', value: false }]));
    const statuses = await instance.app.ctx.db
      .selectFrom('users')
      .select(['email', 'status'])
      .where('organization_id', '=', org.organizationId)
      .where('email', 'in', [BOB, 'carol@paths.example'])
      .orderBy('email')
      .execute();
    assert.deepEqual(
      statuses.map((row) => `${row.email} ${row.status}`),
      [`${BOB} active`, 'carol@paths.example removed'],
    );
    // Groups alike: the console's group stays, the connection's own group can be deleted.
    const refusedGroup = await org.scim.delete(`/Groups/${org.designersId}`);
    assert.equal(refusedGroup.status, 409, refusedGroup.text);
    assert.match(refusedGroup.text, /managed by the console/);
    const own = await org.scim.post<{ id: string }>('/Groups', { displayName: 'Synced team' });
    ok(own, 201);
    assert.equal((await org.scim.delete(`/Groups/${own.body.id}`)).status, 204);
    const groups = await org.admin.get<{ items: { name: string }[] }>('/api/v1/groups');
    assert.deepEqual(
      groups.body.items.map((group) => group.name),
      ['Designers'],
    );
  });

  test('deleting a group keeps its members once and leaves the same trace through REST and SCIM (CSV has no group deletion)', async () => {
    const traces = [];
    for (const org of orgs.filter((candidate) => candidate.path !== 'csv')) {
      let groupId: string;
      if (org.path === 'scim') {
        const created = await org.scim.post<{ id: string }>('/Groups', {
          displayName: 'Leaving',
          members: [{ value: org.bobId }],
        });
        ok(created, 201);
        groupId = created.body.id;
      } else {
        const created = await org.admin.post<{ id: string }>('/api/v1/groups', { name: 'Leaving' });
        ok(created, 201);
        groupId = created.body.id;
        ok(await org.admin.post(`/api/v1/groups/${groupId}/members`, { userIds: [org.bobId] }));
      }
      const deleted =
        org.path === 'scim'
          ? await org.scim.delete(`/Groups/${groupId}`)
          : await org.admin.delete(`/api/v1/groups/${groupId}`);
      assert.equal(deleted.status, 204, deleted.text);
      const events = await instance.app.ctx.db
        .selectFrom('audit_events')
        .select(['action', 'before'])
        .where('organization_id', '=', org.organizationId)
        .where('target_id', '=', groupId)
        .where('action', 'like', 'group.delete%')
        .execute();
      const bob = await org.admin.get<{ groups: { name: string }[] }>(`/api/v1/users/${org.bobId}`);
      traces.push({
        kept: await findDeletedGroupMemberIds(instance.app.ctx.db, org.organizationId, groupId),
        events: events.map((event) => [event.action, (event.before as { membersCount?: number }).membersCount]),
        bobStillIn: bob.body.groups.some((group) => group.name === 'Leaving'),
        bobId: org.bobId,
      });
    }
    for (const trace of traces) {
      assert.deepEqual(trace, {
        kept: [trace.bobId],
        events: [['group.delete', 1]],
        bobStillIn: false,
        bobId: trace.bobId,
      });
    }
  });
});
