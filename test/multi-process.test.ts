/**
 * Several Usher processes on one PostgreSQL database (SPEC section 6): two servers and a worker
 * started at the same moment migrate once, create the first organization once, share sessions,
 * rate limits and jobs, and shut down gracefully. Needs TEST_DATABASE_URL (PGlite serves one process).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.ts';
import { migrations } from '../src/db/migrations/index.ts';
import { maintenanceJob } from '../src/jobs/maintenance.job.ts';
import { JobQueue } from '../src/jobs/queue.ts';
import { Client, expectProblem } from './support/client.ts';
import { ADMIN_PASSWORD, openTestDatabase } from './support/instance.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const skip = process.env.TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL (a PostgreSQL server)';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

interface Proc {
  child: ChildProcess;
  output: string[];
  port: number;
}

function startProcess(mode: string, env: Record<string, string>, port: number): Proc {
  const child = spawn(process.execPath, ['src/cli.ts', mode], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', USHER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return { child, output, port };
}

async function waitHealthy(proc: Proc): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if (proc.child.exitCode !== null) {
      throw new Error(`process exited: ${proc.output.join('')}`);
    }
    const ok = await fetch(`http://127.0.0.1:${proc.port}/healthz`)
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not healthy after 60 s: ${proc.output.join('')}`);
}

function exitCode(proc: Proc): Promise<number | null> {
  return proc.child.exitCode !== null
    ? Promise.resolve(proc.child.exitCode)
    : new Promise((resolve) => proc.child.once('exit', (code) => resolve(code)));
}

describe('several processes on one PostgreSQL database', { skip }, () => {
  let target: Awaited<ReturnType<typeof openTestDatabase>>;
  let procs: Proc[] = [];

  before(async () => {
    target = await openTestDatabase();
    const env = {
      DATABASE_URL: target.url ?? '',
      USHER_ADMIN_EMAIL: 'root@multi.example',
      USHER_ADMIN_PASSWORD: ADMIN_PASSWORD,
      USHER_ORG_NAME: 'Multi',
      USHER_LOGIN_MAX_FAILURES: '3',
    };
    procs = [
      startProcess('serve', env, await freePort()),
      startProcess('serve', env, await freePort()),
      startProcess('worker', env, await freePort()),
    ];
    await Promise.all(procs.slice(0, 2).map(waitHealthy));
  });
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
      while (Date.now() - started < 30_000 && state !== 'completed') {
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
