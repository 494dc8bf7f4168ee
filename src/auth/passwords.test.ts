/**
 * Admin sign-in (issue 21): invitations of new admins, changing a password, "Forgot password",
 * one-time links, and revoking the last admin role ending sessions. @see issue 21
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client, expectProblem } from '../../test/support/client.ts';
import {
  ADMIN_PASSWORD,
  createAdmin,
  createCatalog,
  createOrganization,
  startTestInstance,
  type TestInstance,
} from '../../test/support/instance.ts';
import { hashSecret } from './secrets.ts';

const NEW_PASSWORD = 'a brand new passphrase';

interface Detail {
  id: string;
  adminSignIn: { passwordSet: boolean; lastSignInAt: string | null } | null;
}

describe('admin invitations and the password lifecycle', () => {
  let instance: TestInstance;
  let admin: Client;
  let productId = '';

  before(async () => {
    instance = await startTestInstance({ USHER_LOGIN_MAX_FAILURES: '3', USHER_LOGIN_MAX_PER_ADDRESS: '200' });
    admin = await instance.signIn();
    ({ productId } = await createCatalog(instance, instance.organizationId, 'Invite'));
  });
  after(() => instance.close());

  async function addUser(email: string): Promise<string> {
    const added = await admin.post<{ items: { id: string }[] }>('/api/v1/users', { users: [{ email }] });
    assert.equal(added.status, 201, added.text);
    return added.body.items[0]?.id ?? '';
  }

  /** The link of the newest message of `kind` to `to`, read from the Outbox API's rendered text. */
  async function linkFor(to: string, kind: string, path: string): Promise<string> {
    const list = await admin.get<{ items: { id: string; to: string }[] }>(`/api/v1/outbox?kind=${kind}`);
    const message = list.body.items.find((item) => item.to === to);
    assert.ok(message, `no ${kind} e-mail to ${to}`);
    const detail = await admin.get<{ text: string; html: string }>(`/api/v1/outbox/${message.id}`);
    const found = new RegExp(`/${path}/([A-Za-z0-9_-]{43})`).exec(detail.body.text);
    assert.ok(found, detail.body.text);
    assert.ok(detail.body.html.includes(`/${path}/${found[1]}`));
    return found[1] ?? '';
  }

  test('granting an admin role to a user without a password e-mails a one-time set-password link', async () => {
    const email = 'invited@example.com';
    const userId = await addUser(email);
    const granted = await admin.post<Detail>(`/api/v1/users/${userId}/admin-roles`, {
      role: 'product-admin',
      scopeId: productId,
    });
    assert.equal(granted.status, 200, granted.text);
    assert.deepEqual(granted.body.adminSignIn, { passwordSet: false, lastSignInAt: null });
    const token = await linkFor(email, 'welcome', 'set-password');

    // Stored only as its SHA-256, short-lived.
    const stored = await instance.app.ctx.db
      .selectFrom('password_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .execute();
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.token_hash, hashSecret(token));
    assert.equal(stored[0]?.purpose, 'invitation');
    const ttlHours = ((stored[0]?.expires_at.getTime() ?? 0) - Date.now()) / 3_600_000;
    assert.ok(ttlHours > 71 && ttlHours <= 72, String(ttlHours));

    // Before setting a password the admin cannot sign in.
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/login', { email, password: NEW_PASSWORD }),
      401,
      'auth.invalid_credentials',
    );
    // A password under the set-up policy is refused, naming the field.
    const short = expectProblem(
      await instance.anonymous().post('/api/v1/auth/password-reset/confirm', { token, newPassword: 'short' }),
      400,
      'request.validation_failed',
    );
    assert.deepEqual(
      (short.errors as { field: string }[]).map((problem) => problem.field),
      ['body.newPassword'],
    );
    const set = await instance.anonymous().post('/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body, { email });
    // Single use.
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/password-reset/confirm', { token, newPassword: NEW_PASSWORD }),
      400,
      'auth.invalid_link',
    );

    const invited = await instance.signIn(email, NEW_PASSWORD);
    const session = await invited.get<{ roles: { role: string }[]; abilities: string[] }>('/api/v1/auth/session');
    assert.deepEqual(
      session.body.roles.map((role) => role.role),
      ['product-admin'],
    );
    assert.ok(!session.body.abilities.includes('adminRole.assign'));
    const detail = await admin.get<Detail>(`/api/v1/users/${userId}`);
    assert.equal(detail.body.adminSignIn?.passwordSet, true);
    assert.ok(detail.body.adminSignIn?.lastSignInAt);

    const audit = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('target_id', '=', userId)
      .where('action', '=', 'auth.password_set')
      .execute();
    assert.equal(audit.length, 1);
  });

  test('a group admin added on the group page gets the welcome e-mail with a set-password link', async () => {
    const email = 'group-lead@example.com';
    const userId = await addUser(email);
    const { groupId } = await createCatalog(instance, instance.organizationId, 'Leads');
    const added = await admin.post(`/api/v1/groups/${groupId}/admins`, { userIds: [userId] });
    assert.equal(added.status, 200, added.text);
    const token = await linkFor(email, 'welcome', 'set-password');
    const set = await instance.anonymous().post('/api/v1/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    assert.equal(set.status, 200, set.text);
    const lead = await instance.signIn(email, NEW_PASSWORD);
    const session = await lead.get<{ roles: { role: string; scope: { id: string } | null }[] }>('/api/v1/auth/session');
    assert.deepEqual(
      session.body.roles.map((role) => [role.role, role.scope?.id]),
      [['group-admin', groupId]],
    );
    // Adding the same admin again changes nothing and sends nothing.
    await admin.post(`/api/v1/groups/${groupId}/admins`, { userIds: [userId] });
    const welcomes = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('id')
      .where('kind', '=', 'welcome')
      .where('user_id', '=', userId)
      .execute();
    assert.equal(welcomes.length, 1);
  });

  test('"Resend invitation" sends a new link and the earlier one stops working; an admin with a password needs none', async () => {
    const email = 'resent@example.com';
    const userId = await addUser(email);
    await admin.post(`/api/v1/users/${userId}/admin-roles`, { role: 'support-admin' });
    const first = await linkFor(email, 'welcome', 'set-password');
    const resent = await admin.post(`/api/v1/users/${userId}/invitation`, {});
    assert.equal(resent.status, 204, resent.text);
    const second = await linkFor(email, 'welcome', 'set-password');
    assert.notEqual(first, second);
    expectProblem(
      await instance
        .anonymous()
        .post('/api/v1/auth/password-reset/confirm', { token: first, newPassword: NEW_PASSWORD }),
      400,
      'auth.invalid_link',
    );
    const set = await instance.anonymous().post('/api/v1/auth/password-reset/confirm', {
      token: second,
      newPassword: NEW_PASSWORD,
    });
    assert.equal(set.status, 200, set.text);
    expectProblem(await admin.post(`/api/v1/users/${userId}/invitation`, {}), 409, 'auth.invitation_not_needed');
    const plain = await addUser('not-an-admin@example.com');
    expectProblem(await admin.post(`/api/v1/users/${plain}/invitation`, {}), 409, 'auth.not_an_admin');

    // Only admins who may assign roles resend; another organization's user is not found.
    const support = await instance.signIn(email, NEW_PASSWORD);
    expectProblem(await support.post(`/api/v1/users/${plain}/invitation`, {}), 403, 'auth.forbidden');
    const other = await createOrganization(instance, 'Other Invite Org');
    const otherAdmin = await instance.signIn(other.email, ADMIN_PASSWORD);
    expectProblem(await otherAdmin.post(`/api/v1/users/${userId}/invitation`, {}), 404, 'request.not_found');
  });

  test('an admin who already has a password gets the plain welcome e-mail, without a link', async () => {
    const { userId, email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    await admin.post(`/api/v1/users/${userId}/admin-roles`, { role: 'deployment-admin' });
    const list = await admin.get<{ items: { id: string; to: string }[] }>('/api/v1/outbox?kind=welcome');
    const message = list.body.items.find((item) => item.to === email);
    assert.ok(message);
    const detail = await admin.get<{ text: string }>(`/api/v1/outbox/${message.id}`);
    assert.doesNotMatch(detail.body.text, /set-password/);
    const tokens = await instance.app.ctx.db
      .selectFrom('password_tokens')
      .select('id')
      .where('user_id', '=', userId)
      .execute();
    assert.equal(tokens.length, 0);
  });

  test('changing the password needs the current one and ends every other session', async () => {
    const { email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const here = await instance.signIn(email, ADMIN_PASSWORD);
    const elsewhere = await instance.signIn(email, ADMIN_PASSWORD);
    const wrong = expectProblem(
      await here.post('/api/v1/auth/password', { currentPassword: 'not my password', newPassword: NEW_PASSWORD }),
      400,
      'auth.wrong_password',
    );
    assert.deepEqual(
      (wrong.errors as { field: string }[]).map((problem) => problem.field),
      ['body.currentPassword'],
    );
    expectProblem(
      await here.post('/api/v1/auth/password', { currentPassword: ADMIN_PASSWORD, newPassword: 'short' }),
      400,
      'request.validation_failed',
    );
    // Without the CSRF token, a cookie write is refused.
    expectProblem(
      await here.request('POST', '/api/v1/auth/password', {
        body: { currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD },
        csrf: false,
      }),
      403,
      'auth.csrf_failed',
    );
    const changed = await here.post('/api/v1/auth/password', {
      currentPassword: ADMIN_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    assert.equal(changed.status, 204, changed.text);
    assert.equal((await here.get('/api/v1/auth/session')).status, 200);
    expectProblem(await elsewhere.get('/api/v1/auth/session'), 401, 'auth.session_expired');
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/login', { email, password: ADMIN_PASSWORD }),
      401,
      'auth.invalid_credentials',
    );
    await instance.signIn(email, NEW_PASSWORD);
    // API tokens have no password.
    const created = await admin.post<{ token: string }>('/api/v1/api-tokens', { name: 'pw', role: 'support-admin' });
    const bearer = instance.anonymous().withToken(created.body.token);
    expectProblem(
      await bearer.post('/api/v1/auth/password', { currentPassword: ADMIN_PASSWORD, newPassword: NEW_PASSWORD }),
      400,
      'auth.no_session',
    );
  });

  test('wrong current passwords count toward the sign-in limit of the account', async () => {
    const { email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const client = await instance.signIn(email, ADMIN_PASSWORD);
    for (let attempt = 0; attempt < 3; attempt++) {
      expectProblem(
        await client.post('/api/v1/auth/password', { currentPassword: 'wrong wrong wrong', newPassword: NEW_PASSWORD }),
        400,
        'auth.wrong_password',
      );
    }
    // Past the free failures each attempt waits longer (1 s, 2 s, 4 s …): within a few quick tries
    // the next one is refused, and so is signing in from the same address.
    let refused = false;
    for (let attempt = 0; attempt < 4 && !refused; attempt++) {
      const answer = await client.post('/api/v1/auth/password', {
        currentPassword: 'wrong wrong wrong',
        newPassword: NEW_PASSWORD,
      });
      refused = answer.status === 429;
      if (!refused) {
        expectProblem(answer, 400, 'auth.wrong_password');
      }
    }
    assert.ok(refused, 'wrong current passwords were throttled');
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/login', { email, password: ADMIN_PASSWORD }),
      429,
      'auth.rate_limited',
    );
  });

  test('"Forgot password" answers the same for any address and e-mails a one-time link to admins only', async () => {
    const { userId, email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const signedIn = await instance.signIn(email, ADMIN_PASSWORD);
    const anonymous = instance.anonymous();
    const known = await anonymous.post('/api/v1/auth/password-reset', { email: email.toUpperCase() });
    const unknown = await anonymous.post('/api/v1/auth/password-reset', { email: 'nobody@example.com' });
    const plainUser = await addUser('plain-user@example.com');
    const notAdmin = await anonymous.post('/api/v1/auth/password-reset', { email: 'plain-user@example.com' });
    for (const response of [known, unknown, notAdmin]) {
      assert.equal(response.status, 202);
      assert.equal(response.text, known.text);
    }
    const messages = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'user_id'])
      .where('kind', '=', 'password_reset')
      .execute();
    assert.deepEqual(
      messages.map((message) => message.user_id),
      [userId],
    );
    assert.ok(!messages.some((message) => message.user_id === plainUser));
    const token = await linkFor(email, 'password_reset', 'reset-password');
    const stored = await instance.app.ctx.db
      .selectFrom('password_tokens')
      .select(['token_hash', 'expires_at', 'purpose'])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    assert.equal(stored.token_hash, hashSecret(token));
    assert.equal(stored.purpose, 'reset');
    assert.ok(stored.expires_at.getTime() - Date.now() <= 60 * 60_000);

    const reset = await anonymous.post('/api/v1/auth/password-reset/confirm', { token, newPassword: NEW_PASSWORD });
    assert.equal(reset.status, 200, reset.text);
    // Every session of the admin ended; the new password works, the old does not.
    expectProblem(await signedIn.get('/api/v1/auth/session'), 401, 'auth.session_expired');
    await instance.signIn(email, NEW_PASSWORD);
    expectProblem(
      await anonymous.post('/api/v1/auth/password-reset/confirm', { token, newPassword: 'yet another passphrase' }),
      400,
      'auth.invalid_link',
    );
    const audit = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', userId)
      .where('action', 'in', ['auth.password_reset_request', 'auth.password_reset'])
      .execute();
    assert.deepEqual(audit.map((event) => event.action).sort(), ['auth.password_reset', 'auth.password_reset_request']);
  });

  test('an expired link is refused', async () => {
    const { userId, email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    await instance.anonymous().post('/api/v1/auth/password-reset', { email });
    const token = await linkFor(email, 'password_reset', 'reset-password');
    await instance.app.ctx.db
      .updateTable('password_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', userId)
      .execute();
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/password-reset/confirm', { token, newPassword: NEW_PASSWORD }),
      400,
      'auth.invalid_link',
    );
  });

  test('"Forgot password" requests are limited per e-mail address (silently) and per source address (429)', async () => {
    const { email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    for (let attempt = 0; attempt < 8; attempt++) {
      assert.equal((await instance.anonymous().post('/api/v1/auth/password-reset', { email })).status, 202);
    }
    const sent = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select('id')
      .where('kind', '=', 'password_reset')
      .where('to_address', '=', email)
      .execute();
    assert.equal(sent.length, 5);
  });

  test('revoking the last admin role ends the sessions of that admin at once', async () => {
    const { userId, email } = await createAdmin(instance, instance.organizationId, 'deployment-admin');
    const client = await instance.signIn(email, ADMIN_PASSWORD);
    await admin.post(`/api/v1/users/${userId}/admin-roles`, { role: 'support-admin' });
    await admin.request('DELETE', `/api/v1/users/${userId}/admin-roles`, { body: { role: 'deployment-admin' } });
    assert.equal((await client.get('/api/v1/auth/session')).status, 200);
    const sessions = () =>
      instance.app.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
    assert.equal((await sessions()).length, 1);
    await admin.request('DELETE', `/api/v1/users/${userId}/admin-roles`, { body: { role: 'support-admin' } });
    assert.equal((await sessions()).length, 0);
    expectProblem(await client.get('/api/v1/auth/session'), 401, 'auth.session_expired');
  });
});

describe('"Forgot password" per source address', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({ USHER_LOGIN_MAX_PER_ADDRESS: '3' });
  });
  after(() => instance.close());

  test('answers 429 after the per-address limit', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      assert.equal(
        (await instance.anonymous().post('/api/v1/auth/password-reset', { email: `a${attempt}@example.com` })).status,
        202,
      );
    }
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/password-reset', { email: 'a9@example.com' }),
      429,
      'auth.rate_limited',
    );
  });
});
