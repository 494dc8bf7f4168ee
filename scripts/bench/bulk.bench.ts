import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createApp } from '../../src/app.ts';
import { runBulkOperation } from '../../src/bulk/bulk.job.ts';
import { createBulkOperation } from '../../src/bulk/bulk.service.ts';
import { loadConfig } from '../../src/config.ts';
import { transaction } from '../../src/db/database.ts';
import type { DB } from '../../src/db/schema.ts';
import type { Actor } from '../../src/roles/policy.ts';
import { upload } from '../../test/support/bulk.ts';
import { Client } from '../../test/support/client.ts';
import { openBenchDatabase, timed } from './support.ts';

const HEADER = 'Email,First Name,Last Name,Country Code,Product Configurations,User Groups';

function row(index: number, prefix: string): string {
  return `${prefix}${index}@bulk-bench.example,First${index},Last${index},PL,"Bench P1,Bench P2","Bench G1,Bench G2"`;
}

/** The same rows as a bare CSV for COPY (no profiles or groups: a plain table). */
function copyCsv(rows: number): string {
  const lines: string[] = [];
  for (let index = 0; index < rows; index += 1) {
    lines.push(`copy${index}@bulk-bench.example,First${index},Last${index},PL`);
  }
  return `${lines.join('\n')}\n`;
}

const COPY_TABLE = 'create table bench_copy (email text, first_name text, last_name text, country text)';

/** A bare COPY of `rows` user rows into a plain table: the yardstick of SPEC section 5. */
async function bareCopy(rows: number): Promise<number> {
  const csv = copyCsv(rows);
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) {
    const pglite = await PGlite.create();
    await pglite.exec(COPY_TABLE);
    const started = performance.now();
    await pglite.query("copy bench_copy from '/dev/blob' with (format csv)", [], { blob: new Blob([csv]) });
    const seconds = (performance.now() - started) / 1000;
    await pglite.close();
    return seconds;
  }
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`${COPY_TABLE.replace('create table', 'create temp table')}`);
    const started = performance.now();
    await pipeline(Readable.from([csv]), client.query(copyFrom('copy bench_copy from stdin with (format csv)')));
    return (performance.now() - started) / 1000;
  } finally {
    await client.end();
  }
}

/**
 * The writes a 25,000-row add-users file must make, done by SQL alone: users, two memberships,
 * two profiles and two licenses per user, one audit event and one welcome e-mail each, with
 * `INSERT … SELECT` from generated rows in one transaction that is rolled back. No application,
 * no file, no results: the floor any import into this schema stands on, beside the bare COPY.
 * @returns seconds per table and in all
 */
