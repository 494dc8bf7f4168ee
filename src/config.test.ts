import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, ENVIRONMENT_VARIABLES, loadConfig } from './config.ts';

describe('configuration from the environment', () => {
  test('defaults match SPEC section 4', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.deepEqual(config.bulk, {
      maxRows: 25_000,
      maxBytes: 10 * 1024 * 1024,
      resultsDays: 90,
      batchRows: 1000,
      concurrentBatches: 2,
    });
    assert.deepEqual(config.groups, { warnMembers: 75_000, maxMembers: 200_000 });
    assert.deepEqual(config.sync, { chunkUsers: 1000 });
    assert.equal(config.bootstrapAdmin, undefined);
  });

  test('a bad value names the variable and says what it must be', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', SMTP_URL: 'mail.example.com' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3);
        assert.match(error.message, /PORT="eighty": must be a whole number/);
        assert.match(error.message, /DATABASE_URL="mysql:\/\/x": must be a postgres:\/\/ URL/);
        assert.match(error.message, /SMTP_URL="mail.example.com": must be an smtp:\/\/ or smtps:\/\/ URL/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ USHER_DNS_SERVERS: '1.1.1.1:53, bad host' }), /USHER_DNS_SERVERS/);
    assert.throws(() => loadConfig({ USHER_GROUP_MAX_MEMBERS: '-1' }), /USHER_GROUP_MAX_MEMBERS/);
  });

  test('the first-admin variables come as a set of three', () => {
    assert.throws(() => loadConfig({ USHER_ADMIN_EMAIL: 'a@example.com' }), /set all three/);
    const config = loadConfig({
      USHER_ADMIN_EMAIL: 'a@example.com',
      USHER_ADMIN_PASSWORD: 'long enough password',
      USHER_ORG_NAME: 'Acme',
    });
    assert.deepEqual(config.bootstrapAdmin, {
      email: 'a@example.com',
      password: 'long enough password',
      organizationName: 'Acme',
    });
    assert.throws(
      () => loadConfig({ USHER_ADMIN_EMAIL: 'a@example.com', USHER_ADMIN_PASSWORD: 'short', USHER_ORG_NAME: 'Acme' }),
      /USHER_ADMIN_PASSWORD.*at least 12/,
    );
  });

  test('USHER_GROUP_MAX_MEMBERS=0 switches the guard off; empty values count as unset', () => {
    assert.equal(loadConfig({ USHER_GROUP_MAX_MEMBERS: '0' }).groups.maxMembers, 0);
    assert.equal(loadConfig({ PORT: '' }).port, 8080);
  });

  test('the README lists every environment variable', () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
    for (const name of ENVIRONMENT_VARIABLES) {
      assert.ok(readme.includes(`\`${name}\``), `README.md documents ${name}`);
    }
  });
});
