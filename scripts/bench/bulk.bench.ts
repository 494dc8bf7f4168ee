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

function rowOf(index: number, prefix: string): string {
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
        where u.organization_id = ${organizationId} and u.email like 'floor%' and g.name in ('Bench G1', 'Bench G2') order by u.id, g.id`,
    ],
    [
      'profiles',
      sql`insert into user_profiles (organization_id, user_id, profile_id)
        select u.organization_id, u.id, p.id from users u cross join product_profiles p
        where u.organization_id = ${organizationId} and u.email like 'floor%' and p.name in ('Bench P1', 'Bench P2') order by u.id, p.id`,
    ],
    [
      'licenses',
      sql`insert into product_licenses (organization_id, user_id, product_id)
        select u.organization_id, u.id, p.id from users u cross join products p
        where u.organization_id = ${organizationId} and u.email like 'floor%' and p.name in ('Bench A', 'Bench B') order by u.id, p.id`,
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

/** One step of the benchmark: a file of one type, uploaded over HTTP and applied. */
interface Step {
  label: string;
  type: string;
  groupId?: string;
  header: string;
  line: (index: number) => string;
  /** Counted as an add-users file: the ratios of the others are to the first of these. */
  addUsers?: boolean;
}

/** Samples, on a PostgreSQL server, how many sessions of the database wait for a lock. */
function lockWaitSampler(serverUrl: string | undefined, database: string | undefined) {
  if (!serverUrl || !database) {
    return { start: () => {}, stop: async () => null as null | { samples: number; waiting: number; max: number } };
  }
  let timer: NodeJS.Timeout | undefined;
  let client: pg.Client | undefined;
  const seen = { samples: 0, waiting: 0, max: 0 };
  let busy = false;
  return {
    start() {
      seen.samples = 0;
      seen.waiting = 0;
      seen.max = 0;
      client = new pg.Client({ connectionString: serverUrl });
      const connected = client.connect();
      timer = setInterval(() => {
        if (busy) {
          return;
        }
        busy = true;
        void connected
          .then(() =>
            client?.query<{ waiting: number }>(
              "select count(*)::int as waiting from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'",
              [database],
            ),
          )
          .then((result) => {
            const waiting = result?.rows[0]?.waiting ?? 0;
            seen.samples += 1;
            seen.waiting += waiting > 0 ? 1 : 0;
            seen.max = Math.max(seen.max, waiting);
          })
          .catch(() => {})
          .finally(() => {
            busy = false;
          });
      }, 20);
    },
    async stop() {
      clearInterval(timer);
      await client?.end().catch(() => {});
      return { ...seen };
    },
  };
}

const pad = (text: string, width: number) => text.padEnd(width);
const lpad = (text: string, width: number) => text.padStart(width);

/**
 * SPEC section 5 for bulk files, as an installation sees it: several files in a row into one
 * organization, with `ANALYZE` between them (what autovacuum does to freshly filled tables) — three
 * add-users files (2 profiles and 2 groups per row), then edit-users moving every user of the first
 * file to other groups (one of which gives a product), add-group-members and remove-group-members
 * of the second file's users, and remove-users of the third's — each uploaded over HTTP and applied
 * by the worker code, with the time of each, its ratio to the first add-users file, and (on
 * PostgreSQL) how often a batch waited for another's lock. Then: a bare `COPY` and the same writes
 * by SQL alone, the yardsticks of the add-users file; two refused uploads (a 10 MiB file over the
 * row limit, a 50 MB body); optionally a `big`-row add-users file with the row limit raised.
 */
export async function runBulkBench(options: {
  rows: number;
  files: number;
  big: number;
  types?: string[] | undefined;
  undo?: boolean;
}): Promise<void> {
  const copySeconds = options.rows > 0 ? await bareCopy(options.rows) : 0;
  const { database, label, drop } = await openBenchDatabase();
  const config = loadConfig({
    USHER_ADMIN_EMAIL: 'bench-admin@bench.example',
    USHER_ADMIN_PASSWORD: 'benchmark password',
    USHER_ORG_NAME: 'Bench',
    USHER_LOG_LEVEL: 'silent',
    USHER_BULK_MAX_ROWS: String(Math.max(options.rows, 25_000)),
    // The batch settings of the process's environment, to compare them.
    ...Object.fromEntries(
      ['USHER_BULK_BATCH_ROWS', 'USHER_BULK_CONCURRENT_BATCHES'].flatMap((name) =>
        process.env[name] ? [[name, process.env[name]]] : [],
      ),
    ),
    HOST: '127.0.0.1',
    PORT: '1',
  });
  const app = await createApp({ config, database, worker: false, server: { logger: false } });
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const databaseName =
    database.kind === 'postgres'
      ? (await sql<{ name: string }>`select current_database() as name`.execute(database.db)).rows[0]?.name
      : undefined;
  const locks = lockWaitSampler(serverUrl, databaseName);
  try {
    if (app.firstRun.kind !== 'created') {
      throw new Error('bench: no organization');
    }
    const org = app.firstRun.organizationId;
    const db = database.db;
    const profiles = new Map<string, string>();
    for (const [name, profile] of [
      ['Bench A', 'Bench P1'],
      ['Bench B', 'Bench P2'],
      ['Bench C', 'Bench P3'],
    ] as const) {
      const product = await db
        .insertInto('products')
        .values({ organization_id: org, name, license_quantity: 10_000_000 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const created = await db
        .insertInto('product_profiles')
        .values({ organization_id: org, product_id: product.id, name: profile })
        .returning('id')
        .executeTakeFirstOrThrow();
      profiles.set(profile, created.id);
    }
    const groups = new Map<string, string>();
    for (const name of ['Bench G1', 'Bench G2', 'Bench G3']) {
      const group = await db
        .insertInto('user_groups')
        .values({ organization_id: org, name, description: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      groups.set(name, group.id);
    }
    // Bench G3 gives Bench C: moving users into it, or adding them, moves licenses.
    await db
      .insertInto('group_profiles')
      .values({
        organization_id: org,
        group_id: groups.get('Bench G3') ?? '',
        profile_id: profiles.get('Bench P3') ?? '',
      })
      .execute();
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const client = new Client(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    await client.signIn('bench-admin@bench.example', 'benchmark password');
    const analyze = () => sql`analyze`.execute(db);
    await analyze();

    if (options.rows > 0) {
      const rows = options.rows;
      const files = Math.max(1, options.files);
      const prefixes = Array.from({ length: files }, (_, index) => `f${index + 1}u`);
      const email = (prefix: string, index: number) => `${prefix}${index}@bulk-bench.example`;
      const steps: Step[] = prefixes.map((prefix, index) => ({
        label: `add-users #${index + 1}`,
        type: 'add-users',
        header: HEADER,
        line: (row) => rowOf(row, prefix),
        addUsers: true,
      }));
      const first = prefixes[0] ?? 'f1u';
      const second = prefixes[1] ?? first;
      const last = prefixes.at(-1) ?? first;
      steps.push(
        {
          label: 'edit-users, groups changed',
          type: 'edit-users',
          header: 'Email,First Name,Country Code,User Groups',
          line: (row) => `${email(first, row)},Edited${row},DE,"Bench G2,Bench G3"`,
        },
        {
          label: 'add-group-members',
          type: 'add-group-members',
          groupId: groups.get('Bench G3') ?? '',
          header: 'Email',
          line: (row) => email(second, row),
        },
        {
          label: 'remove-group-members',
          type: 'remove-group-members',
          groupId: groups.get('Bench G3') ?? '',
          header: 'Email',
          line: (row) => email(second, row),
        },
        {
          label: 'remove-users',
          type: 'remove-users',
          header: 'Email',
          line: (row) => email(last, row),
        },
      );
      const chosen = options.types ? steps.filter((step) => options.types?.includes(step.type)) : steps;
      console.log(
        `Usher bulk benchmark on ${label}: ${rows.toLocaleString('en')}-row files in a row into one organization, ANALYZE between them`,
      );
      console.log(
        `  ${pad('file', 28)}${lpad('upload', 9)}${lpad('apply', 9)}${lpad('total', 9)}${lpad('× first', 9)}  ${pad('result', 34)}lock waits`,
      );
      let firstTotal = 0;
      let peak = 0;
      const addUsersTotals: number[] = [];
      let floor = new Map<string, number>();
      let floorSeconds = 0;
      for (const step of chosen) {
        const lines = [step.header];
        for (let index = 0; index < rows; index += 1) {
          lines.push(step.line(index));
        }
        const file = lines.join('\r\n');
        const uploaded = await timed(async () => {
          const response = await upload(
            client,
            { type: step.type, ...(step.groupId ? { groupId: step.groupId } : {}) },
            file,
            `${step.type}.csv`,
          );
          if (response.status !== 202) {
            throw new Error(`${step.label}: upload answered ${response.status} ${response.text}`);
          }
          return response.body.id;
        });
        locks.start();
        const applied = await timed(() => runBulkOperation(app.ctx, uploaded.result));
        const waits = await locks.stop();
        const operation = await db
          .selectFrom('bulk_operations')
          .select(['status', 'succeeded_rows', 'failed_rows'])
          .where('id', '=', uploaded.result)
          .executeTakeFirstOrThrow();
        const total = uploaded.seconds + applied.seconds;
        firstTotal ||= total;
        peak = Math.max(peak, uploaded.peakMiB, applied.peakMiB);
        if (step.addUsers) {
          addUsersTotals.push(total);
        }
        console.log(
          `  ${pad(step.label, 28)}${lpad(`${uploaded.seconds.toFixed(2)} s`, 9)}${lpad(`${applied.seconds.toFixed(2)} s`, 9)}${lpad(`${total.toFixed(2)} s`, 9)}${lpad(`${(total / firstTotal).toFixed(2)}×`, 9)}  ${pad(`${operation.status} ${operation.succeeded_rows}/${operation.failed_rows}`, 34)}${waits ? `${waits.waiting} of ${waits.samples} samples (max ${waits.max})` : 'n/a'}`,
        );
        await analyze();
        if (options.undo && step === chosen[0] && step.addUsers) {
          // The undo of the file (its users removed), then the redo (restored with what they had),
          // so the steps after go on with the same organization.
          let source = uploaded.result;
          for (const what of ['undo', 'redo']) {
            const started = await client.post<{ id: string }>(`/api/v1/bulk-operations/${source}/undo`, {});
            if (started.status !== 202) {
              throw new Error(`${what}: answered ${started.status} ${started.text}`);
            }
            const undone = await timed(() => runBulkOperation(app.ctx, started.body.id));
            const result = await db
              .selectFrom('bulk_operations')
              .select(['status', 'succeeded_rows', 'failed_rows'])
              .where('id', '=', started.body.id)
              .executeTakeFirstOrThrow();
            console.log(
              `  ${pad(`  ${what} of ${step.label}`, 28)}${lpad('', 9)}${lpad(`${undone.seconds.toFixed(2)} s`, 9)}${lpad('', 9)}${lpad(`${(undone.seconds / applied.seconds).toFixed(2)}×`, 9)}  ${pad(`${result.status} ${result.succeeded_rows}/${result.failed_rows}`, 34)}(× the file's apply)`,
            );
            source = started.body.id;
            await analyze();
          }
        }
        if (step === steps[files - 1]) {
          floor = await sameWritesInSql(db, org, rows);
          floorSeconds = [...floor.values()].reduce((sum, value) => sum + value, 0);
          await analyze();
        }
      }
      const firstAdd = addUsersTotals[0] ?? 0;
      console.log(
        `  bare COPY of ${rows.toLocaleString('en')} user rows into a plain table: ${copySeconds.toFixed(3)} s; the first add-users file end to end is ${(firstAdd / copySeconds).toFixed(1)}× it (${Math.round(rows / firstAdd).toLocaleString('en')} rows/s); peak RSS ${peak} MiB`,
      );
      console.log(
        `  the same writes as one add-users file by SQL alone (INSERT … SELECT, one transaction, rolled back, measured after the add-users files): ${floorSeconds.toFixed(2)} s; the add-users files end to end are ${addUsersTotals.map((total) => `${(total / floorSeconds).toFixed(2)}×`).join(', ')} this`,
      );
      console.log(`    ${[...floor].map(([name, value]) => `${name} ${value.toFixed(2)} s`).join(', ')}`);
    }

    await refusedUploads(client, config.bulk.maxRows, config.bulk.maxBytes);

    if (options.big > 0) {
      await analyze();
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
            chunk.push(rowOf(index, 'big'));
          }
          yield `${chunk.join('\r\n')}\r\n`;
        }
      }
      // The row limit raised for this file only.
      const raised = { ...app.ctx, config: { ...config, bulk: { ...config.bulk, maxRows: options.big } } };
      console.log(
        `  ${options.big.toLocaleString('en')}-row add-users file (row limit raised), streamed into the service after ANALYZE:`,
      );
      const bigUpload = await timed(() =>
        createBulkOperation(raised, actor, { type: 'add-users', fileName: 'big.csv', dryRun: false, file: bigFile() }),
      );
      const bigApply = await timed(() => runBulkOperation(app.ctx, bigUpload.result));
      const big = await db
        .selectFrom('bulk_operations')
        .select(['status', 'succeeded_rows'])
        .where('id', '=', bigUpload.result)
        .executeTakeFirstOrThrow();
      console.log(
        `    upload ${bigUpload.seconds.toFixed(1)} s (peak RSS ${bigUpload.peakMiB} MiB), apply ${bigApply.seconds.toFixed(1)} s (peak RSS ${bigApply.peakMiB} MiB), end to end ${(bigUpload.seconds + bigApply.seconds).toFixed(1)} s — ${big.status}, ${big.succeeded_rows} succeeded`,
      );
    }
  } finally {
    await locks.stop();
    await app.close();
    await drop();
  }
}

