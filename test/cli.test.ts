import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openTestDatabase } from './support/instance.ts';

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

describe('create-org on the command line', () => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  before(async () => {
    if (process.env.TEST_DATABASE_URL) {
      const test = await openTestDatabase();
      env = { DATABASE_URL: test.url ?? '' };
      cleanup = test.drop;
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-cli-'));
      env = { USHER_DATA_DIR: dir };
      cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
    }
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
