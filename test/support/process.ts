/**
 * Usher processes for tests that start them (crash recovery, shutdown, several processes on one
 * database), with waits that scale with the machine: how long a start may take is measured, never
 * a fixed number that a loaded machine can miss.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * How many baseline loads a start may take: a start loads the same modules, then opens the
 * database (PGlite compiles its WebAssembly), migrates, hashes the first admin's password and
 * listens. Measured on a machine loaded to 40 runnable processes per core pair: a start took 1.3
 * (PostgreSQL) to 4.7 (PGlite, a new data folder) baseline loads measured alongside it; the rest
 * is room for the load to change while it starts.
 */
const START_FACTOR = 20;

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
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

/** An Usher process started by a test (`node src/cli.ts <mode>`), with its output. */
export interface UsherProcess {
  child: ChildProcess;
  output: string[];
  port: number;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * Starts `node src/cli.ts <mode>` on 127.0.0.1:`port` with these variables.
 * @returns the process
 */
export function startUsher(mode: string, env: Record<string, string>, port: number): UsherProcess {
  const child = spawn(process.execPath, ['src/cli.ts', mode], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', USHER_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, port, exited };
}

/**
 * The time this machine takes, now, to start a process that loads all of Usher's modules and
 * exits (`node src/cli.ts help`): what every start pays before it opens a database.
 * @returns milliseconds
 */
export async function measureBaselineLoad(): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', 'help'], { cwd: ROOT, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`baseline load exited with ${code}`))));
  });
  return performance.now() - started;
}

/**
 * Waits until the process answers `GET /healthz`. Its budget is START_FACTOR baseline loads,
 * measured while it starts, so both see the same load on the machine.
 * @returns milliseconds the start took
 * @throws when the process exits, or is not healthy within its budget (the message has both
 *   times and the process's output)
 */
export async function waitHealthy(proc: UsherProcess): Promise<number> {
  const started = performance.now();
  let budget = Number.POSITIVE_INFINITY;
  let failure: unknown;
  void measureBaselineLoad().then(
    (baseline) => {
      budget = START_FACTOR * baseline;
    },
    (error: unknown) => {
      failure = error;
    },
  );
  for (;;) {
    if (failure) {
      throw failure;
    }
    if (proc.child.exitCode !== null) {
      throw new Error(`process exited with ${proc.child.exitCode}: ${proc.output.join('')}`);
    }
    const ok = await fetch(`http://127.0.0.1:${proc.port}/healthz`)
      .then((response) => response.status === 200)
      .catch(() => false);
    const elapsed = performance.now() - started;
    if (ok) {
      return elapsed;
    }
    if (elapsed > budget) {
      throw new Error(
        `not healthy after ${Math.round(elapsed)} ms, ${START_FACTOR} times the ${Math.round(budget / START_FACTOR)} ms this machine took meanwhile to load Usher: ${proc.output.join('')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A test's own timeout, for tests whose waits are budgeted by measurement: large enough that the
 * test runner's default (`--test-timeout`) never cuts a slow but progressing start short.
 */
export const MEASURED_TIMEOUT = 2 ** 31 - 1;
