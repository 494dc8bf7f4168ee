/**
 * A bulk operation survives its process being killed: the process running it is killed with
 * SIGKILL in the middle of a 5,000-row file, a new process starts on the same database, and the
 * operation finishes with every row applied exactly once and every result kept. Runs on PGlite
 * (a data folder) and on PostgreSQL (TEST_DATABASE_URL).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../src/db/database.ts';
import { type BulkOperation, upload, waitForOperation } from './support/bulk.ts';
import { Client } from './support/client.ts';
import { ADMIN_PASSWORD, openTestDatabase } from './support/instance.ts';
import { freePort, MEASURED_TIMEOUT, startUsher, waitHealthy } from './support/process.ts';

const ROWS = 5000;
/** The operation may take this many times the second process's start to finish after it. */
const FINISH_FACTOR = 20;

describe('a bulk operation whose process is killed', { timeout: MEASURED_TIMEOUT }, () => {
  let dataDir: string | undefined;
  let target: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  before(async () => {
    if (process.env.TEST_DATABASE_URL) {
      target = await openTestDatabase();
      await target.database.close();
      env = { DATABASE_URL: target.url ?? '' };
    } else {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'usher-crash-'));
      env = { USHER_DATA_DIR: dataDir };
    }
    Object.assign(env, {
      USHER_ADMIN_EMAIL: 'root@crash.example',
      USHER_ADMIN_PASSWORD: ADMIN_PASSWORD,
      USHER_ORG_NAME: 'Crash',
      // Small batches: many commits, so the kill lands between two of them.
      USHER_BULK_BATCH_ROWS: '50',
    });
  });
  after(async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
    await target?.drop();
    if (dataDir) {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  test('resumes after restart without applying a row twice or losing a result', {
    timeout: MEASURED_TIMEOUT,
  }, async () => {
    const first = startUsher('start', env, await freePort());
    children.push(first.child);
    await waitHealthy(first);
    const admin = new Client(`http://127.0.0.1:${first.port}`);
    await admin.signIn('root@crash.example', ADMIN_PASSWORD);
    const rows = ['Email,First Name,Last Name'];
    for (let index = 0; index < ROWS; index += 1) {
      rows.push(`crash${index}@crash.example,Crash,${index}`);
    }
    const created = await upload(admin, { type: 'add-users' }, rows.join('\n'));
    assert.equal(created.status, 202, created.text);

    // Kill the process as soon as some rows, not all, are done.
    let seen: BulkOperation | undefined;
    for (;;) {
      const response = await admin.get<BulkOperation>(`/api/v1/bulk-operations/${created.body.id}`);
      seen = response.body;
      if (seen.processedRows > 0) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    assert.ok(seen.processedRows < ROWS, `killed at ${seen.processedRows} of ${ROWS} rows`);

    const second = startUsher('start', env, await freePort());
    children.push(second.child);
    const startMs = await waitHealthy(second);
    const again = new Client(`http://127.0.0.1:${second.port}`);
    await again.signIn('root@crash.example', ADMIN_PASSWORD);
    const done = await waitForOperation(again, created.body.id, FINISH_FACTOR * startMs);
    assert.deepEqual(
      [done.status, done.processedRows, done.succeededRows, done.failedRows],
      ['completed', ROWS, ROWS, 0],
    );
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));

    const database = await openDatabase(target ? { databaseUrl: target.url } : { dataDir });
    try {
      const users = await database.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('email', 'like', 'crash%@crash.example')
        .executeTakeFirstOrThrow();
      assert.equal(Number(users.count), ROWS);
      const audited = await database.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('operation_id', '=', created.body.id)
        .executeTakeFirstOrThrow();
      assert.equal(Number(audited.count), ROWS);
      const results = await database.db
        .selectFrom('bulk_operation_rows')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('operation_id', '=', created.body.id)
        .where('status', '=', 'succeeded')
        .executeTakeFirstOrThrow();
      assert.equal(Number(results.count), ROWS);
    } finally {
      await database.close();
    }
  });
});
