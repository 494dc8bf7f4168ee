import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectProblem } from './support/client.ts';
import { ADMIN_PASSWORD, startTestInstance, type TestInstance } from './support/instance.ts';

const from = (address: string) => ({ 'x-forwarded-for': address });

describe('security: nobody can lock the owner out of sign-in', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({
      USHER_LOGIN_MAX_FAILURES: '2',
      USHER_LOGIN_ACCOUNT_MAX_FAILURES: '6',
      USHER_TRUST_PROXY: 'true',
    });
  });
  after(() => instance.close());

  const login = (address: string, password: string, email = instance.admin.email) =>
    instance.anonymous().request('POST', '/api/v1/auth/login', { body: { email, password }, headers: from(address) });

  test('10 wrong passwords from one address do not keep the owner out from another', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      statuses.push((await login('203.0.113.10', 'not the password')).status);
    }
    assert.deepEqual(statuses.slice(0, 2), [401, 401]);
    assert.ok(
      statuses.slice(2).every((status) => status === 429),
      `later attempts wait: ${statuses}`,
    );
    assert.equal((await login('198.51.100.1', ADMIN_PASSWORD)).status, 200);
  });

  test('past the account-wide limit only known addresses may try, and the owner is e-mailed once', async () => {
    for (let address = 1; address <= 7; address++) {
      await login(`192.0.2.${address}`, 'guess guess guess');
    }
    const stranger = await login('192.0.2.200', ADMIN_PASSWORD);
    expectProblem(stranger, 429, 'auth.rate_limited');
    assert.ok(Number(stranger.headers.get('retry-after')) > 0);
    assert.equal((await login('198.51.100.1', ADMIN_PASSWORD)).status, 200, 'the known address still signs in');
    const warnings = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('kind', '=', 'sign_in_throttled')
      .execute();
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.to_address, instance.admin.email);
    const audited = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'auth.login_throttled')
      .execute();
    assert.equal(audited.length, 1);
  });
});