async function sameWritesInSql(db: Kysely<DB>, organizationId: string, rows: number): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  const steps: [string, RawBuilder<unknown>][] = [
    [
      'users',
      sql`insert into users (organization_id, email, username, first_name, last_name, country, alias, identity_type)
        select ${organizationId}, 'floor' || i || '@bulk-bench.example', 'floor' || i || '@bulk-bench.example',
          'First' || i, 'Last' || i, 'PL', 'floor' || i, 'personal'
        from generate_series(1, ${rows}) i`,
    ],
    [
      'group memberships',
      sql`insert into group_members (organization_id, group_id, user_id)
        select u.organization_id, g.id, u.id from users u cross join user_groups g
        where u.organization_id = ${organizationId} and u.email like 'floor%' order by u.id, g.id`,
    ],
    [
      'profiles',
      sql`insert into user_profiles (organization_id, user_id, profile_id)
        select u.organization_id, u.id, p.id from users u cross join product_profiles p
        where u.organization_id = ${organizationId} and u.email like 'floor%' order by u.id, p.id`,
    ],
    [
      'licenses',
      sql`insert into product_licenses (organization_id, user_id, product_id)
        select u.organization_id, u.id, p.id from users u cross join products p
        where u.organization_id = ${organizationId} and u.email like 'floor%' order by u.id, p.id`,
    ],
    [
      'audit events',
      sql`insert into audit_events (organization_id, actor_type, actor_id, action, target_type, target_id, target_label, after)
        select u.organization_id, 'user', 'bench', 'user.create', 'user', u.id::text, u.email,
          jsonb_build_object('email', u.email, 'firstName', u.first_name, 'lastName', u.last_name,
            'profiles', jsonb_build_array('Bench P1', 'Bench P2'), 'groups', jsonb_build_array('Bench G1', 'Bench G2'))
        from users u where u.organization_id = ${organizationId} and u.email like 'floor%'`,
    ],
    [
      'welcome e-mails',
      sql`insert into outbox_messages (organization_id, kind, user_id, to_address, locale, data)
        select u.organization_id, 'welcome', u.id, u.email, 'en', '{"products": ["Bench A", "Bench B"]}'::jsonb
        from users u where u.organization_id = ${organizationId} and u.email like 'floor%'`,
    ],
  ];
  class Rollback extends Error {}
  try {
    await transaction(db, async (trx) => {
      for (const [label, statement] of steps) {
        const started = performance.now();
        await statement.execute(trx);
        seconds.set(label, (performance.now() - started) / 1000);
      }
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) {
      throw error;
    }
  }
  return seconds;
}

/**
 * SPEC section 5 for bulk files: a bare COPY of `rows` user rows, then an add-users file of the
 * same size (2 profiles and 2 groups per row) uploaded over HTTP and applied by the worker code —
 * validated, applied, audited, e-mails queued, results stored; optionally a `big`-row file streamed
 * straight into the service (the row limit raised) for peak RSS.
 */
