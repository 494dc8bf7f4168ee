import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { AdminRole } from '../../shared/roles.ts';
import { type App, createApp } from '../../src/app.ts';
import { hashPassword } from '../../src/auth/secrets.ts';
import { loadConfig } from '../../src/config.ts';
import { type Database, openDatabase, transaction } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createOrganizationWithAdmin } from '../../src/organizations/organizations.service.ts';
import type { Actor, Grant } from '../../src/roles/policy.ts';
import { insertGrants } from '../../src/users/users.admin-roles.ts';
import { Client } from './client.ts';

export const ADMIN_PASSWORD = 'correct horse battery staple';

/**
 * Opens a fresh database for one test file: in-memory PGlite by default, or a new database on
 * the PostgreSQL server of TEST_DATABASE_URL (dropped again by `drop`).
 * @param options `migrated: true` starts from a copy of a migrated, empty database (made once
 *   for every test process: PGlite's data directory as a tarball, a template database on the
 *   server), which spares each test file initdb and the migrations
 * @returns the database, its URL (PostgreSQL only) and a function that drops it
 */
export async function openTestDatabase(options: { migrated?: boolean } = {}): Promise<{
  database: Database;
  url: string | undefined;
  drop: () => Promise<void>;
}> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await openDatabase(options.migrated ? { seedFile: await migratedSeed() } : {});
    return { database, url: undefined, drop: () => database.close() };
  }
  const template = options.migrated ? await migratedTemplate(serverUrl) : undefined;
  const name = `usher_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${template}` : ''}`);
  await admin.end();
  const database = await openDatabase({ databaseUrl: databaseUrl(serverUrl, name), poolSize: 5 });
  return {
    database,
    url: databaseUrl(serverUrl, name),
    drop: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * What the migrated copies are named after: a hash of the migrations and the PGlite version, so
 * a changed migration makes a new copy (worktrees with other migrations keep their own).
 */
function migrationsKey(): string {
  const migrations = new URL('../../src/db/migrations/', import.meta.url);
  const pglite = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
  const hash = createHash('sha256').update(fs.readFileSync(pglite));
  for (const name of fs.readdirSync(migrations).sort()) {
    hash.update(name).update(fs.readFileSync(new URL(name, migrations)));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * A migrated, empty embedded database as a tarball, made by the first test process that needs it
 * and read by the others: starting PGlite from it skips initdb and the migrations, which took
 * most of a test file's start-up.
 * @returns the tarball's path
 */
async function migratedSeed(): Promise<string> {
  const file = path.join(os.tmpdir(), `usher-test-pglite-${migrationsKey()}.tar`);
  if (!fs.existsSync(file)) {
    const database = await openDatabase({});
    try {
      await migrateToLatest(database.db);
      // Written aside and renamed: a test process starting at the same moment never reads half a file.
      const partial = `${file}.${process.pid}.partial`;
      await database.dump?.(partial);
      fs.renameSync(partial, file);
    } finally {
      await database.close();
    }
  }
  return file;
}

/**
 * A migrated, empty template database on the test server, made once under an advisory lock (so
 * test processes starting together build it once) and copied by `create database … template`.
 * @returns its name
 */
async function migratedTemplate(serverUrl: string): Promise<string> {
  const name = `usher_template_${migrationsKey()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(hashtext($1))', ['usher test template']);
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      const building = `${name}_partial`;
      await admin.query(`drop database if exists ${building} with (force)`);
      await admin.query(`create database ${building}`);
      const database = await openDatabase({ databaseUrl: databaseUrl(serverUrl, building), poolSize: 1 });
      try {
        await migrateToLatest(database.db);
      } finally {
        await database.close();
      }
      await admin.query(`alter database ${building} rename to ${name}`);
    }
  } finally {
    await admin.end();
  }
  return name;
}

/** A running Usher on a random loopback port, with a first organization and system admin. */
export interface TestInstance {
  app: App;
  baseUrl: string;
  organizationId: string;
  admin: { email: string; password: string };
  /** A client signed in as the first system admin. */
  signIn(email?: string, password?: string): Promise<Client>;
  anonymous(): Client;
  close(): Promise<void>;
}

/**
 * Starts a real Usher (HTTP server on 127.0.0.1, job workers, fresh database) for a test file.
 * @param env extra environment variables (configuration under test)
 * @param options `bootstrap: false` starts on an empty database that prints a setup link; `logStream`
 *   receives the request log (at USHER_LOG_LEVEL, silent unless `env` sets it); `webRoot` serves
 *   another built console than dist/web
 * @returns the instance
 */
