/**
 * Several Usher processes on one PostgreSQL database (SPEC section 6): two servers and a worker
 * started at the same moment migrate once, create the first organization once, share sessions,
 * rate limits and jobs, and shut down gracefully. Needs TEST_DATABASE_URL (PGlite serves one process).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { JobQueue } from '../src/jobs/queue.ts';
import { maintenanceJob } from '../src/maintenance.job.ts';
import { Client, expectProblem } from './support/client.ts';
import { ADMIN_PASSWORD, openTestDatabase } from './support/instance.ts';
import { freePort, MEASURED_TIMEOUT, startUsher, type UsherProcess, waitHealthy } from './support/process.ts';

/** The worker's job may take this many times the servers' start (it started with them). */
const JOB_FACTOR = 10;
const skip = process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (a PostgreSQL server)';

function exitCode(proc: UsherProcess): Promise<number | null> {
  return proc.child.exitCode !== null
    ? Promise.resolve(proc.child.exitCode)
    : new Promise((resolve) => proc.child.once('exit', (code) => resolve(code)));
}

describe('several processes on one PostgreSQL database', { skip, timeout: MEASURED_TIMEOUT }, () => {
  let target: Awaited<ReturnType<typeof openTestDatabase>>;
  let procs: UsherProcess[] = [];
  let startMs = 0;

  before(
    async () => {
      target = await openTestDatabase();
      const env = {
        DATABASE_URL: target.url ?? '',
        USHER_ADMIN_EMAIL: 'root@multi.example',
        USHER_ADMIN_PASSWORD: ADMIN_PASSWORD,
        USHER_ORG_NAME: 'Multi',
        USHER_LOGIN_MAX_FAILURES: '3',
      };
      procs = [
        startUsher('serve', env, await freePort()),
        startUsher('serve', env, await freePort()),
        startUsher('worker', env, await freePort()),
      ];
      // The worker serves no HTTP: the job test below gives it as long as the servers took, and more.
      startMs = Math.max(...(await Promise.all(procs.slice(0, 2).map(waitHealthy))));
    },
    { timeout: MEASURED_TIMEOUT },
  );
  after(async () => {
    for (const proc of procs) {
      if (proc.child.exitCode === null) {
        proc.child.kill('SIGKILL');
      }
    }
    await target.drop();
  });

  test('migrations and the first organization happen exactly once', async () => {
    const db = target.database.db;
    const applied = await sql<{ n: number }>`select count(*)::int as n from usher_migrations`.execute(db);
    assert.equal(applied.rows[0]?.n, Object.keys(migrations).length);
    const organizations = await db.selectFrom('organizations').select('name').execute();
    assert.deepEqual(
      organizations.map((row) => row.name),
      ['Multi'],
    );
    const created = await db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'organization.create')
      .execute();
    assert.equal(created.length, 1);
  });

  test('a session started on one server works on the other, CSRF included', async () => {
    const [a, b] = procs;
    const onA = new Client(`http://127.0.0.1:${a?.port}`);
    await onA.signIn('root@multi.example', ADMIN_PASSWORD);
    const onB = new Client(`http://127.0.0.1:${b?.port}`);
    onB.cookie = onA.cookie;
    onB.csrfToken = onA.csrfToken;
    const session = await onB.get<{ actor: { label: string } }>('/api/v1/auth/session');
    assert.equal(session.body.actor.label, 'root@multi.example');
    assert.equal((await onB.patch('/api/v1/me', { locale: 'ru' })).status, 200);
    assert.equal((await onA.post('/api/v1/auth/logout')).status, 204);
    expectProblem(await onB.get('/api/v1/auth/session'), 401, 'auth.session_expired');
  });

  test('sign-in failures count across servers', async () => {
    const [a, b] = procs;
    const onA = new Client(`http://127.0.0.1:${a?.port}`);
    const onB = new Client(`http://127.0.0.1:${b?.port}`);
    const wrong = { email: 'root@multi.example', password: 'wrong password here' };
    expectProblem(await onA.post('/api/v1/auth/login', wrong), 401, 'auth.invalid_credentials');
    expectProblem(await onB.post('/api/v1/auth/login', wrong), 401, 'auth.invalid_credentials');
    expectProblem(await onA.post('/api/v1/auth/login', wrong), 401, 'auth.invalid_credentials');
    expectProblem(
      await onB.post('/api/v1/auth/login', { ...wrong, password: ADMIN_PASSWORD }),
      429,
      'auth.rate_limited',
    );
    await target.database.db.deleteFrom('rate_limits').execute();
  });

  test('a job queued by anyone is performed by the separate worker process', async () => {
    const db = target.database.db;
    const organization = await db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
    const user = await db.selectFrom('users').select('id').executeTakeFirstOrThrow();
    await db
      .insertInto('sessions')
      .values({
        token_hash: 'f'.repeat(64),
        organization_id: organization.id,
        user_id: user.id,
        csrf_token: 'x',
        last_seen_at: new Date(),
        expires_at: new Date(Date.now() - 1000),
      })
      .execute();
    const database = await openDatabase({ databaseUrl: target.url, poolSize: 1 });
    const sender = await JobQueue.start(database, {
      worker: false,
      onError: (error) => {
        throw error;
      },
    });
    try {
      const id = await sender.send(maintenanceJob, {});
      assert.ok(id);
      const started = Date.now();
      let state: string | null = null;
      while (Date.now() - started < JOB_FACTOR * startMs && state !== 'completed') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        state = await sender.getJobState(maintenanceJob.name, id);
      }
      assert.equal(state, 'completed');
      const expired = await db.selectFrom('sessions').select('id').where('token_hash', '=', 'f'.repeat(64)).execute();
      assert.equal(expired.length, 0, 'the job really ran');
    } finally {
      await sender.stop();
      await database.close();
    }
  });

  test('SIGTERM shuts every process down cleanly', async () => {
    for (const proc of procs) {
      proc.child.kill('SIGTERM');
    }
    const codes = await Promise.all(procs.map(exitCode));
    assert.deepEqual(codes, [0, 0, 0], procs.map((proc) => proc.output.join('')).join('\n---\n'));
  });
});