export async function runBulkBench(options: { rows: number; big: number }): Promise<void> {
  const copySeconds = options.rows > 0 ? await bareCopy(options.rows) : 0;
  const { database, label, drop } = await openBenchDatabase();
  const config = loadConfig({
    USHER_ADMIN_EMAIL: 'bench-admin@bench.example',
    USHER_ADMIN_PASSWORD: 'benchmark password',
    USHER_ORG_NAME: 'Bench',
    USHER_LOG_LEVEL: 'silent',
    USHER_BULK_MAX_ROWS: String(Math.max(options.rows, options.big, 25_000)),
    USHER_BULK_MAX_BYTES: String(2 ** 31),
    HOST: '127.0.0.1',
    PORT: '1',
  });
  const app = await createApp({ config, database, worker: false, server: { logger: false } });
  try {
    if (app.firstRun.kind !== 'created') {
      throw new Error('bench: no organization');
    }
    const org = app.firstRun.organizationId;
    const db = database.db;
    for (const [name, profile] of [
      ['Bench A', 'Bench P1'],
      ['Bench B', 'Bench P2'],
    ] as const) {
      const product = await db
        .insertInto('products')
        .values({ organization_id: org, name, license_quantity: 10_000_000 })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('product_profiles')
        .values({ organization_id: org, product_id: product.id, name: profile })
        .execute();
    }
    await db
      .insertInto('user_groups')
      .values([
        { organization_id: org, name: 'Bench G1', description: null },
        { organization_id: org, name: 'Bench G2', description: null },
      ])
      .execute();
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const client = new Client(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    await client.signIn('bench-admin@bench.example', 'benchmark password');

    // --rows 0 skips the 25,000-row run, so a --big run's RSS is its own.
    if (options.rows > 0) {
      console.log(`Usher bulk benchmark on ${label}: add-users file of ${options.rows.toLocaleString('en')} rows`);
      console.log(
        `  bare COPY of ${options.rows.toLocaleString('en')} user rows into a plain table: ${copySeconds.toFixed(3)} s`,
      );
      const lines = [HEADER];
      for (let index = 0; index < options.rows; index += 1) {
        lines.push(row(index, 'u'));
      }
      const file = lines.join('\r\n');
      const rss0 = Math.round(process.memoryUsage().rss / 1048576);
      const uploaded = await timed(async () => {
        const response = await upload(client, { type: 'add-users' }, file, 'bench.csv');
        if (response.status !== 202) {
          throw new Error(`upload: ${response.status} ${response.text}`);
        }
        return response.body.id;
      });
      const applied = await timed(() => runBulkOperation(app.ctx, uploaded.result));
      const operation = await db
        .selectFrom('bulk_operations')
        .select(['status', 'succeeded_rows', 'failed_rows'])
        .where('id', '=', uploaded.result)
        .executeTakeFirstOrThrow();
      const total = uploaded.seconds + applied.seconds;
      console.log(`  upload (read, validate, store rows): ${uploaded.seconds.toFixed(2)} s`);
      console.log(
        `  apply (users, memberships, licenses, audit, welcome e-mails, results): ${applied.seconds.toFixed(2)} s — ${operation.status}, ${operation.succeeded_rows} succeeded, ${operation.failed_rows} failed`,
      );
      console.log(
        `  end to end: ${total.toFixed(2)} s = ${(total / copySeconds).toFixed(1)}× the bare COPY; ${Math.round(options.rows / total).toLocaleString('en')} rows/s; peak RSS ${Math.max(uploaded.peakMiB, applied.peakMiB)} MiB (${rss0} MiB before)`,
      );
      const floor = await sameWritesInSql(db, org, options.rows);
      const floorSeconds = [...floor.values()].reduce((sum, value) => sum + value, 0);
      console.log(
        `  the same writes by SQL alone (INSERT … SELECT, one transaction, rolled back): ${floorSeconds.toFixed(2)} s = ${(floorSeconds / copySeconds).toFixed(1)}× the bare COPY; the import is ${(total / floorSeconds).toFixed(1)}× this`,
      );
      console.log(`    ${[...floor].map(([label, value]) => `${label} ${value.toFixed(2)} s`).join(', ')}`);
    }

    if (options.big > 0) {
      const admin = await db
        .selectFrom('users')
        .select('id')
        .where('organization_id', '=', org)
        .where('email', '=', 'bench-admin@bench.example')
        .executeTakeFirstOrThrow();
      const actor: Actor = {
        type: 'user',
        id: admin.id,
        label: 'bench-admin@bench.example',
        organizationId: org,
        grants: [{ role: 'system-admin', productId: null, profileId: null, groupId: null }],
        sourceIp: null,
        userAgent: null,
      };
      async function* bigFile(): AsyncGenerator<string> {
        yield `${HEADER}\r\n`;
        for (let start = 0; start < options.big; start += 1000) {
          const chunk: string[] = [];
          for (let index = start; index < Math.min(start + 1000, options.big); index += 1) {
            chunk.push(row(index, 'big'));
          }
          yield `${chunk.join('\r\n')}\r\n`;
        }
      }
      console.log(`  ${options.big.toLocaleString('en')}-row file (row limit raised), streamed into the service:`);
      const bigUpload = await timed(() =>
        createBulkOperation(app.ctx, actor, { type: 'add-users', fileName: 'big.csv', dryRun: false, file: bigFile() }),
      );
      const bigApply = await timed(() => runBulkOperation(app.ctx, bigUpload.result));
      const big = await db
        .selectFrom('bulk_operations')
        .select(['status', 'succeeded_rows'])
        .where('id', '=', bigUpload.result)
        .executeTakeFirstOrThrow();
      console.log(
        `    upload ${bigUpload.seconds.toFixed(1)} s (peak RSS ${bigUpload.peakMiB} MiB), apply ${bigApply.seconds.toFixed(1)} s (peak RSS ${bigApply.peakMiB} MiB) — ${big.status}, ${big.succeeded_rows} succeeded`,
      );
    }
  } finally {
    await app.close();
    await drop();
  }
}
