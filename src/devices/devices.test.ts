import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, expectProblem } from '../../test/support/client.ts';
import {
  createAdmin,
  createCatalog,
  createOrganization,
  startTestInstance,
  type TestInstance,
} from '../../test/support/instance.ts';
import { createApp } from '../app.ts';

interface Device {
  id: string;
  platform: string;
  name: string;
  deviceId: string;
  connectedAt: string;
  link: { id: string; sentAt: string; expiresAt: string };
}

const LINK_INVALID =
  'This link is invalid or has expired. Ask your administrator to send you a new instructions e-mail.';

describe('instructions e-mails and devices', () => {
  let instance: TestInstance;
  let admin: Client;
  let users: Record<string, string>;

  /** The token of the user's newest instructions e-mail, as the e-mail carries it. */
  async function latestToken(userId: string): Promise<string> {
    const row = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('kind', '=', 'instructions')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    return String((row.data as { token: string }).token);
  }

  const connect = (token: string, platform: string, name: string, deviceId: string) =>
    instance.anonymous().post<{ device: Device; reconnected: boolean }>('/api/v1/public/devices', {
      token,
      platform,
      name,
      deviceId,
    });

  before(async () => {
    instance = await startTestInstance({ USHER_INSTRUCTIONS_TTL_DAYS: '7', USHER_CONNECT_MAX_PER_IP: '10000' });
    admin = await instance.signIn();
    const added = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: ['anna', 'jan', 'ewa', 'gone'].map((name) => ({ email: `${name}@example.org` })),
    });
    assert.equal(added.status, 201, added.text);
    users = Object.fromEntries(added.body.items.map((user) => [user.email.split('@')[0], user.id]));
    const removed = await admin.post('/api/v1/users/remove', { userIds: [users.gone] });
    assert.equal(removed.status, 200, removed.text);
  });
  after(() => instance.close());

  test('send instructions to chosen users: one e-mail and one new link each, audited', async () => {
    const sent = await admin.post('/api/v1/users/send-instructions', { userIds: [users.anna, users.jan] });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.body, { queued: 2 });
    const links = await instance.app.ctx.db.selectFrom('instruction_links').selectAll().execute();
    assert.equal(links.length, 2);
    for (const link of links) {
      const days = (link.expires_at.getTime() - link.created_at.getTime()) / 86_400_000;
      assert.ok(Math.abs(days - 7) < 0.01, `USHER_INSTRUCTIONS_TTL_DAYS: ${days}`);
      assert.match(link.token_hash, /^[0-9a-f]{64}$/);
    }
    const audit = await admin.get<{ items: { target: { id: string } }[] }>(
      '/api/v1/audit-events?action=instructions.send',
    );
    assert.deepEqual(audit.body.items.map((event) => event.target.id).sort(), [users.anna, users.jan].sort());

    expectProblem(await admin.post('/api/v1/users/send-instructions', {}), 400, 'request.validation_failed');
    expectProblem(
      await admin.post('/api/v1/users/send-instructions', { userIds: [users.anna], all: true }),
      400,
      'request.validation_failed',
    );
    const refused = expectProblem(
      await admin.post('/api/v1/users/send-instructions', { userIds: [users.anna, users.gone, crypto.randomUUID()] }),
      422,
      'instructions.unknown_users',
    );
    assert.deepEqual(
      (refused.errors as { field: string }[]).map((error) => error.field),
      ['body.userIds.1', 'body.userIds.2'],
    );
    assert.equal(
      (await instance.app.ctx.db.selectFrom('instruction_links').selectAll().execute()).length,
      2,
      'nothing sent',
    );
  });

  test('send instructions to all: every user who is not removed, set-based', async () => {
    const before = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('id')
      .where('kind', '=', 'instructions')
      .execute();
    const sent = await admin.post<{ queued: number }>('/api/v1/users/send-instructions', { all: true });
    assert.equal(sent.status, 200, sent.text);
    const active = await instance.app.ctx.db
      .selectFrom('users')
      .select('id')
      .where('organization_id', '=', instance.organizationId)
      .where('status', '<>', 'removed')
      .execute();
    assert.equal(sent.body.queued, active.length);
    const after = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('kind', '=', 'instructions')
      .execute();
    assert.equal(after.length, before.length + active.length);
    assert.ok(!after.some((row) => row.to_address === 'gone@example.org'), 'removed users get nothing');
    const tokens = after.map((row) => (row.data as { token: string }).token);
    assert.equal(new Set(tokens).size, tokens.length, 'every e-mail has its own link');
    assert.ok(
      tokens.every((token) => /^[A-Za-z0-9_-]{43}$/.test(token)),
      '256-bit base64url tokens',
    );
  });

  test('who may send instructions and see or disconnect devices', async () => {
    const support = await instance.signIn(
      (await createAdmin(instance, instance.organizationId, 'support-admin')).email,
    );
    expectProblem(await support.post('/api/v1/users/send-instructions', { all: true }), 403, 'auth.forbidden');
    assert.equal((await support.get(`/api/v1/users/${users.anna}/devices`)).status, 200);
    const deployment = await instance.signIn(
      (await createAdmin(instance, instance.organizationId, 'deployment-admin')).email,
    );
    assert.equal((await deployment.post('/api/v1/users/send-instructions', { userIds: [users.ewa] })).status, 200);
    const catalog = await createCatalog(instance, instance.organizationId, 'Devices');
    const product = await instance.signIn(
      (await createAdmin(instance, instance.organizationId, 'product-admin', { productId: catalog.productId })).email,
    );
    expectProblem(
      await product.post('/api/v1/users', { users: [{ email: 'p@example.org' }], sendInstructions: true }),
      403,
      'auth.forbidden',
    );
    expectProblem(
      await instance.anonymous().post('/api/v1/users/send-instructions', { all: true }),
      401,
      'auth.required',
    );
  });

  test('download links per platform: set by a system admin, checked, audited, shown on the connection page', async () => {
    const refused = expectProblem(
      await admin.patch('/api/v1/organization', {
        deviceDownloadLinks: { windows: 'javascript:alert(1)', macos: 'https://downloads.example.org/usher.pkg' },
      }),
      400,
      'request.validation_failed',
    );
    assert.deepEqual(
      (refused.errors as { field: string }[]).map((error) => error.field),
      ['body.deviceDownloadLinks.windows'],
    );
    const unknown = expectProblem(
      await admin.patch('/api/v1/organization', { deviceDownloadLinks: { linux: 'https://x.example/' } }),
      400,
      'request.validation_failed',
    );
    assert.match(JSON.stringify(unknown.errors), /linux/);

    const set = await admin.patch<{ deviceDownloadLinks: Record<string, string> }>('/api/v1/organization', {
      deviceDownloadLinks: {
        windows: 'https://downloads.example.org/usher.msi',
        macos: 'https://downloads.example.org/usher.pkg',
      },
    });
    assert.equal(set.status, 200, set.text);
    // null removes one platform's link; the others stay.
    const cleared = await admin.patch<{ deviceDownloadLinks: Record<string, string> }>('/api/v1/organization', {
      deviceDownloadLinks: { windows: null },
    });
    assert.deepEqual(cleared.body.deviceDownloadLinks, { macos: 'https://downloads.example.org/usher.pkg' });

    const sent = await admin.post('/api/v1/users/send-instructions', { userIds: [users.jan] });
    assert.equal(sent.status, 200, sent.text);
    const token = await latestToken(users.jan ?? '');
    const described = await instance.anonymous().post('/api/v1/public/connection-link', { token });
    assert.equal(described.status, 200, described.text);
    assert.deepEqual(described.body.downloadLinks, { macos: 'https://downloads.example.org/usher.pkg' });

    const audit = await admin.get<{
      items: { action: string; before: Record<string, unknown>; after: Record<string, unknown> }[];
    }>('/api/v1/audit-events?action=organization.update');
    assert.equal(audit.status, 200, audit.text);
    const last = audit.body.items[0];
    assert.deepEqual(last?.before.deviceDownloadLinks, {
      windows: 'https://downloads.example.org/usher.msi',
      macos: 'https://downloads.example.org/usher.pkg',
    });
    assert.deepEqual(last?.after.deviceDownloadLinks, { macos: 'https://downloads.example.org/usher.pkg' });

    // Only who may change the organization sets them.
    const support = await instance.signIn(
      (await createAdmin(instance, instance.organizationId, 'support-admin')).email,
    );
    expectProblem(
      await support.patch('/api/v1/organization', { deviceDownloadLinks: { windows: 'https://evil.example/x.exe' } }),
      403,
      'auth.forbidden',
    );
  });

  test('one link: any number of Windows and macOS devices, one Android or iOS device', async () => {
    const token = await latestToken(users.anna ?? '');
    const described = await instance.anonymous().post('/api/v1/public/connection-link', { token });
    assert.equal(described.status, 200, described.text);
    assert.equal(described.body.email, 'anna@example.org');
    assert.equal(described.body.organizationName, 'Example Org');
    assert.equal(described.body.mobileAvailable, true);

    for (const [platform, name, id] of [
      ['windows', 'Anna laptop', 'win-1'],
      ['windows', 'Anna desktop', 'win-2'],
      ['macos', 'Anna Mac', 'mac-1'],
      ['android', 'Anna phone', 'android-1'],
    ] as const) {
      const connected = await connect(token, platform, name, id);
      assert.equal(connected.status, 201, connected.text);
      assert.equal(connected.body.reconnected, false);
      assert.equal(connected.body.device.platform, platform);
    }
    const second = expectProblem(await connect(token, 'ios', 'Anna iPad', 'ios-1'), 409, 'devices.mobile_limit');
    assert.match(String(second.detail), /ask your administrator for another e-mail/i);
    assert.equal(
      (await instance.anonymous().post('/api/v1/public/connection-link', { token })).body.mobileAvailable,
      false,
    );
    assert.equal((await connect(token, 'windows', 'Anna third PC', 'win-3')).status, 201, 'desktops stay unlimited');

    // The same device again: an idempotent reconnect that keeps one device and takes its new name.
    const again = await connect(token, 'android', 'Anna phone (new name)', 'android-1');
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.reconnected, true);
    assert.equal(again.body.device.name, 'Anna phone (new name)');
    // Someone else's device identifier, or the same identifier as another platform: refused.
    const janToken = await latestToken(users.jan ?? '');
    expectProblem(await connect(janToken, 'windows', 'Jan PC', 'win-1'), 409, 'devices.identifier_taken');
    expectProblem(await connect(token, 'macos', 'Anna', 'win-1'), 409, 'devices.identifier_taken');
    // A new e-mail (link) brings a new mobile slot.
    await admin.post('/api/v1/users/send-instructions', { userIds: [users.anna] });
    const newToken = await latestToken(users.anna ?? '');
    assert.notEqual(newToken, token);
    assert.equal((await connect(newToken, 'ios', 'Anna iPad', 'ios-1')).status, 201);

    const bad = expectProblem(await connect(token, 'linux', 'Anna Linux', 'linux-1'), 400, 'request.validation_failed');
    assert.deepEqual(bad.errors, [{ field: 'body.platform', message: 'must be one of windows, macos, android, ios' }]);
    expectProblem(
      await instance
        .anonymous()
        .post('/api/v1/public/devices', { token, platform: 'windows', name: '', deviceId: 'x' }),
      400,
      'request.validation_failed',
    );
  });

  test('bad, expired and removed-user links all answer only "invalid or expired"', async () => {
    const ewaToken = await latestToken(users.ewa ?? '');
    for (const token of ['nope', 'A'.repeat(43)]) {
      const problem = expectProblem(await connect(token, 'windows', 'X', `x-${token}`), 404, 'devices.link_invalid');
      assert.equal(problem.detail, LINK_INVALID);
    }
    await instance.app.ctx.db
      .updateTable('instruction_links')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', users.ewa ?? '')
      .execute();
    assert.equal(
      expectProblem(await connect(ewaToken, 'windows', 'E', 'e-1'), 404, 'devices.link_invalid').detail,
      LINK_INVALID,
    );
    expectProblem(
      await instance.anonymous().post('/api/v1/public/connection-link', { token: ewaToken }),
      404,
      'devices.link_invalid',
    );
    // The user is removed after the e-mail went out: the link dies with it.
    const janToken = await latestToken(users.jan ?? '');
    assert.equal((await connect(janToken, 'windows', 'Jan PC', 'jan-win')).status, 201);
    await admin.post('/api/v1/users/remove', { userIds: [users.jan] });
    const problem = expectProblem(
      await connect(janToken, 'windows', 'Jan PC 2', 'jan-win-2'),
      404,
      'devices.link_invalid',
    );
    assert.equal(problem.detail, LINK_INVALID);
  });

  test("the user's devices: listed with the e-mail they came through, disconnected by an admin, audited", async () => {
    const list = await admin.get<{ items: Device[] }>(`/api/v1/users/${users.anna}/devices`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.items.map((device) => device.deviceId).sort(), [
      'android-1',
      'ios-1',
      'mac-1',
      'win-1',
      'win-2',
      'win-3',
    ]);
    const phone = list.body.items.find((device) => device.deviceId === 'android-1');
    const tablet = list.body.items.find((device) => device.deviceId === 'ios-1');
    assert.ok(phone && tablet);
    assert.notEqual(phone.link.id, tablet.link.id, 'each through its own e-mail');
    assert.ok(Date.parse(phone.link.sentAt) <= Date.parse(phone.connectedAt));

    const gone = await admin.delete(`/api/v1/users/${users.anna}/devices/${phone.id}`);
    assert.equal(gone.status, 204, gone.text);
    expectProblem(await admin.delete(`/api/v1/users/${users.anna}/devices/${phone.id}`), 404, 'devices.not_found');
    expectProblem(await admin.delete(`/api/v1/users/${users.ewa}/devices/${tablet.id}`), 404, 'devices.not_found');
    const after = await admin.get<{ items: Device[] }>(`/api/v1/users/${users.anna}/devices`);
    assert.equal(after.body.items.length, 5);
    const audit = await admin.get<{ items: { action: string; before: Record<string, unknown> }[] }>(
      '/api/v1/audit-events?action=device.',
    );
    const actions = audit.body.items.map((event) => event.action);
    assert.ok(
      actions.includes('device.disconnect') && actions.includes('device.connect') && actions.includes('device.rename'),
    );
    assert.equal(audit.body.items.find((event) => event.action === 'device.disconnect')?.before.deviceId, 'android-1');

    const catalog = await createCatalog(instance, instance.organizationId, 'Group scope');
    const groupAdmin = await instance.signIn(
      (await createAdmin(instance, instance.organizationId, 'group-admin', { groupId: catalog.groupId })).email,
    );
    expectProblem(await groupAdmin.get(`/api/v1/users/${users.anna}/devices`), 403, 'auth.forbidden');
    const support = await instance.signIn(
      (await createAdmin(instance, instance.organizationId, 'support-admin')).email,
    );
    expectProblem(await support.delete(`/api/v1/users/${users.anna}/devices/${tablet.id}`), 403, 'auth.forbidden');
    const other = await instance.signIn((await createOrganization(instance, 'Other Org')).email);
    expectProblem(await other.get(`/api/v1/users/${users.anna}/devices`), 404, 'request.not_found');
    expectProblem(await other.delete(`/api/v1/users/${users.anna}/devices/${tablet.id}`), 404, 'request.not_found');
  });

  test('a link works on any app process of the same database', async () => {
    await admin.post('/api/v1/users/send-instructions', { userIds: [users.ewa] });
    const token = await latestToken(users.ewa ?? '');
    const second = await createApp({
      config: instance.app.ctx.config,
      database: instance.app.ctx.database,
      worker: false,
      server: { logger: false },
    });
    try {
      await second.server.listen({ port: 0, host: '127.0.0.1' });
      const address = second.server.server.address();
      const other = new Client(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
      const connected = await other.post('/api/v1/public/devices', {
        token,
        platform: 'macos',
        name: 'Ewa Mac',
        deviceId: 'ewa-mac',
      });
      assert.equal(connected.status, 201, connected.text);
      const again = await connect(token, 'macos', 'Ewa Mac', 'ewa-mac');
      assert.equal(again.status, 200, 'the first process sees it');
    } finally {
      await second.close();
    }
  });
});

describe('device connection rate limit', () => {
  test('too many requests from one address are refused with 429 and Retry-After', async () => {
    const instance = await startTestInstance({ USHER_CONNECT_MAX_PER_IP: '3' });
    try {
      const client = instance.anonymous();
      for (let attempt = 0; attempt < 3; attempt++) {
        expectProblem(
          await client.post('/api/v1/public/connection-link', { token: `guess-${attempt}` }),
          404,
          'devices.link_invalid',
        );
      }
      const limited = await client.post('/api/v1/public/devices', {
        token: 'guess',
        platform: 'windows',
        name: 'x',
        deviceId: 'y',
      });
      expectProblem(limited, 429, 'devices.rate_limited');
      assert.equal(limited.headers.get('retry-after'), '900');
    } finally {
      await instance.close();
    }
  });
});
