import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.ts';

/** A fresh database for a benchmark: PGlite in memory, or a new database on BENCH_DATABASE_URL. */
export async function openBenchDatabase(): Promise<{ database: Database; label: string; drop: () => Promise<void> }> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase({});
    return { database, label: 'PGlite (in memory)', drop: () => database.close() };
  }
  const name = `usher_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 8 });
  return {
    database,
    label: `PostgreSQL (${url.host})`,
    drop: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

/** Times `fn` `samples` times (after 3 warm-up runs) and returns p50/p95/max in milliseconds. */
export async function measure(
  samples: number,
  fn: (index: number) => Promise<void>,
): Promise<{ p50: number; p95: number; max: number }> {
  for (let index = 0; index < 3; index++) {
    await fn(index);
  }
  const times: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = performance.now();
    await fn(index);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: times.at(-1) ?? 0 };
}

/** Seconds since `started`, for seeding steps. */
export function since(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

/**
 * Runs `fn`, sampling the process's RSS and V8 heap every 20 ms: its duration, peak RSS, peak heap
 * used (live objects and garbage not yet collected) and result.
 */
export async function timed<T>(
  fn: () => Promise<T>,
): Promise<{ seconds: number; peakMiB: number; peakHeapMiB: number; result: T }> {
  let peak = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 20);
  const started = performance.now();
  try {
    const result = await fn();
    const usage = process.memoryUsage();
    return {
      seconds: (performance.now() - started) / 1000,
      peakMiB: Math.round(Math.max(peak, usage.rss) / 1048576),
      peakHeapMiB: Math.round(Math.max(peakHeap, usage.heapUsed) / 1048576),
      result,
    };
  } finally {
    clearInterval(timer);
  }
}
