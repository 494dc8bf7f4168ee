/**
 * Second factor for password sign-in (issue 21): enrolling an authenticator app (codes computed
 * here with RFC 6238), signing in with a code or a recovery code, replays and wrong codes, removal,
 * and the organization setting that makes admins without a factor enrol first. @see issue 21
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { ADMIN_PASSWORD, createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

/** The TOTP code of a base32 secret for a time (RFC 6238, SHA-1, 6 digits, 30 s). */
function totpCode(secret: string, timestamp = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp,
  });
}

/**
 * The code of the step before or after the current one (clock drift), computed away from a step's
 * edge: a code of the previous step computed in a step's last moments is two steps old by the
 * time the server checks it in the next, and rightly refused.
 */
async function driftCode(secret: string, steps: -1 | 1): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 3000) {
    await new Promise((resolve) => setTimeout(resolve, left + 100));
  }
  return totpCode(secret, Date.now() + steps * 30_000);
}

/** A well-formed answer of an authenticator that no key made (signature and data random). */
function fakeCredential(kind: 'attestation' | 'assertion') {
  const id = randomBytes(16).toString('base64url');
  const clientDataJSON = Buffer.from(
    JSON.stringify({ type: 'webauthn.get', challenge: 'x', origin: 'http://localhost:1' }),
  ).toString('base64url');
  const response =
    kind === 'attestation'
      ? { clientDataJSON, attestationObject: randomBytes(64).toString('base64url'), transports: ['usb'] }
      : {
          clientDataJSON,
          authenticatorData: randomBytes(37).toString('base64url'),
          signature: randomBytes(70).toString('base64url'),
        };
  return { id, rawId: id, type: 'public-key', response, clientExtensionResults: {} };
}

interface Enrolled {
  email: string;
  userId: string;
  secret: string;
  recoveryCodes: string[];
}

