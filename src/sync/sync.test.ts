import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem, type TestResponse } from '../../test/support/client.ts';
import { ADMIN_PASSWORD, createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import {
  groupDn,
  LDAP_ROOT_DN,
  LDAP_ROOT_PASSWORD,
  LDAP_SUFFIX,
  personDn,
  personLdif,
  seedLdif,
  startSlapd,
  type TestSlapd,
} from '../../test/support/slapd.ts';
import { queueDueSyncRuns, scheduleSyncJob } from './sync.job.ts';

/** Awaits a call and checks its problem answer. */
async function problem(call: Promise<TestResponse>, status: number, code: string) {
  return expectProblem(await call, status, code) as { errors?: { field: string; message: string }[] };
}

interface Run {
  id: string;
  status: string;
  dryRun: boolean;
  found: number;
  inScope: number;
  created: number;
  updated: number;
  takenOver: number;
  restored: number;
  removed: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  unchanged: number;
  skipped: number;
  failed: number;
  error: { code: string; message: string } | null;
  outcomes: {
    email: string | null;
    action: string;
    status: string;
    message: string | null;
    changes: Record<string, unknown> | null;
  }[];
}

interface UserDetail {
  id: string;
  email: string;
  lastName: string | null;
  status: string;
  groups: { name: string }[];
  profiles: { name: string }[];
}

/** The seed: users in several groups, a nested group, one without e-mail, one outside the domains. */
const PEOPLE = [
  { uid: 'alice', mail: 'alice@acme.test', givenName: 'Alice', sn: 'Archer', country: 'PL' },
  { uid: 'bob', mail: 'bob@acme.test', givenName: 'Bob', sn: 'Baker', country: 'FI' },
  { uid: 'carol', mail: 'carol@acme.test', givenName: 'Carol', sn: 'Cook' },
  { uid: 'dave', givenName: 'Dave', sn: 'Nomail' },
  { uid: 'eve', mail: 'eve@elsewhere.test', givenName: 'Eve', sn: 'Outside' },
  { uid: 'frank', mail: 'frank@acme.test', givenName: 'Frank', sn: 'Fisher' },
];
const GROUPS = [
  { cn: 'engineering', people: ['alice', 'bob'] },
  { cn: 'design-leads', people: ['carol'] },
  { cn: 'design', people: ['bob'], groups: ['design-leads'] },
];

describe('directory sync against a real OpenLDAP server', () => {
  let slapd: TestSlapd;
  let instance: TestInstance;
  let admin: Client;
  let directoryId: string;
  const base = () => ({
    url: slapd.url,
    bindDn: LDAP_ROOT_DN,
    baseDn: `ou=people,${LDAP_SUFFIX}`,
    groupBaseDn: `ou=groups,${LDAP_SUFFIX}`,
    userFilter: '(objectClass=inetOrgPerson)',
    attributes: {
      email: 'mail',
      firstName: 'givenName',
      lastName: 'sn',
      country: 'c',
      username: 'uid',
      externalId: 'entryUUID',
    },
    groups: [
      { directoryGroup: 'engineering', userGroups: ['Engineering'], profiles: ['Acrobat Pro'] },
      { directoryGroup: groupDn('design'), userGroups: ['Design'] },
    ],
    missingUsers: 'preserve' as const,
    maxRemovals: 200,
    maxRemovalPercent: 100,
    intervalMinutes: 0,
  });

  async function runSync(body: { dryRun?: boolean; ignoreSafetyLimit?: boolean } = {}, by?: Client): Promise<Run> {
    const started = await (by ?? admin).post<{ id: string }>(`/api/v1/directories/${directoryId}/sync/runs`, body);
    assert.equal(started.status, 202, started.text);
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const run = await admin.get<Run>(`/api/v1/directories/${directoryId}/sync/runs/${started.body.id}`);
      assert.equal(run.status, 200, run.text);
      if (!['queued', 'running'].includes(run.body.status)) {
        return run.body;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the run did not finish');
  }

  async function userByEmail(email: string): Promise<UserDetail | undefined> {
    const list = await admin.get<{ items: { id: string; email: string }[] }>(
      `/api/v1/users?search=${encodeURIComponent(email)}&limit=10`,
    );
    const found = list.body.items.find((user) => user.email.toLowerCase() === email.toLowerCase());
    return found ? (await admin.get<UserDetail>(`/api/v1/users/${found.id}`)).body : undefined;
  }

  const groupsOf = (user: UserDetail | undefined) => (user?.groups.map((group) => group.name) ?? []).sort();

  before(async () => {
    slapd = await startSlapd(seedLdif(PEOPLE, GROUPS));
    instance = await startTestInstance({ USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    admin = await instance.signIn();
    const db = instance.app.ctx.db;
    const directory = await admin.post<{ id: string }>('/api/v1/directories', {
      name: 'Acme LDAP',
      identityType: 'enterprise',
    });
    directoryId = directory.body.id;
    // Claimed as DNS verification would (the domains capability has its own tests).
    await db
      .insertInto('domains')
      .values({
        organization_id: instance.organizationId,
        directory_id: directoryId,
        name: 'acme.test',
        verification_token: 't',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    await createProductWithProfiles(admin, 'Acrobat', 100, ['Acrobat Pro']);
    for (const name of ['Engineering', 'Design', 'Other']) {
      assert.equal((await admin.post('/api/v1/groups', { name })).status, 201);
    }
  });
  after(async () => {
    await instance?.close();
    await slapd?.stop();
  });

  test('configuration: system admins only, the password is write-only and stored sealed, mapping names checked', async () => {
    const path = `/api/v1/directories/${directoryId}/sync`;
    await problem(instance.anonymous().request('PUT', path, { body: base() }), 401, 'auth.required');
    const productAdmin = await createAdmin(instance, instance.organizationId, 'support-admin');
    const other = await instance.signIn(productAdmin.email);
    await problem(other.request('PUT', path, { body: { ...base(), bindPassword: 'x' } }), 403, 'auth.forbidden');
    await problem(
      admin.request('PUT', `/api/v1/directories/${crypto.randomUUID()}/sync`, {
        body: { ...base(), bindPassword: 'x' },
      }),
      404,
      'request.not_found',
    );
    await problem(admin.get(path), 404, 'sync.not_configured');
    const noPassword = await problem(admin.request('PUT', path, { body: base() }), 400, 'sync.password_required');
    assert.equal(noPassword.errors?.[0]?.field, 'body.bindPassword');
    const unknown = await problem(
      admin.request('PUT', path, {
        body: {
          ...base(),
          bindPassword: LDAP_ROOT_PASSWORD,
          groups: [{ directoryGroup: 'engineering', userGroups: ['Nope'] }],
        },
      }),
      422,
      'users.unknown_group',
    );
    assert.equal(unknown.errors?.[0]?.field, 'body.groups.0.userGroups');
    const badUrl = await problem(
      admin.request('PUT', path, { body: { ...base(), url: 'http://x', bindPassword: 'p' } }),
      400,
      'request.validation_failed',
    );
    assert.equal(badUrl.errors?.[0]?.field, 'body.url');

    const saved = await admin.request<Record<string, unknown>>('PUT', path, {
      body: { ...base(), bindPassword: LDAP_ROOT_PASSWORD },
    });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.bindPasswordSet, true);
    assert.equal('bindPassword' in saved.body, false);
    assert.doesNotMatch(saved.text, new RegExp(LDAP_ROOT_PASSWORD));
    const row = await instance.app.ctx.db
      .selectFrom('directory_syncs')
      .select('bind_password_sealed')
      .where('directory_id', '=', directoryId)
      .executeTakeFirstOrThrow();
    assert.match(row.bind_password_sealed, /^v1\./);
    assert.equal(row.bind_password_sealed.includes(LDAP_ROOT_PASSWORD), false);
    const audit = await admin.get<{ items: { action: string; after: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=directory.sync_create',
    );
    assert.equal(audit.body.items[0]?.after.bindPassword, 'changed');
    assert.doesNotMatch(JSON.stringify(audit.body), new RegExp(LDAP_ROOT_PASSWORD));
    // Saving again without the password keeps the stored one.
    assert.equal((await admin.request('PUT', path, { body: base() })).status, 200);
  });

  test('test connection: first users with their mapped groups, groups with nested members', async () => {
    const result = await admin.post<{
      users: { email: string | null; inScope: boolean; userGroups: string[]; profiles: string[] }[];
      groups: { directoryGroup: string; found: boolean; members: number }[];
    }>(`/api/v1/directories/${directoryId}/sync/test`, base());
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body.users.length, PEOPLE.length);
    const bob = result.body.users.find((user) => user.email === 'bob@acme.test');
    assert.deepEqual(bob?.userGroups.sort(), ['Design', 'Engineering']);
    assert.deepEqual(bob?.profiles, ['Acrobat Pro']);
    assert.equal(result.body.users.find((user) => user.email === 'eve@elsewhere.test')?.inScope, false);
    assert.deepEqual(
      result.body.groups.map((group) => [group.found, group.members]),
      [
        [true, 2],
        [true, 2],
      ],
    );
  });

  test('a wrong password, an unreachable server and TLS problems are clear 422s; a failed run says why', async () => {
    const path = `/api/v1/directories/${directoryId}/sync/test`;
    await problem(admin.post(path, { ...base(), bindPassword: 'wrong' }), 422, 'sync.bind_failed');
    await problem(admin.post(path, { ...base(), url: 'ldap://127.0.0.1:1' }), 422, 'sync.unreachable');
    // StartTLS and ldaps:// with the test's own CA work; without the CA the certificate is refused.
    const startTls = await admin.post(path, { ...base(), startTls: true, caCertificate: slapd.caPem });
    assert.equal(startTls.status, 200, startTls.text);
    const ldaps = await admin.post(path, { ...base(), url: slapd.ldapsUrl, caCertificate: slapd.caPem });
    assert.equal(ldaps.status, 200, ldaps.text);
    await problem(admin.post(path, { ...base(), url: slapd.ldapsUrl }), 422, 'sync.tls_failed');
    await problem(admin.post(path, { ...base(), startTls: true }), 422, 'sync.tls_failed');

    const sync = `/api/v1/directories/${directoryId}/sync`;
    assert.equal((await admin.request('PUT', sync, { body: { ...base(), bindPassword: 'wrong' } })).status, 200);
    const failed = await runSync();
    assert.equal(failed.status, 'failed');
    assert.equal(failed.error?.code, 'sync.bind_failed');
    const mail = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('kind', '=', 'sync_attention')
      .execute();
    assert.equal(mail.length, 1);
    assert.equal(mail[0]?.to_address, instance.admin.email);
    const unreachable = await admin.request('PUT', sync, {
      body: { ...base(), url: 'ldap://127.0.0.1:1', bindPassword: LDAP_ROOT_PASSWORD },
    });
    assert.equal(unreachable.status, 200);
    assert.equal((await runSync()).error?.code, 'sync.unreachable');
    // A run an API token started has no person to tell: the system admins are e-mailed.
    const token = await admin.post<{ token: string }>('/api/v1/api-tokens', {
      name: 'Sync automation',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    assert.equal(token.status, 201, token.text);
    const byToken = await runSync({}, instance.anonymous().withToken(token.body.token));
    assert.equal(byToken.error?.code, 'sync.unreachable');
    const tokenMail = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('kind', '=', 'sync_attention')
      .execute();
    assert.deepEqual(
      tokenMail
        .filter((message) => (message.data as { runId: string }).runId === byToken.id)
        .map((message) => message.to_address),
      [instance.admin.email],
    );
    // Back to a working connection, over StartTLS from here on.
    const good = await admin.request('PUT', sync, {
      body: { ...base(), startTls: true, caCertificate: slapd.caPem, bindPassword: LDAP_ROOT_PASSWORD },
    });
    assert.equal(good.status, 200);
  });

  test('preview lists what would happen and changes nothing; the first sync creates, maps and takes over', async () => {
    // Added by hand before any sync: frank is also in the directory, hand is not.
    const hand = await admin.post<{ items: { id: string }[] }>('/api/v1/users', {
      users: [
        { email: 'frank@acme.test', firstName: 'F' },
        { email: 'hand@acme.test', groups: ['Engineering'] },
      ],
    });
    assert.equal(hand.status, 201, hand.text);
    const preview = await runSync({ dryRun: true });
    assert.equal(preview.status, 'completed', JSON.stringify(preview.error));
    assert.equal(preview.dryRun, true);
    assert.deepEqual(
      [preview.found, preview.inScope, preview.created, preview.takenOver, preview.skipped],
      [6, 4, 3, 1, 2],
    );
    assert.ok(preview.outcomes.every((outcome) => ['planned', 'skipped'].includes(outcome.status)));
    assert.equal(preview.outcomes.find((outcome) => outcome.email === 'bob@acme.test')?.action, 'create');
    assert.equal(await userByEmail('alice@acme.test'), undefined);

    const first = await runSync();
    assert.equal(first.status, 'completed', JSON.stringify(first.error));
    assert.deepEqual([first.created, first.takenOver, first.skipped, first.failed], [3, 1, 2, 0]);
    const skipped = first.outcomes.filter((outcome) => outcome.action === 'skip').map((outcome) => outcome.message);
    assert.ok(skipped.some((message) => /no e-mail/.test(message ?? '')));
    assert.ok(skipped.some((message) => /not a claimed domain/.test(message ?? '')));
    assert.match(
      first.outcomes.find((outcome) => outcome.action === 'take-over')?.message ?? '',
      /manages this user from now on/,
    );

    const alice = (await userByEmail('alice@acme.test')) as
      | (UserDetail & { managedBy: { type: string; id: string | null } })
      | undefined;
    assert.deepEqual(
      [alice?.managedBy.type, alice?.managedBy.id],
      ['directory_sync', directoryId],
      'a user the sync created records the connection as its source',
    );
    assert.deepEqual(groupsOf(alice), ['Engineering']);
    assert.deepEqual(
      alice?.profiles
        .filter((profile) => !('via' in profile) || (profile as { via: string }).via === 'direct')
        .map((p) => p.name),
      ['Acrobat Pro'],
    );
    assert.deepEqual(groupsOf(await userByEmail('bob@acme.test')), ['Design', 'Engineering']);
    assert.deepEqual(groupsOf(await userByEmail('carol@acme.test')), ['Design'], 'nested group members count');
    const frank = (await userByEmail('frank@acme.test')) as (UserDetail & { managedBy: { type: string } }) | undefined;
    assert.equal(frank?.lastName, 'Fisher');
    assert.equal(frank?.managedBy.type, 'directory_sync', 'a taken-over user is managed by the connection');
    const handUser = (await userByEmail('hand@acme.test')) as
      | (UserDetail & { managedBy: { type: string } })
      | undefined;
    assert.equal(handUser?.managedBy.type, 'console');
    assert.deepEqual(groupsOf(handUser), ['Engineering'], 'a hand-added user is left alone');
    assert.equal(await userByEmail('eve@elsewhere.test'), undefined);

    const events = await admin.get<{ items: { actor: { type: string; label: string }; action: string }[] }>(
      '/api/v1/audit-events?action=user.create&limit=50',
    );
    const bySync = events.body.items.filter((event) => event.actor.type === 'directory_sync');
    assert.equal(bySync.length, 3);
    assert.equal(bySync[0]?.actor.label, 'Directory sync: Acme LDAP');
  });

  test('a re-run with nothing changed in the directory changes nothing', async () => {
    const again = await runSync();
    assert.equal(again.status, 'completed');
    assert.deepEqual(
      [
        again.created,
        again.updated,
        again.takenOver,
        again.membershipsAdded,
        again.membershipsRemoved,
        again.removed,
        again.unchanged,
      ],
      [0, 0, 0, 0, 0, 0, 4],
    );
    assert.ok(again.outcomes.every((outcome) => outcome.action === 'skip'));
    // The entries and group members a run stages in the database are gone when it ends.
    const db = instance.app.ctx.db;
    for (const table of ['directory_sync_run_entries', 'directory_sync_run_members'] as const) {
      const left = await db.selectFrom(table).select('run_id').where('run_id', '=', again.id).execute();
      assert.equal(left.length, 0, table);
    }
  });

  test('a renamed user keeps their account; a user leaving a group leaves the user group', async () => {
    const aliceBefore = await userByEmail('alice@acme.test');
    await slapd.modify(
      `dn: ${personDn('alice')}\nchangetype: modify\nreplace: mail\nmail: alice.archer@acme.test\n-\nreplace: sn\nsn: Archer-Smith\n\n` +
        `dn: ${groupDn('engineering')}\nchangetype: modify\ndelete: member\nmember: ${personDn('bob')}\n\n`,
    );
    const run = await runSync();
    assert.equal(run.status, 'completed', JSON.stringify(run.error));
    assert.deepEqual([run.updated, run.membershipsRemoved, run.created], [1, 1, 0]);
    const alice = await userByEmail('alice.archer@acme.test');
    assert.equal(alice?.id, aliceBefore?.id);
    assert.equal(alice?.lastName, 'Archer-Smith');
    const bob = await userByEmail('bob@acme.test');
    assert.deepEqual(groupsOf(bob), ['Design']);
    assert.equal(
      bob?.profiles.some((profile) => profile.name === 'Acrobat Pro'),
      false,
    );
  });

  test('users deleted from the directory: preserve, remove-entitlements and remove', async () => {
    const path = `/api/v1/directories/${directoryId}/sync`;
    const put = (missingUsers: string) =>
      admin.request('PUT', path, { body: { ...base(), startTls: true, caCertificate: slapd.caPem, missingUsers } });

    await slapd.modify(`dn: ${personDn('frank')}\nchangetype: delete\n\n`);
    const preserved = await runSync();
    assert.equal(preserved.outcomes.find((outcome) => outcome.email === 'frank@acme.test')?.action, 'release');
    const frank = (await userByEmail('frank@acme.test')) as
      | (UserDetail & { managedBy: { type: string; id: string | null } })
      | undefined;
    assert.equal(frank?.status, 'active');
    assert.deepEqual(
      frank?.managedBy,
      { type: 'console', id: null, name: null },
      'a released user is hand-managed from now on',
    );
    const release = await admin.get<{ items: { before: unknown; after: unknown }[] }>(
      `/api/v1/audit-events?target=${frank?.id}&action=user.update`,
    );
    assert.deepEqual(
      [release.body.items[0]?.before, release.body.items[0]?.after],
      [{ managedBy: { type: 'directory_sync', id: directoryId } }, { managedBy: { type: 'console', id: null } }],
    );

    assert.equal((await put('remove-entitlements')).status, 200);
    await slapd.modify(`dn: ${personDn('carol')}\nchangetype: delete\n\n`);
    const stripped = await runSync();
    assert.equal(stripped.removed, 1, JSON.stringify(stripped.outcomes));
    const carol = await userByEmail('carol@acme.test');
    assert.equal(carol?.status, 'active');
    assert.deepEqual(groupsOf(carol), []);

    assert.equal((await put('remove')).status, 200);
    await slapd.modify(`dn: ${personDn('bob')}\nchangetype: delete\n\n`);
    const removed = await runSync();
    assert.equal(removed.removed, 1);
    assert.equal((await userByEmail('bob@acme.test'))?.status, 'removed');
    // Released and removed users are no longer managed: a further run leaves them alone.
    const quiet = await runSync();
    assert.deepEqual([quiet.removed, quiet.unchanged], [0, 1]);
  });

  test('a user added by hand and taken over is removed by the connection when the directory drops them', async () => {
    const made = await admin.post('/api/v1/users', { users: [{ email: 'kim@acme.test' }] });
    assert.equal(made.status, 201, made.text);
    await slapd.modify(personLdif({ uid: 'kim', mail: 'kim@acme.test', sn: 'Kim' }));
    const adopted = await runSync();
    assert.equal(adopted.takenOver, 1, JSON.stringify(adopted.outcomes));
    const kim = (await userByEmail('kim@acme.test')) as (UserDetail & { managedBy: { type: string } }) | undefined;
    assert.equal(kim?.managedBy.type, 'directory_sync');
    await slapd.modify(`dn: ${personDn('kim')}\nchangetype: delete\n\n`);
    const removed = await runSync({ ignoreSafetyLimit: true });
    assert.deepEqual([removed.removed, removed.failed], [1, 0], JSON.stringify(removed.outcomes));
    assert.equal((await userByEmail('kim@acme.test'))?.status, 'removed');
  });

  test('the safety limit stops a run before it changes anything, e-mails, and can be passed on purpose', async () => {
    await slapd.modify(`${personLdif({ uid: 'gina', mail: 'gina@acme.test', sn: 'Green' })}`);
    await slapd.modify(`${personLdif({ uid: 'hugo', mail: 'hugo@acme.test', sn: 'Hill' })}`);
    const path = `/api/v1/directories/${directoryId}/sync`;
    assert.equal(
      (
        await admin.request('PUT', path, {
          body: { ...base(), startTls: true, caCertificate: slapd.caPem, missingUsers: 'remove', maxRemovals: 1 },
        })
      ).status,
      200,
    );
    assert.equal((await runSync()).created, 2);
    await slapd.modify(
      `dn: ${personDn('gina')}\nchangetype: delete\n\ndn: ${personDn('hugo')}\nchangetype: delete\n\n`,
    );
    await slapd.modify(personLdif({ uid: 'ivan', mail: 'ivan@acme.test', sn: 'Ivanov' }));
    const stopped = await runSync();
    assert.equal(stopped.status, 'stopped');
    assert.equal(stopped.error?.code, 'sync.safety_limit');
    assert.equal(stopped.created, 0);
    assert.equal(await userByEmail('ivan@acme.test'), undefined, 'nothing applied');
    assert.equal((await userByEmail('gina@acme.test'))?.status, 'active');
    const mail = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('kind', '=', 'sync_attention')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal((mail.data as { status: string }).status, 'stopped');

    const passed = await runSync({ ignoreSafetyLimit: true });
    assert.equal(passed.status, 'completed');
    assert.deepEqual([passed.removed, passed.created], [2, 1]);
    assert.equal((await userByEmail('hugo@acme.test'))?.status, 'removed');

    const csv = await admin.get(`/api/v1/directories/${directoryId}/sync/runs/${passed.id}/results.csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.text, /^E-mail,DN,Action,Status,Message,Changes/);
    assert.match(csv.text, /hugo@acme\.test.*remove,succeeded/);
  });

  test('the schedule queues a due run as the system, moves the next run on, and old results are deleted', async () => {
    const path = `/api/v1/directories/${directoryId}/sync`;
    const saved = await admin.request<{ nextRunAt: string | null }>('PUT', path, {
      body: { ...base(), startTls: true, caCertificate: slapd.caPem, missingUsers: 'remove', intervalMinutes: 5 },
    });
    assert.equal(saved.status, 200);
    assert.ok(saved.body.nextRunAt && Date.parse(saved.body.nextRunAt) > Date.now());
    const db = instance.app.ctx.db;
    await db
      .updateTable('directory_syncs')
      .set({ next_run_at: new Date(Date.now() - 1000) })
      .where('directory_id', '=', directoryId)
      .execute();
    assert.equal(await queueDueSyncRuns(instance.app.ctx), 1);
    assert.equal(await queueDueSyncRuns(instance.app.ctx), 0, 'not due again until the interval has passed');
    const next = await admin.get<{ nextRunAt: string }>(path);
    assert.ok(Date.parse(next.body.nextRunAt) > Date.now() + 4 * 60_000);
    let scheduled: Run & { trigger: string; initiatedBy: { kind: string } } = {} as never;
    for (let attempt = 0; attempt < 300; attempt += 1) {
      const runs = await admin.get<{ items: (Run & { trigger: string; initiatedBy: { kind: string } })[] }>(
        `${path}/runs`,
      );
      scheduled = runs.body.items[0] as typeof scheduled;
      if (scheduled.trigger === 'schedule' && !['queued', 'running'].includes(scheduled.status)) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(scheduled.trigger, 'schedule');
    assert.equal(scheduled.initiatedBy.kind, 'schedule');
    assert.equal(scheduled.status, 'completed');

    // What a run whose worker stopped left staged is deleted by the minutely job.
    await db
      .insertInto('directory_sync_run_members')
      .values({ organization_id: instance.organizationId, run_id: scheduled.id, dn_key: 'uid=x', mapping: 0 })
      .execute();
    await db
      .updateTable('directory_sync_runs')
      .set({ finished_at: new Date(Date.now() - 200 * 86_400_000) })
      .where('id', '=', scheduled.id)
      .execute();
    await scheduleSyncJob.perform(
      instance.app.ctx,
      {},
      { id: 'test', retryCount: 0, signal: new AbortController().signal },
    );
    await problem(admin.get(`${path}/runs/${scheduled.id}`), 404, 'request.not_found');
    assert.deepEqual(await db.selectFrom('directory_sync_run_members').select('run_id').execute(), []);
  });

  test('an entry with the e-mail of an earlier entry is skipped, not compared', async () => {
    await slapd.modify(personLdif({ uid: 'ivan2', mail: 'Ivan@acme.test', sn: 'Again' }));
    const preview = await runSync({ dryRun: true });
    assert.equal(preview.status, 'completed', JSON.stringify(preview.error));
    const duplicates = preview.outcomes.filter((outcome) => outcome.message === 'Another entry has the same e-mail.');
    assert.deepEqual(
      duplicates.map((outcome) => [outcome.email, outcome.status]),
      [['Ivan@acme.test', 'skipped']],
    );
    assert.equal(
      preview.outcomes.some((outcome) => outcome.email === 'ivan@acme.test'),
      false,
      'the first entry is unchanged',
    );
  });

  test('deleting the connection: 204 with no body, then it is not configured, and a second delete is a 404', async () => {
    const path = `/api/v1/directories/${directoryId}/sync`;
    const deleted = await admin.request('DELETE', path);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    await problem(admin.get(path), 404, 'sync.not_configured');
    await problem(admin.request('DELETE', path), 404, 'sync.not_configured');
    assert.equal((await admin.request('DELETE', '/api/v1/directories/not-a-uuid/sync')).status, 400);
  });
});
