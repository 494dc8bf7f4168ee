/**
 * SIGTERM stops a busy Usher within the 20 s it promises (`src/cli.ts`): a process applying a
 * bulk file is sent SIGTERM, closes gracefully (exit code 0; the 20 s fallback exits with 1),
 * and leaves the operation where the next start resumes it — every applied row with its result.
 * On PGlite (a data folder, the embedded database in its own thread) and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../src/db/database.ts';
import { type BulkOperation, upload } from './support/bulk.ts';
import { Client } from './support/client.ts';
import { ADMIN_PASSWORD, openTestDatabase } from './support/instance.ts';
import { freePort, MEASURED_TIMEOUT, startUsher, type UsherProcess, waitHealthy } from './support/process.ts';

const ROWS = 5000;

describe('SIGTERM', { timeout: MEASURED_TIMEOUT }, () => {
  let dataDir: string | undefined;
  let target: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  let env: Record<string, string>;
  let proc: UsherProcess | undefined;

  before(async () => {
    if (process.env.TEST_DATABASE_URL) {
      target = await openTestDatabase();
      await target.database.close();
      env = { DATABASE_URL: target.url ?? '' };
    } else {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'usher-shutdown-'));
      env = { USHER_DATA_DIR: dataDir };
    }
    Object.assign(env, {
      USHER_ADMIN_EMAIL: 'root@shutdown.example',
      USHER_ADMIN_PASSWORD: ADMIN_PASSWORD,
      USHER_ORG_NAME: 'Shutdown',
    });
  });
  after(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
    }
    await target?.drop();
    if (dataDir) {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  test('stops a process in the middle of a bulk file gracefully, within its 20 s', {
    timeout: MEASURED_TIMEOUT,
  }, async (t) => {
    proc = startUsher('start', env, await freePort());
    await waitHealthy(proc);
    const admin = new Client(`http://127.0.0.1:${proc.port}`);
    await admin.signIn('root@shutdown.example', ADMIN_PASSWORD);
    const rows = ['Email,First Name,Last Name'];
    for (let index = 0; index < ROWS; index += 1) {
      rows.push(`stop${index}@shutdown.example,Stop,${index}`);
    }
    const created = await upload(admin, { type: 'add-users' }, rows.join('\n'));
    assert.equal(created.status, 202, created.text);
    for (;;) {
      const seen = await admin.get<BulkOperation>(`/api/v1/bulk-operations/${created.body.id}`);
      if (seen.body.processedRows > 0) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const signalled = performance.now();
    proc.child.kill('SIGTERM');
    const code = await proc.exited;
    const seconds = (performance.now() - signalled) / 1000;
    t.diagnostic(`exited ${seconds.toFixed(1)} s after SIGTERM`);
    const output = proc.output.join('');
    assert.equal(code, 0, `a graceful stop exits with 0 (the 20 s fallback exits with 1): ${output}`);
    assert.match(output, /"msg":"shutting down"/);
    assert.doesNotMatch(output, /shutdown took longer than 20 s/);

    // What the stopped process applied is whole: every applied row is a user with its result.
    const database = await openDatabase(target ? { databaseUrl: target.url } : { dataDir });
    try {
      const operation = await database.db
        .selectFrom('bulk_operations')
        .select(['status', 'processed_rows', 'succeeded_rows'])
        .where('id', '=', created.body.id)
        .executeTakeFirstOrThrow();
      const users = await database.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('email', 'like', 'stop%@shutdown.example')
        .executeTakeFirstOrThrow();
      const succeeded = await database.db
        .selectFrom('bulk_operation_rows')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('operation_id', '=', created.body.id)
        .where('status', '=', 'succeeded')
        .executeTakeFirstOrThrow();
      assert.equal(Number(users.count), operation.succeeded_rows);
      assert.equal(Number(succeeded.count), operation.succeeded_rows);
      assert.ok(
        operation.status === 'completed' || ['queued', 'running'].includes(operation.status),
        `status ${operation.status}`,
      );
    } finally {
      await database.close();
    }
  });
});
