import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type Client, expectProblem } from '../../test/support/client.ts';
import { createAdmin, startTestInstance, type TestInstance } from '../../test/support/instance.ts';

describe('users list totals and "select all N matching"', () => {
  let instance: TestInstance;
  let admin: Client;

  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
    const added = await admin.post('/api/v1/users', {
      users: [
        ...[1, 2, 3, 4, 5].map((n) => ({ email: `match${n}@matching.example`, firstName: 'Matt' })),
        ...[1, 2, 3].map((n) => ({ email: `other${n}@elsewhere.example` })),
      ],
    });
    assert.equal(added.status, 201, added.text);
  });
  after(() => instance.close());

  test('the total follows the search and filters of the list', async () => {
    expectProblem(await instance.anonymous().get('/api/v1/users/count'), 401, 'auth.required');
    const all = await admin.get('/api/v1/users/count');
    assert.deepEqual(all.body, { total: 9, exact: true }, 'the 8 users and the admin');
    assert.deepEqual((await admin.get('/api/v1/users/count?search=matching.example')).body, { total: 5, exact: true });
    assert.deepEqual((await admin.get('/api/v1/users/count?search=MATT&status=removed')).body, {
      total: 0,
      exact: true,
    });
    expectProblem(await admin.get('/api/v1/users/count?status=gone'), 400, 'request.validation_failed');
  });

  test('send instructions to all matching users, then remove all matching users: each audited as if chosen one by one', async () => {
    const sent = await admin.post('/api/v1/users/send-instructions', { matching: { search: 'elsewhere.example' } });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.body, { queued: 3 });
    const support = await createAdmin(instance, instance.organizationId, 'support-admin');
    const supportClient = await instance.signIn(support.email);
    expectProblem(
      await supportClient.post('/api/v1/users/remove', { matching: { search: 'matching.example' } }),
      403,
      'auth.forbidden',
    );
    const both = expectProblem(
      await admin.post('/api/v1/users/remove', { userIds: [support.userId], matching: { search: 'x' } }),
      400,
      'request.validation_failed',
    );
    assert.equal((both.errors as { field: string }[])[0]?.field, 'body.userIds');
    const removed = await admin.post('/api/v1/users/remove', { matching: { search: 'matching.example' } });
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(removed.body, { removed: 5 });
    assert.deepEqual((await admin.get('/api/v1/users/count?search=matching.example&status=removed')).body, {
      total: 5,
      exact: true,
    });
    const audit = await admin.get<{ items: { target: { label: string } }[] }>(
      '/api/v1/audit-events?action=user.remove&limit=50',
    );
    assert.deepEqual(audit.body.items.map((event) => event.target.label).sort(), [
      'match1@matching.example',
      'match2@matching.example',
      'match3@matching.example',
      'match4@matching.example',
      'match5@matching.example',
    ]);
    // Already removed: nobody is left to remove.
    const again = await admin.post('/api/v1/users/remove', { matching: { search: 'matching.example' } });
    assert.deepEqual(again.body, { removed: 0 });
  });

  test('past 10,000 users the total says "more than 10,000" and an action on all matching is refused, naming the fix', async () => {
    await sql`
      insert into users (organization_id, email, username, alias, identity_type)
      select ${instance.organizationId}, 'many' || n || '@many.example', 'many' || n || '@many.example', 'many' || n, 'personal'
      from generate_series(1, 10001) as n`.execute(instance.app.ctx.db);
    assert.deepEqual((await admin.get('/api/v1/users/count?search=many.example')).body, {
      total: 10000,
      exact: false,
    });
    const refused = expectProblem(
      await admin.post('/api/v1/users/remove', { matching: { search: 'many.example' } }),
      422,
      'users.too_many_matching',
    );
    assert.equal((refused.errors as { field: string }[])[0]?.field, 'body.matching');
    const removedNone = await instance.app.ctx.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'removed')
      .where('email', 'like', '%@many.example')
      .executeTakeFirstOrThrow();
    assert.equal(Number(removedNone.n), 0);
  });
});