/**
 * A multipart/form-data body made beforehand, so that timing the request times the server, not
 * the encoding of the form.
 */
function multipartBody(fields: Record<string, string>, file: string): { body: Buffer; contentType: string } {
  const boundary = `----usher-bench-${Date.now()}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const head = `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="refused.csv"\r\nContent-Type: text/csv\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), Buffer.from(file), Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * Two uploads the server must refuse early, timed from the request to the answer: a 10 MiB file
 * over the row limit, and a 50 MB one over the byte limit.
 */
async function refusedUploads(client: Client, maxRows: number, maxBytes: number): Promise<void> {
  const fill = (bytes: number) => {
    const lines = ['Email'];
    let size = 5;
    for (let index = 0; size < bytes; index += 1) {
      const line = `r${index}@x.example`;
      lines.push(line);
      size += line.length + 2;
    }
    return { text: lines.join('\r\n'), rows: lines.length - 1 };
  };
  const overRows = fill(10 * 1024 * 1024);
  const overBytes = fill(50 * 1000 * 1000);
  for (const [what, file] of [
    [
      `a 10 MiB file of ${overRows.rows.toLocaleString('en')} rows (limit ${maxRows.toLocaleString('en')} rows)`,
      overRows,
    ],
    [`a 50 MB file (limit ${maxBytes.toLocaleString('en')} bytes)`, overBytes],
  ] as const) {
    const { body, contentType } = multipartBody({ type: 'remove-users' }, file.text);
    const started = performance.now();
    const answer = await fetch(`${client.baseUrl}/api/v1/bulk-operations`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        cookie: client.cookie ?? '',
        'x-csrf-token': client.csrfToken ?? '',
      },
      body,
    })
      .then(async (response) => `${response.status} ${((await response.json()) as { code?: string }).code}`)
      .catch((error: unknown) => `no answer (${error instanceof Error ? error.message : String(error)})`);
    const seconds = (performance.now() - started) / 1000;
    console.log(`  refused upload, ${what}: ${answer} in ${seconds.toFixed(2)} s`);
  }
}
