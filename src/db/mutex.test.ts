import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionLock, inBackground, inTransactionScope } from './mutex.ts';

// The ordering tests defer background work for up to a minute, so a loaded machine's pauses cannot
// make a background statement overdue and reorder them.
test('waiting foreground work is served before waiting background work', async () => {
  const lock = new ConnectionLock({ maxDeferMs: 60_000 });
  const order: string[] = [];
  const release = await inBackground(() => lock.acquire());
  const waiting = [
    inBackground(() => lock.run(async () => void order.push('job 1'))),
    lock.run(async () => void order.push('request 1')),
    inBackground(() => lock.run(async () => void order.push('job 2'))),
    lock.run(async () => void order.push('request 2')),
  ];
  release();
  await Promise.all(waiting);
  assert.deepEqual(order, ['request 1', 'request 2', 'job 1', 'job 2']);
});

test("a request's statements one after another are not interleaved with a job's", async () => {
  const lock = new ConnectionLock({ quietMs: 500, maxDeferMs: 60_000 });
  const order: string[] = [];
  let jobRunning = true;
  const job = inBackground(async () => {
    while (jobRunning) {
      await lock.run(async () => {
        order.push('job');
        await sleep(5);
      });
    }
  });
  await sleep(20);
  order.length = 0;
  // Three statements, with a little work between them, as a request runs them.
  for (let statement = 0; statement < 3; statement++) {
    await lock.run(async () => void order.push('request'));
    await sleep(2);
  }
  jobRunning = false;
  await job;
  const first = order.indexOf('request');
  assert.ok(first <= 1, `the request waits for one job statement at most: ${order.join(', ')}`);
  assert.deepEqual(order.slice(first, first + 3), ['request', 'request', 'request']);
});

/**
 * How long a background statement waits for the lock while `loops` foreground loops run
 * statements back to back (one loop: no quiet gap; two: one is always queued).
 */
async function backgroundWaitBeside(loops: number): Promise<number> {
  const lock = new ConnectionLock();
  let busy = true;
  const loop = async () => {
    while (busy) {
      await lock.run(() => sleep(1));
    }
  };
  const requests = Promise.all(Array.from({ length: loops }, loop));
  await sleep(10);
  const started = performance.now();
  await inBackground(() => lock.run(async () => {}));
  const waited = performance.now() - started;
  busy = false;
  await requests;
  return waited;
}

test('background work is never starved: it defers to busy foreground work for a bounded time', async () => {
  const waited = await backgroundWaitBeside(1);
  assert.ok(waited < 2000, `the job waited ${waited.toFixed(0)} ms`);
});

test('background work is never starved by foreground work always queued for the lock', async () => {
  const waited = await backgroundWaitBeside(2);
  assert.ok(waited < 2000, `the job waited ${waited.toFixed(0)} ms`);
});

test('a lock taken inside a transaction body is refused at once', async () => {
  const lock = new ConnectionLock();
  await assert.rejects(
    inTransactionScope(() => lock.acquire()),
    /outside the open transaction/,
  );
});
