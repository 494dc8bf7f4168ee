import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

interface DeviceItem {
  id: string;
  user: { id: string; email: string };
  platform: string;
  name: string;
  connectedAt: string;
  lastSeenAt: string;
}
interface Listed<T> {
  items: T[];
  nextCursor: string | null;
  total: { total: number; exact: boolean } | null;
}

describe("the organization's devices list", () => {
  let instance: TestInstance;
  let admin: Client;
  const ids: Record<string, string> = {};

  async function tokenOf(userId: string): Promise<string> {
    const row = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('kind', '=', 'instructions')
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return String((row.data as { token: string }).token);
  }
  const connect = async (user: string, platform: string, name: string, deviceId: string) => {
    const answer = await instance.anonymous().post('/api/v1/public/devices', {
      token: await tokenOf(ids[user] ?? ''),
      platform,
      name,
      deviceId,
    });
    assert.ok(answer.status === 201 || answer.status === 200, answer.text);
  };

  before(async () => {
    instance = await startTestInstance({ USHER_CONNECT_MAX_PER_IP: '10000' });
    admin = await instance.signIn();
    const added = await admin.post<{ items: { id: string; email: string }[] }>('/api/v1/users', {
      users: ['anna', 'jan', 'ewa', 'olga', 'piotr'].map((name) => ({ email: `${name}@devices.example` })),
    });
    assert.equal(added.status, 201, added.text);
    for (const user of added.body.items) {
      ids[user.email.split('@')[0] ?? ''] = user.id;
    }
    const sent = await admin.post('/api/v1/users/send-instructions', {
      userIds: [ids.anna, ids.jan, ids.ewa, ids.olga],
    });
    assert.equal(sent.status, 200, sent.text);
    await connect('anna', 'windows', 'Anna laptop', 'dev-a1');
    await connect('anna', 'android', 'Anna phone', 'dev-a2');
    await connect('jan', 'macos', 'Jan MacBook', 'dev-j1');
  });
  after(() => instance.close());

  test('lists every device with its user, newest first, filtered by platform and searched, with a total and pages', async () => {
    expectProblem(await instance.anonymous().get('/api/v1/devices'), 401, 'auth.required');
    const all = await admin.get<Listed<DeviceItem>>('/api/v1/devices');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(
      all.body.items.map((item) => [item.user.email, item.platform, item.name]),
      [
        ['jan@devices.example', 'macos', 'Jan MacBook'],
        ['anna@devices.example', 'android', 'Anna phone'],
        ['anna@devices.example', 'windows', 'Anna laptop'],
      ],
    );
    assert.deepEqual(all.body.total, { total: 3, exact: true });
    const phones = await admin.get<Listed<DeviceItem>>('/api/v1/devices?platform=android');
    assert.deepEqual(
      phones.body.items.map((item) => item.name),
      ['Anna phone'],
    );
    const searched = await admin.get<Listed<DeviceItem>>('/api/v1/devices?search=MACBOOK');
    assert.deepEqual(
      searched.body.items.map((item) => item.name),
      ['Jan MacBook'],
    );
    const byUser = await admin.get<Listed<DeviceItem>>('/api/v1/devices?search=anna@');
    assert.equal(byUser.body.items.length, 2);
    const first = await admin.get<Listed<DeviceItem>>('/api/v1/devices?limit=2');
    assert.equal(first.body.items.length, 2);
    const next = await admin.get<Listed<DeviceItem>>(
      `/api/v1/devices?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );
    assert.deepEqual(
      next.body.items.map((item) => item.name),
      ['Anna laptop'],
    );
    assert.equal(next.body.total, null);
    assert.equal(next.body.nextCursor, null);
    expectProblem(await admin.get('/api/v1/devices?platform=linux'), 400, 'request.validation_failed');
  });

  test('a reconnect moves "last seen"; disconnecting from the list uses the user\'s device route', async () => {
    const before = (await admin.get<Listed<DeviceItem>>('/api/v1/devices?search=laptop')).body.items[0];
    await new Promise((resolve) => setTimeout(resolve, 20));
    await connect('anna', 'windows', 'Anna laptop', 'dev-a1');
    const after = (await admin.get<Listed<DeviceItem>>('/api/v1/devices?search=laptop')).body.items[0];
    assert.equal(after?.connectedAt, before?.connectedAt);
    assert.ok(Date.parse(after?.lastSeenAt ?? '') > Date.parse(before?.lastSeenAt ?? ''), 'last seen moved');
    const gone = await admin.delete(`/api/v1/users/${after?.user.id}/devices/${after?.id}`);
    assert.equal(gone.status, 204, gone.text);
    assert.deepEqual((await admin.get<Listed<DeviceItem>>('/api/v1/devices')).body.total, { total: 2, exact: true });
  });

  test('"not connected yet": users sent instructions without a device, removed users left out', async () => {
    const removed = await admin.post('/api/v1/users/remove', { userIds: [ids.olga] });
    assert.equal(removed.status, 200, removed.text);
    const awaiting = await admin.get<Listed<{ user: { email: string }; sentAt: string }>>('/api/v1/devices/awaiting');
    assert.equal(awaiting.status, 200, awaiting.text);
    assert.deepEqual(
      awaiting.body.items.map((item) => item.user.email),
      ['ewa@devices.example'],
      'piotr was sent nothing; olga is removed; anna and jan connected',
    );
    assert.deepEqual(awaiting.body.total, { total: 1, exact: true });
    const deployment = await createAdmin(instance, instance.organizationId, 'deployment-admin');
    const client = await instance.signIn(deployment.email);
    const allowed = await client.get<Listed<unknown>>('/api/v1/devices/awaiting');
    assert.equal(allowed.status, 200, 'deployment admins read devices and users');
  });
});