export async function startTestInstance(
  env: Record<string, string> = {},
  options: { bootstrap?: boolean; logStream?: NodeJS.WritableStream; webRoot?: string } = {},
): Promise<TestInstance> {
  const { database, drop } = await openTestDatabase({ migrated: true });
  const email = `admin-${randomUUID().slice(0, 8)}@example.com`;
  const bootstrap = options.bootstrap ?? true;
  const config = loadConfig({
    ...(bootstrap
      ? { USHER_ADMIN_EMAIL: email, USHER_ADMIN_PASSWORD: ADMIN_PASSWORD, USHER_ORG_NAME: 'Example Org' }
      : {}),
    USHER_LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '1',
    ...env,
  });
  const server = {
    strictStatuses: true,
    ...(options.logStream ? { logStream: options.logStream } : { logger: false }),
    ...(options.webRoot ? { webRoot: options.webRoot } : {}),
  };
  const app = await createApp({ config, database, worker: true, server });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `${config.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  if (bootstrap && app.firstRun.kind !== 'created') {
    throw new Error('test instance: first organization was not created');
  }
  const organizationId = app.firstRun.kind === 'created' ? app.firstRun.organizationId : '';
  return {
    app,
    baseUrl,
    organizationId,
    admin: { email, password: ADMIN_PASSWORD },
    async signIn(who = email, password = ADMIN_PASSWORD) {
      const client = new Client(baseUrl);
      await client.signIn(who, password);
      return client;
    },
    anonymous: () => new Client(baseUrl),
    async close() {
      await app.close();
      await drop();
    },
  };
}

/**
 * Creates another organization with its own system admin (tenant isolation tests).
 * @returns its id and admin e-mail
 */
export async function createOrganization(
  instance: TestInstance,
  name: string,
): Promise<{ organizationId: string; email: string }> {
  const email = `admin-${randomUUID().slice(0, 8)}@${name.toLowerCase().replace(/\W+/g, '')}.example`;
  const created = await transaction(instance.app.ctx.db, (trx) =>
    createOrganizationWithAdmin(
      trx,
      { organizationName: name, email, password: ADMIN_PASSWORD },
      { ip: null, userAgent: null, via: 'test' },
    ),
  );
  return { organizationId: created.organizationId, email };
}

/**
 * Creates an administrator with one role (and scope) in an organization.
 * @returns the user id and e-mail; the password is ADMIN_PASSWORD
 */
export async function createAdmin(
  instance: TestInstance,
  organizationId: string,
  role: AdminRole,
  scope: { productId?: string; profileId?: string; groupId?: string } = {},
): Promise<{ userId: string; email: string }> {
  const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
  const db = instance.app.ctx.db;
  const passwordHash = await hashPassword(ADMIN_PASSWORD);
  const userId = await transaction(db, async (trx) => {
    const user = await trx
      .insertInto('users')
      .values({
        organization_id: organizationId,
        email,
        username: email,
        first_name: null,
        last_name: null,
        country: null,
        alias: email.split('@')[0] ?? email,
        identity_type: 'personal',
        locale: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('admin_credentials')
      .values({ user_id: user.id, organization_id: organizationId, password_hash: passwordHash })
      .execute();
    const grant: Grant = {
      role,
      productId: scope.productId ?? null,
      profileId: scope.profileId ?? null,
      groupId: scope.groupId ?? null,
    };
    await insertGrants(trx, organizationId, { userId: user.id }, [grant]);
    return user.id;
  });
  return { userId, email };
}

/**
 * Creates a product with one profile, and a user group, in an organization (scope targets).
 * @returns their ids
 */
export async function createCatalog(
  instance: TestInstance,
  organizationId: string,
  prefix: string,
): Promise<{ productId: string; profileId: string; groupId: string }> {
  const db = instance.app.ctx.db;
  const product = await db
    .insertInto('products')
    .values({ organization_id: organizationId, name: `${prefix} Product`, license_quantity: 10 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const profile = await db
    .insertInto('product_profiles')
    .values({ organization_id: organizationId, product_id: product.id, name: `${prefix} Profile`, description: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const group = await db
    .insertInto('user_groups')
    .values({ organization_id: organizationId, name: `${prefix} Group`, description: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { productId: product.id, profileId: profile.id, groupId: group.id };
}

/**
 * The instance's first system admin as an actor, for tests that call commands directly.
 * @param userAgent what the audit records as the actor's user agent
 */
export async function systemAdminActor(instance: TestInstance, userAgent: string): Promise<Actor> {
  const me = await instance.app.ctx.db
    .selectFrom('users')
    .select('id')
    .where('organization_id', '=', instance.organizationId)
    .where('email', '=', instance.admin.email)
    .executeTakeFirstOrThrow();
  return {
    type: 'user',
    id: me.id,
    label: instance.admin.email,
    organizationId: instance.organizationId,
    grants: [{ role: 'system-admin', productId: null, profileId: null, groupId: null }],
    sourceIp: null,
    userAgent,
  };
}