describe('second factor', () => {
  let instance: TestInstance;

  before(async () => {
    // The key is set for PostgreSQL, where secrets cannot be stored without one.
    instance = await startTestInstance({
      USHER_LOGIN_MAX_FAILURES: '3',
      USHER_LOGIN_MAX_PER_ADDRESS: '400',
      USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
  });
  after(() => instance.close());

  /** Signs in with the password only; answers the login response and the client holding its cookies. */
  async function passwordStep(email: string): Promise<{ client: Client; body: Record<string, unknown> }> {
    const client = instance.anonymous();
    const response = await client.post('/api/v1/auth/login', { email, password: ADMIN_PASSWORD });
    assert.equal(response.status, 200, response.text);
    const mfaCookie = response.headers
      .getSetCookie()
      .find((value) => value.startsWith('usher_mfa='))
      ?.split(';')[0];
    if (mfaCookie) {
      client.cookie = mfaCookie;
    }
    return { client, body: response.body as Record<string, unknown> };
  }

  async function enrol(): Promise<Enrolled> {
    const { userId, email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const client = await instance.signIn(email, ADMIN_PASSWORD);
    const started = await client.post<{ secret: string; otpauthUrl: string }>('/api/v1/auth/mfa/totp', {});
    assert.equal(started.status, 200, started.text);
    const { secret, otpauthUrl } = started.body;
    const url = new URL(otpauthUrl);
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.host, 'totp');
    assert.equal(url.searchParams.get('secret'), secret);
    assert.equal(url.searchParams.get('issuer'), 'Usher');
    assert.match(decodeURIComponent(url.pathname), new RegExp(email.replace(/[.+]/g, '\\$&')));
    const wrong = expectProblem(
      await client.post('/api/v1/auth/mfa/totp/confirm', { code: '000000' === totpCode(secret) ? '111111' : '000000' }),
      400,
      'auth.invalid_code',
    );
    assert.deepEqual(
      (wrong.errors as { field: string }[]).map((problem) => problem.field),
      ['body.code'],
    );
    // The previous step's code is accepted (clock drift of one step).
    const confirmed = await client.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/totp/confirm', {
      code: await driftCode(secret, -1),
    });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(confirmed.body.recoveryCodes.length, 10);
    assert.ok(confirmed.body.recoveryCodes.every((code) => /^[a-z2-9]{5}-[a-z2-9]{5}$/.test(code)));
    return { email, userId, secret, recoveryCodes: confirmed.body.recoveryCodes };
  }

  test('enrols an authenticator app and signs in with a current code; a used code does not work twice', async () => {
    const { email, userId, secret, recoveryCodes } = await enrol();
    const stored = await instance.app.ctx.db
      .selectFrom('mfa_recovery_codes')
      .select('code_hash')
      .where('user_id', '=', userId)
      .execute();
    assert.equal(stored.length, 10);
    assert.ok(stored.every((row) => /^[0-9a-f]{64}$/.test(row.code_hash)));
    assert.ok(!stored.some((row) => recoveryCodes.some((code) => row.code_hash.includes(code))));

    const first = await passwordStep(email);
    assert.deepEqual(first.body, { mfaRequired: true, methods: ['totp', 'recovery_code'] });
    // No session yet: the challenge cookie is not a session.
    expectProblem(await first.client.get('/api/v1/auth/session'), 401, 'auth.required');
    // A code already used (the enrolment's step is spent) is refused.
    expectProblem(
      await first.client.post('/api/v1/auth/mfa/verify', { code: await driftCode(secret, -1) }),
      401,
      'auth.invalid_code',
    );
    const code = totpCode(secret);
    const verified = await first.client.post<{ csrfToken: string; user: { email: string } }>(
      '/api/v1/auth/mfa/verify',
      { code },
    );
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.user.email, email);
    assert.equal(typeof verified.body.csrfToken, 'string');
    assert.equal((await first.client.get('/api/v1/auth/session')).status, 200);

    // The same code again, in a new sign-in, is a replay.
    const second = await passwordStep(email);
    expectProblem(await second.client.post('/api/v1/auth/mfa/verify', { code }), 401, 'auth.invalid_code');

    const audit = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'after'])
      .where('target_id', '=', userId)
      .where('action', 'in', ['auth.mfa_enrol', 'auth.mfa_verify', 'auth.mfa_failed'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((event) => event.action),
      ['auth.mfa_enrol', 'auth.mfa_failed', 'auth.mfa_verify', 'auth.mfa_failed'],
    );
  });

  /** The stored secret column of the admin's authenticator app. */
  async function storedSecret(userId: string): Promise<{ id: string; secret: string | null }> {
    return instance.app.ctx.db
      .selectFrom('mfa_factors')
      .select(['id', 'secret'])
      .where('user_id', '=', userId)
      .where('kind', '=', 'totp')
      .executeTakeFirstOrThrow();
  }

  test('the secret is stored sealed, bound to its row; one stored in plain text is sealed at its first use', async () => {
    const { email, userId, secret } = await enrol();
    const sealed = await storedSecret(userId);
    const stored = sealed.secret ?? '';
    assert.ok(stored.startsWith('v1.'), stored);
    assert.ok(!stored.includes(secret));
    assert.ok(!stored.includes(Buffer.from(secret).toString('base64url')));

    // A secret written before sealing (plain base32) still works, and is sealed once used.
    await instance.app.ctx.db.updateTable('mfa_factors').set({ secret }).where('id', '=', sealed.id).execute();
    const { client } = await passwordStep(email);
    const verified = await client.post('/api/v1/auth/mfa/verify', { code: totpCode(secret) });
    assert.equal(verified.status, 200, verified.text);
    const resealed = await storedSecret(userId);
    assert.ok(resealed.secret?.startsWith('v1.'), resealed.secret ?? 'no secret');
    assert.notEqual(resealed.secret, sealed.secret, 'a fresh nonce');

    // Sealed for another admin's factor, it does not open: the sign-in fails with a 500, not a wrong code.
    const other = await enrol();
    await instance.app.ctx.db
      .updateTable('mfa_factors')
      .set({ secret: resealed.secret })
      .where('id', '=', (await storedSecret(other.userId)).id)
      .execute();
    const third = await passwordStep(other.email);
    expectProblem(
      await third.client.post('/api/v1/auth/mfa/verify', { code: await driftCode(secret, 1) }),
      500,
      'secrets.unreadable',
    );
  });

  test("passkey enrolment: options for the public URL's host; a bad answer is a 400 naming the field", async () => {
    const { email } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const client = await instance.signIn(email, ADMIN_PASSWORD);
    expectProblem(
      await client.post('/api/v1/auth/mfa/webauthn/registration/verify', { response: fakeCredential('attestation') }),
      409,
      'auth.mfa_no_enrolment',
    );
    const options = await client.post<{
      challenge: string;
      rp: { id: string; name: string };
      user: { name: string };
      attestation: string;
    }>('/api/v1/auth/mfa/webauthn/registration/options', { label: 'YubiKey' });
    assert.equal(options.status, 200, options.text);
    assert.equal(options.body.rp.id, 'localhost');
    assert.equal(options.body.user.name, email);
    assert.equal(options.body.attestation, 'none');
    assert.match(options.body.challenge, /^[A-Za-z0-9_-]{20,}$/);
    const missing = expectProblem(
      await client.post('/api/v1/auth/mfa/webauthn/registration/verify', {}),
      400,
      'request.validation_failed',
    );
    assert.ok(JSON.stringify(missing).includes('body.response'), JSON.stringify(missing));
    const wrong = expectProblem(
      await client.post('/api/v1/auth/mfa/webauthn/registration/verify', { response: fakeCredential('attestation') }),
      400,
      'auth.invalid_code',
    );
    assert.deepEqual(
      (wrong.errors as { field: string }[]).map((problem) => problem.field),
      ['body.response'],
    );
    // Nothing was enrolled: the password alone still signs in.
    const again = await passwordStep(email);
    assert.equal(again.body.mfaRequired, undefined);
  });

  test('passkey sign-in: options list the keys; a failed assertion is audited and counts toward the limits', async () => {
    const { email, userId } = await createAdmin(instance, instance.organizationId, 'support-admin');
    const credentialId = randomBytes(16).toString('base64url');
    await instance.app.ctx.db
      .insertInto('mfa_factors')
      .values({
        organization_id: instance.organizationId,
        user_id: userId,
        kind: 'webauthn',
        label: 'Key',
        credential_id: credentialId,
        public_key: randomBytes(77),
        sign_count: 0,
        transports: ['usb'],
        confirmed_at: new Date(),
      })
      .execute();
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/mfa/webauthn/authentication/options', {}),
      401,
      'auth.mfa_challenge_expired',
    );
    const { client, body } = await passwordStep(email);
    assert.deepEqual(body, { mfaRequired: true, methods: ['webauthn'] });
    const options = await client.post<{ challenge: string; rpId: string; allowCredentials: { id: string }[] }>(
      '/api/v1/auth/mfa/webauthn/authentication/options',
      {},
    );
    assert.equal(options.status, 200, options.text);
    assert.equal(options.body.rpId, 'localhost');
    assert.deepEqual(
      options.body.allowCredentials.map((key) => key.id),
      [credentialId],
    );
    const assertion = { ...fakeCredential('assertion'), id: credentialId, rawId: credentialId };
    expectProblem(
      await client.post('/api/v1/auth/mfa/webauthn/authentication/verify', { response: assertion }),
      401,
      'auth.invalid_code',
    );
    // The challenge is spent by the attempt: the same answer again fails too.
    expectProblem(
      await client.post('/api/v1/auth/mfa/webauthn/authentication/verify', { response: assertion }),
      401,
      'auth.invalid_code',
    );
    expectProblem(await client.get('/api/v1/auth/session'), 401, 'auth.required');
    const counters = await instance.app.ctx.db
      .selectFrom('rate_limits')
      .select(['key', 'hits'])
      .where('key', '=', `login:account:${email}`)
      .execute();
    assert.equal(counters[0]?.hits, 2, JSON.stringify(counters));
    const audit = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('action')
      .where('target_id', '=', userId)
      .where('action', '=', 'auth.mfa_failed')
      .execute();
    assert.equal(audit.length, 2);
  });

  test('a recovery code signs in once', async () => {
    const { email, recoveryCodes } = await enrol();
    const code = recoveryCodes[3] ?? '';
    const first = await passwordStep(email);
    const verified = await first.client.post('/api/v1/auth/mfa/verify', { code: code.toUpperCase() });
    assert.equal(verified.status, 200, verified.text);
    const second = await passwordStep(email);
    expectProblem(await second.client.post('/api/v1/auth/mfa/verify', { code }), 401, 'auth.invalid_code');
    const audit = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('after')
      .where('action', '=', 'auth.mfa_verify')
      .where('target_label', '=', email)
      .execute();
    assert.deepEqual(
      audit.map((event) => (event.after as { method: string }).method),
      ['recovery_code'],
    );
  });

  test('wrong codes count toward the sign-in limits; the challenge expires; no cookie, no sign-in', async () => {
    const { email, secret } = await enrol();
    const { client } = await passwordStep(email);
    let refused = false;
    for (let attempt = 0; attempt < 8 && !refused; attempt++) {
      const answer = await client.post('/api/v1/auth/mfa/verify', { code: '12345678-wrong' });
      refused = answer.status === 429;
      if (!refused) {
        expectProblem(answer, 401, 'auth.invalid_code');
      }
    }
    assert.ok(refused, 'wrong codes were throttled');
    // The failures are the account's sign-in failures (the same counters as wrong passwords).
    const counters = await instance.app.ctx.db
      .selectFrom('rate_limits')
      .select(['key', 'hits'])
      .where('key', 'in', [`login:account:${email}`, `login:pair:${email}|127.0.0.1`])
      .execute();
    assert.equal(counters.length, 2, JSON.stringify(counters));
    assert.ok(
      counters.every((counter) => counter.hits >= 3),
      JSON.stringify(counters),
    );
    expectProblem(
      await instance.anonymous().post('/api/v1/auth/mfa/verify', { code: totpCode(secret) }),
      401,
      'auth.mfa_challenge_expired',
    );
  });

  test('an expired challenge is refused', async () => {
    const { email, userId, secret } = await enrol();
    const { client } = await passwordStep(email);
    await instance.app.ctx.db
      .updateTable('mfa_challenges')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', userId)
      .execute();
    expectProblem(
      await client.post('/api/v1/auth/mfa/verify', { code: totpCode(secret) }),
      401,
      'auth.mfa_challenge_expired',
    );
  });

  test('lists, regenerates recovery codes for and removes a factor; then the password alone signs in', async () => {
    const { email, secret, recoveryCodes } = await enrol();
    const { client } = await passwordStep(email);
    const verified = await client.post('/api/v1/auth/mfa/verify', { code: totpCode(secret) });
    assert.equal(verified.status, 200, verified.text);
    client.csrfToken = (verified.body as { csrfToken: string }).csrfToken;
    client.cookie = verified.headers
      .getSetCookie()
      .find((value) => value.startsWith('usher_session='))
      ?.split(';')[0];
    const mine = await client.get<{ factors: { id: string; kind: string }[]; recoveryCodesLeft: number }>(
      '/api/v1/auth/mfa',
    );
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.factors.length, 1);
    assert.equal(mine.body.factors[0]?.kind, 'totp');
    assert.equal(mine.body.recoveryCodesLeft, 10);
    expectProblem(await client.post('/api/v1/auth/mfa/totp', {}), 409, 'auth.mfa_already_enrolled');
    const fresh = await client.post<{ recoveryCodes: string[] }>('/api/v1/auth/mfa/recovery-codes', {});
    assert.equal(fresh.body.recoveryCodes.length, 10);
    const old = await passwordStep(email);
    expectProblem(
      await old.client.post('/api/v1/auth/mfa/verify', { code: recoveryCodes[0] ?? '' }),
      401,
      'auth.invalid_code',
    );
    const removed = await client.request('DELETE', `/api/v1/auth/mfa/factors/${mine.body.factors[0]?.id}`);
    assert.equal(removed.status, 204, removed.text);
    const plain = await passwordStep(email);
    assert.equal(typeof plain.body.csrfToken, 'string');
    assert.equal(plain.body.mfaRequired, undefined);
    // Another admin's factor is not mine to remove.
    const other = await enrol();
    const otherFactor = await instance.app.ctx.db
      .selectFrom('mfa_factors')
      .select('id')
      .where('user_id', '=', other.userId)
      .executeTakeFirstOrThrow();
    expectProblem(
      await client.request('DELETE', `/api/v1/auth/mfa/factors/${otherFactor.id}`),
      404,
      'request.not_found',
    );
  });

  test('"require a second factor": an admin without one may only enrol, then uses the console', async () => {
    const admin = await instance.signIn();
    const set = await admin.request<{ requireMfa: boolean }>('PATCH', '/api/v1/organization', {
      body: { requireMfa: true },
    });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.requireMfa, true);
    try {
      const support = await createAdmin(instance, instance.organizationId, 'support-admin');
      const client = await instance.signIn(support.email, ADMIN_PASSWORD);
      const session = await client.get<{ mfaEnrolmentRequired: boolean }>('/api/v1/auth/session');
      assert.equal(session.body.mfaEnrolmentRequired, true);
      expectProblem(await client.get('/api/v1/users'), 403, 'auth.mfa_enrolment_required');
      const started = await client.post<{ secret: string }>('/api/v1/auth/mfa/totp', {});
      const confirmed = await client.post('/api/v1/auth/mfa/totp/confirm', { code: totpCode(started.body.secret) });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.equal((await client.get('/api/v1/users')).status, 200);
      const after = await client.get<{ mfaEnrolmentRequired: boolean }>('/api/v1/auth/session');
      assert.equal(after.body.mfaEnrolmentRequired, false);
      const audit = await instance.app.ctx.db
        .selectFrom('audit_events')
        .select('after')
        .where('action', '=', 'organization.update')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal((audit.after as { requireMfa: boolean }).requireMfa, true);
      // Only system admins change the setting.
      expectProblem(
        await client.request('PATCH', '/api/v1/organization', { body: { requireMfa: false } }),
        403,
        'auth.forbidden',
      );
    } finally {
      await admin.request('PATCH', '/api/v1/organization', { body: { requireMfa: false } });
    }
  });

  test('API tokens have no second factor', async () => {
    const admin = await instance.signIn();
    const created = await admin.post<{ token: string }>('/api/v1/api-tokens', { name: 'mfa', role: 'support-admin' });
    const bearer = instance.anonymous().withToken(created.body.token);
    expectProblem(await bearer.post('/api/v1/auth/mfa/totp', {}), 400, 'auth.no_session');
  });
});
