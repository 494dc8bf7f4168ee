import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openTestDatabase } from '../../test/support/instance.ts';
import { type Database, openDatabase, transaction } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { defineJob, JobQueue } from './queue.ts';

interface Seen {
  values: string[];
  attempts: Map<string, number>;
}

const echoJob = defineJob<{ value: string; failTimes?: number }, Seen>({
  name: 'test.echo',
  options: { retryLimit: 3, retryDelay: 1, retryBackoff: false },
  async perform(seen, props) {
    const attempts = (seen.attempts.get(props.value) ?? 0) + 1;
    seen.attempts.set(props.value, attempts);
    if (attempts <= (props.failTimes ?? 0)) {
      throw new Error(`failing on purpose (${attempts})`);
    }
    seen.values.push(props.value);
  },
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const noError = (error: Error) => {
  throw error;
};

describe('background jobs (pg-boss on the same database)', () => {
  let fresh: Awaited<ReturnType<typeof openTestDatabase>>;
  let queue: JobQueue;
  const seen: Seen = { values: [], attempts: new Map() };

  before(async () => {
    fresh = await openTestDatabase({ migrated: true });
    await migrateToLatest(fresh.database.db);
    queue = await JobQueue.start(fresh.database, { worker: true, onError: noError });
    await queue.register([echoJob]);
    await queue.work([echoJob], seen);
  });
  after(async () => {
    await queue.stop();
    await fresh.drop();
  });

  test('a job sent is performed by a worker', async () => {
    await queue.send(echoJob, { value: 'hello' });
    await waitFor(() => seen.values.includes('hello'), 'hello');
  });

  test('a job sent in a transaction exists only if the transaction commits', async () => {
    await assert.rejects(
      transaction(fresh.database.db, async (trx) => {
        await queue.send(echoJob, { value: 'rolled back' }, { trx });
        throw new Error('abort');
      }),
      /abort/,
    );
    await transaction(fresh.database.db, async (trx) => {
      await queue.send(echoJob, { value: 'committed' }, { trx });
    });
    await waitFor(() => seen.values.includes('committed'), 'committed');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(!seen.values.includes('rolled back'));
  });

  test('a failing job is retried until it succeeds', async () => {
    await queue.send(echoJob, { value: 'flaky', failTimes: 2 });
    await waitFor(() => seen.values.includes('flaky'), 'flaky', 60_000);
    assert.equal(seen.attempts.get('flaky'), 3);
  });
});

describe('jobs survive a restart', () => {
  let dataDir: string | undefined;
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;

  before(async () => {
    const fresh = await openTestDatabase();
    if (fresh.url) {
      // The first handle stays open (idle) until the end; the test opens its own connections.
      url = fresh.url;
      drop = fresh.drop;
    } else {
      await fresh.drop();
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-jobs-'));
    }
  });
  after(async () => {
    await drop?.();
    if (dataDir) {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const open = (): Promise<Database> => openDatabase(url ? { databaseUrl: url, poolSize: 2 } : { dataDir });

  test('a job queued before a stop is performed after the next start', async () => {
    const first = await open();
    await migrateToLatest(first.db);
    const sender = await JobQueue.start(first, { worker: false, onError: noError });
    await sender.register([echoJob]);
    await sender.send(echoJob, { value: 'after restart' });
    await sender.stop();
    await first.close();

    const second = await open();
    const seen: Seen = { values: [], attempts: new Map() };
    const worker = await JobQueue.start(second, { worker: true, onError: noError });
    try {
      await worker.register([echoJob]);
      await worker.work([echoJob], seen);
      await waitFor(() => seen.values.includes('after restart'), 'the job queued before the restart');
    } finally {
      await worker.stop();
      await second.close();
    }
  });
});
