/**
 * A console user in a thread of its own: asks the server for a page every `pauseMs` and records
 * how long each answer took, so the figures are the server's latency, not the benchmark thread's.
 * Started by `startProbe`; the samples come back when it is told to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';

export interface ProbeSample {
  /** When the request was sent (ms since the epoch, `performance.timeOrigin + performance.now()`). */
  at: number;
  ms: number;
  path: string;
  status: number;
}

const { base, cookie, paths, pauseMs } = workerData as {
  base: string;
  cookie: string;
  paths: string[];
  pauseMs: number;
};
const samples: ProbeSample[] = [];
let stopping = false;
parentPort?.on('message', () => {
  stopping = true;
});

let index = 0;
while (!stopping) {
  const path = paths[index++ % paths.length] ?? '/';
  const at = performance.timeOrigin + performance.now();
  let status = 0;
  try {
    const response = await fetch(base + path, { headers: { cookie } });
    await response.arrayBuffer();
    status = response.status;
  } catch {
    status = -1;
  }
  samples.push({ at, ms: performance.timeOrigin + performance.now() - at, path, status });
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
}
parentPort?.postMessage(samples);
