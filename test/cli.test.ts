import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openTestDatabase } from './support/instance.ts';
import { freePort, waitHealthy } from './support/process.ts';

const CLI = path.resolve(import.meta.dirname, '../src/cli.ts');

/** Runs the command line with the given arguments, environment and standard input. */
function run(
  args: string[],
  env: Record<string, string>,
  stdin = '',
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', USHER_LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

/** A fresh, empty database for a process: PostgreSQL with TEST_DATABASE_URL, else a PGlite folder. */
async function emptyDatabase(): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (process.env.TEST_DATABASE_URL) {
    const test = await openTestDatabase();
    return { env: { DATABASE_URL: test.url ?? '' }, cleanup: test.drop };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-cli-'));
  return { env: { USHER_DATA_DIR: dir }, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe('create-org on the command line', () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ env, cleanup } = await emptyDatabase());
  });
  after(() => cleanup());

  test('refuses a password on the command line', async () => {
    const result = await run(
      [
        'create-org',
        '--name',
        'Argv Org',
        '--admin-email',
        'argv@example.org',
        '--admin-password',
        'a good long password',
      ],
      env,
    );
    assert.equal(result.code, 1);
    assert.match(result.err, /does not take the password on the command line/);
  });

  test('applies the set-up policy: 11 characters and 12 spaces are refused', async () => {
    for (const password of ['elevenchars', ' '.repeat(12)]) {
      const result = await run(['create-org', '--name', 'Weak Org', '--admin-email', 'weak@example.org'], {
        ...env,
        USHER_NEW_ADMIN_PASSWORD: password,
      });
      assert.equal(result.code, 1, JSON.stringify(password));
      assert.match(result.err, /The password must/);
    }
  });

  test('reads the password from the environment, or from standard input', async () => {
    const fromEnv = await run(['create-org', '--name', 'Env Org', '--admin-email', 'env@example.org'], {
      ...env,
      USHER_NEW_ADMIN_PASSWORD: 'a long enough passphrase',
    });
    assert.equal(fromEnv.code, 0, fromEnv.err);
    assert.match(fromEnv.out, /Created organization .* with system admin env@example.org/);
    const fromStdin = await run(
      ['create-org', '--name', 'Stdin Org', '--admin-email', 'stdin@example.org'],
      env,
      'another long passphrase\n',
    );
    assert.equal(fromStdin.code, 0, fromStdin.err);
    assert.match(fromStdin.out, /stdin@example.org/);
  });
});

describe('first start on an empty database', () => {
  test('prints the set-up link in a frame on stderr, apart from the JSON log lines on stdout', async () => {
    const database = await emptyDatabase();
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        ...database.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        USHER_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitHealthy({ child, output: [], port, exited });
      const lines = err.split('\n');
      const linkLine = lines.find((line) => line.includes('/setup?token='));
      assert.ok(linkLine, err);
      const url = /(http\S+\/setup\?token=\S+)/.exec(linkLine)?.[1] ?? '';
      assert.match(linkLine, /^║ {3}http\S+ +║$/, 'the link is a line of the frame');
      const top = lines.findIndex((line) => line.startsWith('╔'));
      const bottom = lines.findIndex((line) => line.startsWith('╚'));
      const inside = lines.indexOf(linkLine);
      assert.ok(top >= 0 && top < inside && inside < bottom, err);
      const width = lines[top]?.length;
      for (const line of lines.slice(top, bottom + 1)) {
        assert.equal(line.length, width, `every line of the frame is as wide: ${JSON.stringify(line)}`);
      }
      assert.ok(!out.includes(url), 'the link is not among the log lines');
      for (const line of out.split('\n').filter(Boolean)) {
        assert.doesNotThrow(() => JSON.parse(line), `stdout holds only JSON log lines: ${line}`);
      }
      // The link's token is the one the server accepts (the console page itself is only there
      // once the console is built, which the test suite does not need).
      const token = new URL(url).searchParams.get('token') ?? '';
      const check = await fetch(`http://127.0.0.1:${port}/api/v1/setup?token=${encodeURIComponent(token)}`);
      assert.deepEqual(await check.json(), { valid: true }, 'the link carries a valid set-up token');
    } finally {
      child.kill('SIGTERM');
      await exited;
      await database.cleanup();
    }
  });
});
