import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

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
 * Waits until the process answers `GET /healthz`. There is no budget of its own: start-up takes
 * what the machine gives it, and the test's timeout bounds the wait.
 * @throws Error with the process's output when it exits first
 */
export async function waitHealthy(proc: UsherProcess): Promise<void> {
  for (;;) {
    if (proc.child.exitCode !== null) {
      throw new Error(`process exited with ${proc.child.exitCode}: ${proc.output.join('')}`);
    }
    const ok = await fetch(`http://127.0.0.1:${proc.port}/healthz`)
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
