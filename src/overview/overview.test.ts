import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runBulk } from '../../test/support/bulk.ts';
import { createProductWithProfiles } from '../../test/support/catalog.ts';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

interface Count {
  total: number;
  exact: boolean;
}
interface Overview {
  users: { active: Count; removed: Count } | null;
  groups: Count | null;
  licenses: {
    products: {
      id: string;
      name: string;
      licenseQuantity: number;
      licensesUsed: number;
      lastRunDeficit: number;
      level: number;
      alerted: number;
    }[];
    lastRun: { id: string; fileName: string } | null;
  } | null;
  bulk: { id: string; status: string }[] | null;
  outbox: { queued: Count; failed: Count; held: boolean } | null;
  awaitingDevice: (Count & { users: { id: string; email: string }[] }) | null;
}

describe('overview and license alerts', () => {
  let instance: TestInstance;
  let admin: Client;
  let secondAdmin: string;

  /** The license alerts queued so far: [recipient, product, level]. */
  async function alerts(): Promise<[string, string, number][]> {
    const rows = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('organization_id', '=', instance.organizationId)
      .where('kind', '=', 'license_alert')
      .orderBy('created_at')
      .orderBy('to_address')
      .execute();
    return rows.map((row) => {
      const data = row.data as { product: string; level: number };
      return [row.to_address, data.product, data.level];
    });
  }

  const addUsers = async (prefix: string, from: number, to: number, profile: string) => {
    const users = [];
    for (let n = from; n <= to; n += 1) {
      users.push({ email: `${prefix}${n}@example.org`, profiles: [profile] });
    }
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', { users });
    assert.equal(added.status, 201, added.text);
    return added.body.items.map((user) => user.id);
  };

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    secondAdmin = (await createAdmin(instance, instance.organizationId, 'system-admin')).email;
  });
  after(() => instance.close());

  test('crossing 90 % and 100 % of the seats e-mails every system admin once per crossing, through the outbox', async () => {
    await createProductWithProfiles(admin, 'Acrobat', 10, ['Acrobat Pro']);
    const first = await addUsers('acro', 1, 8, 'Acrobat Pro');
    assert.deepEqual(await alerts(), [], '80 % alerts nobody');
    await addUsers('acro', 9, 9, 'Acrobat Pro');
    const recipients = [instance.admin.email, secondAdmin].sort();
    assert.deepEqual(
      await alerts(),
      recipients.map((to) => [to, 'Acrobat', 90]),
    );
    await addUsers('acro', 10, 10, 'Acrobat Pro');
    assert.equal((await alerts()).filter(([, , level]) => level === 100).length, 2);
    // Still at 100 %: a change that does not cross a threshold sends nothing more.
    const removeOne = await admin.post('/api/v1/users/remove', { userIds: [first[0]] });
    assert.equal(removeOne.status, 200, removeOne.text);
    assert.equal((await alerts()).length, 4, 'falling to 90 % is not alerted');
    await addUsers('acro', 11, 11, 'Acrobat Pro');
    assert.equal((await alerts()).length, 6, 'reaching 100 % again is a new crossing');
    // Below 90 %, then back at 90 %: alerted again.
    const removed = await admin.post('/api/v1/users/remove', { userIds: first.slice(1, 3) });
    assert.equal(removed.status, 200, removed.text);
    await addUsers('acro', 12, 12, 'Acrobat Pro');
    assert.deepEqual(
      (await alerts()).slice(6),
      recipients.map((to) => [to, 'Acrobat', 90]),
    );
    const rendered = await admin.get<{ items: { kind: string; subject: string }[] }>(
      '/api/v1/outbox?kind=license_alert&limit=1',
    );
    assert.equal(rendered.body.items[0]?.subject, 'Acrobat: 90 % of the licenses are in use');
    // Fewer seats cross a threshold too.
    const product = (await admin.get<Overview>('/api/v1/overview')).body.licenses?.products.find(
      (row) => row.name === 'Acrobat',
    );
    assert.equal(product?.licensesUsed, 9);
    const patched = await admin.patch(`/api/v1/products/${product?.id}`, { licenseQuantity: 9 });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(
      (await alerts()).slice(8),
      recipients.map((to) => [to, 'Acrobat', 100]),
    );
  });

  test('a bulk run short of seats shows its deficit on the overview and alerts 110 %; more seats end the alert', async () => {
    await createProductWithProfiles(admin, 'Photoshop', 4, ['Photoshop Std']);
    const rows = ['Email,Product Configurations'];
    for (let n = 1; n <= 6; n += 1) {
      rows.push(`ps${n}@example.org,Photoshop Std`);
    }
    const { operation } = await runBulk(admin, { type: 'add-users' }, `${rows.join('\n')}\n`);
    assert.equal(operation.status, 'completed_with_errors');
    const overview = await admin.get<Overview>('/api/v1/overview');
    assert.equal(overview.status, 200, overview.text);
    const photoshop = overview.body.licenses?.products.find((row) => row.name === 'Photoshop');
    assert.deepEqual(
      photoshop && [photoshop.licensesUsed, photoshop.licenseQuantity, photoshop.lastRunDeficit, photoshop.level],
      [4, 4, 2, 110],
    );
    assert.equal(overview.body.licenses?.lastRun?.id, operation.id);
    assert.equal(overview.body.bulk?.[0]?.id, operation.id);
    const photoshopAlerts = (await alerts()).filter(([, product]) => product === 'Photoshop');
    assert.deepEqual(
      photoshopAlerts.map(([, , level]) => level),
      [100, 100, 110, 110],
      '100 % while the rows were applied, 110 % when the run ended short of 2 seats',
    );
    const more = await admin.patch(`/api/v1/products/${photoshop?.id}`, { licenseQuantity: 20 });
    assert.equal(more.status, 200, more.text);
    const after = (await admin.get<Overview>('/api/v1/overview')).body.licenses?.products.find(
      (row) => row.name === 'Photoshop',
    );
    assert.equal(after?.alerted, 0);
    assert.equal((await alerts()).filter(([, product]) => product === 'Photoshop').length, 4);
  });

  test('the overview counts users, groups, e-mails and users still to connect a device', async () => {
    const ids = await addUsers('dev', 1, 2, 'Photoshop Std');
    const sent = await admin.post('/api/v1/users/send-instructions', { userIds: ids });
    assert.equal(sent.status, 200, sent.text);
    const group = await admin.post('/api/v1/groups', { name: 'Overview group' });
    assert.equal(group.status, 201, group.text);
    const before = (await admin.get<Overview>('/api/v1/overview')).body;
    assert.deepEqual(before.awaitingDevice && [before.awaitingDevice.total, before.awaitingDevice.exact], [2, true]);
    assert.deepEqual(before.awaitingDevice?.users.map((user) => user.email).sort(), [
      'dev1@example.org',
      'dev2@example.org',
    ]);
    const token = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('data')
      .where('kind', '=', 'instructions')
      .where('user_id', '=', ids[0] ?? '')
      .executeTakeFirstOrThrow();
    const connected = await instance.anonymous().post('/api/v1/public/devices', {
      token: (token.data as { token: string }).token,
      platform: 'windows',
      name: 'Laptop',
      deviceId: 'overview-device-1',
    });
    assert.equal(connected.status, 201, connected.text);
    const overview = (await admin.get<Overview>('/api/v1/overview')).body;
    assert.deepEqual(
      overview.awaitingDevice?.users.map((user) => user.email),
      ['dev2@example.org'],
    );
    const activeUsers = await instance.app.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', instance.organizationId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    assert.deepEqual(overview.users?.active, { total: Number(activeUsers.n), exact: true });
    assert.deepEqual(overview.users?.removed, { total: 3, exact: true });
    assert.deepEqual(overview.groups, { total: 1, exact: true });
    assert.equal(overview.outbox?.failed.total, 0);
    assert.ok((overview.outbox?.queued.total ?? 0) > 0, 'welcome and instructions e-mails wait (no SMTP)');
  });

  test('each part is there only for admins who may read it; anonymous callers get 401', async () => {
    expectProblem(await instance.anonymous().get('/api/v1/overview'), 401, 'auth.required');
    const support = await createAdmin(instance, instance.organizationId, 'support-admin');
    const client = await instance.signIn(support.email);
    const overview = await client.get<Overview>('/api/v1/overview');
    assert.equal(overview.status, 200, overview.text);
    assert.equal(overview.body.bulk, null);
    assert.equal(overview.body.outbox, null);
    assert.notEqual(overview.body.users, null);
  });
});
