import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/database.ts';
import { type BulkOperation, upload } from '../../test/support/bulk.ts';
import { Client } from '../../test/support/client.ts';
import type { ProbeSample } from './probe.ts';
import { since } from './support.ts';

const PASSWORD = 'benchmark password';
const ADD_HEADER = 'Email,First Name,Last Name,Country Code,Product Configurations,User Groups';
const EDIT_HEADER = 'Email,User Groups,Admin Roles,User Groups Administered';

/** Wall-clock time in ms, comparable across threads. */
const now = () => performance.timeOrigin + performance.now();

interface Phase {
  label: string;
  from: number;
  to: number;
  note: string;
}

/** p50 / p95 / max of the probe's answers sent within a phase, and how many took over 1 s. */
function latencies(samples: ProbeSample[], phase: Phase): string {
  const times = samples
    .filter((sample) => sample.at >= phase.from && sample.at < phase.to)
    .map((sample) => sample.ms)
    .sort((a, b) => a - b);
  if (times.length === 0) {
    return 'no request';
  }
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  const failed = samples.filter((sample) => sample.at >= phase.from && sample.at < phase.to && sample.status !== 200);
  return `${String(times.length).padStart(5)} requests  p50 ${at(0.5).toFixed(0).padStart(5)}  p95 ${at(0.95).toFixed(0).padStart(5)}  max ${(times.at(-1) ?? 0).toFixed(0).padStart(6)} ms  over 1 s: ${times.filter((ms) => ms > 1000).length}${failed.length ? `  not 200: ${failed.length}` : ''}`;
}

/**
 * The embedded server under load (issue 22): while a 25,000-row add-users file is uploaded and
 * applied, while a 2,000-row edit-users file changes the groups and admin roles of users, and
 * while a background job writes the welcome e-mails of a profile given to a large group, a
 * console user in another thread lists users and products; the benchmark prints that user's
 * latencies per phase and how often the bulk operation's progress moved.
 * On PGlite in a temporary folder (as `npm start` uses it); `--memory` keeps it in memory.
 */
export async function runEmbeddedBench(options: {
  rows: number;
  editRows: number;
  fanout: number;
  memory: boolean;
}): Promise<void> {
  const dataDir = options.memory ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'usher-embedded-bench-'));
  const database = await openDatabase({ dataDir });
  const config = loadConfig({
    USHER_ADMIN_EMAIL: 'bench-admin@bench.example',
    USHER_ADMIN_PASSWORD: PASSWORD,
    USHER_ORG_NAME: 'Bench',
    USHER_LOG_LEVEL: 'silent',
    USHER_LOGIN_MAX_PER_ADDRESS: '100000',
    USHER_BULK_MAX_ROWS: String(Math.max(options.rows, options.editRows, 25_000)),
    USHER_GROUP_MAX_MEMBERS: '0',
    HOST: '127.0.0.1',
    PORT: '1',
  });
  const app = await createApp({ config, database, worker: true, server: { logger: false } });
  const phases: Phase[] = [];
  let probe: Worker | undefined;
  try {
    if (app.firstRun.kind !== 'created') {
      throw new Error('bench: no organization');
    }
    const org = app.firstRun.organizationId;
    const db = database.db;
    console.log(
      `Usher embedded-server benchmark on PGlite (${dataDir ? 'files in a temporary folder' : 'in memory'}), server and worker in one process`,
    );
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
      await db
        .insertInto('product_profiles')
        .values({ organization_id: org, product_id: product.id, name: profile })
        .execute();
    }
    await db
      .insertInto('user_groups')
      .values(['Bench G1', 'Bench G2', 'Bench G3', 'Bench G4'].map((name) => ({ organization_id: org, name })))
      .execute();

    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const client = new Client(base);
    await client.signIn('bench-admin@bench.example', PASSWORD);
    const probeClient = new Client(base);
    await probeClient.signIn('bench-admin@bench.example', PASSWORD);
    probe = new Worker(new URL('./probe.ts', import.meta.url), {
      workerData: {
        base,
        cookie: probeClient.cookie,
        paths: ['/api/v1/users?limit=50', '/api/v1/products?limit=50', '/api/v1/users?limit=50&sort=name'],
        pauseMs: 50,
      },
    });
    const samples = new Promise<ProbeSample[]>((resolve, reject) => {
      probe?.once('message', resolve);
      probe?.once('error', reject);
    });

    let from = now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    phases.push({ label: 'idle', from, to: now(), note: '3 s, nothing else running' });

    /** Uploads a file and follows the operation to its end, as the console's progress bar does. */
    const runFile = async (label: string, type: string, file: string) => {
      let started = now();
      const response = await upload(client, { type }, file, `${type}.csv`);
      if (response.status !== 202) {
        throw new Error(`upload: ${response.status} ${response.text}`);
      }
      phases.push({
        label: `${label}: upload`,
        from: started,
        to: now(),
        note: since(started - performance.timeOrigin),
      });
      started = now();
      let moves = 0;
      let last = -1;
      let lastMove = started;
      let longestStill = 0;
      let operation: BulkOperation;
      for (;;) {
        const polled = await client.get<BulkOperation>(`/api/v1/bulk-operations/${response.body.id}`);
        operation = polled.body;
        if (operation.processedRows !== last) {
          moves += last >= 0 ? 1 : 0;
          longestStill = Math.max(longestStill, now() - lastMove);
          last = operation.processedRows;
          lastMove = now();
        }
        if (!['queued', 'running'].includes(operation.status)) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      phases.push({
        label: `${label}: apply`,
        from: started,
        to: now(),
        note: `${since(started - performance.timeOrigin)}, ${operation.status} (${operation.succeededRows} succeeded, ${operation.failedRows} failed); progress moved ${moves} times, longest still ${(longestStill / 1000).toFixed(1)} s`,
      });
    };

    const addLines = [ADD_HEADER];
    for (let index = 0; index < options.rows; index += 1) {
      addLines.push(
        `u${index}@embedded-bench.example,First${index},Last${index},PL,"Bench P1,Bench P2","Bench G1,Bench G2"`,
      );
    }
    await runFile(`add-users, ${options.rows.toLocaleString('en')} rows`, 'add-users', addLines.join('\r\n'));

    const editLines = [EDIT_HEADER];
    for (let index = 0; index < Math.min(options.editRows, options.rows); index += 1) {
      editLines.push(`u${index}@embedded-bench.example,"Bench G3,Bench G4",User Group Admin,Bench G3`);
    }
    await runFile(
      `edit-users, ${options.editRows.toLocaleString('en')} rows (groups, admin roles)`,
      'edit-users',
      editLines.join('\r\n'),
    );

    // A group of `fanout` members (the import's, topped up by SQL), then a profile given to it: the
    // request grants the licenses; a background job writes one welcome e-mail per member.
    const group = await db
      .selectFrom('user_groups')
      .select('id')
      .where('organization_id', '=', org)
      .where('name', '=', 'Bench G1')
      .executeTakeFirstOrThrow();
    const members = await db
      .selectFrom('group_members')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('organization_id', '=', org)
      .where('group_id', '=', group.id)
      .executeTakeFirstOrThrow();
    const extra = Math.max(0, options.fanout - Number(members.count));
    if (extra > 0) {
      const seeded = now();
      await sql`insert into users (organization_id, email, username, first_name, last_name, country, alias, identity_type)
        select ${org}, 'extra' || i || '@embedded-bench.example', 'extra' || i || '@embedded-bench.example',
          'First' || i, 'Last' || i, 'PL', 'extra' || i, 'personal'
        from generate_series(1, ${extra}) i`.execute(db);
      await sql`insert into group_members (organization_id, group_id, user_id)
        select ${org}, ${group.id}, id from users where organization_id = ${org} and email like 'extra%' order by id`.execute(
        db,
      );
      await sql`analyze`.execute(db);
      phases.push({
        label: `seeding ${extra.toLocaleString('en')} more members by SQL`,
        from: seeded,
        to: now(),
        note: `${since(seeded - performance.timeOrigin)} (the benchmark's own statements, not Usher's)`,
      });
    }
    const profile = await db
      .selectFrom('product_profiles')
      .select('id')
      .where('organization_id', '=', org)
      .where('name', '=', 'Bench P3')
      .executeTakeFirstOrThrow();
    from = now();
    const assigned = await client.post(`/api/v1/groups/${group.id}/profiles`, { profileIds: [profile.id] });
    if (assigned.status !== 200) {
      throw new Error(`assign: ${assigned.status} ${assigned.text}`);
    }
    phases.push({
      label: `assign a profile to a ${options.fanout.toLocaleString('en')}-member group (the request)`,
      from,
      to: now(),
      note: since(from - performance.timeOrigin),
    });
    from = now();
    for (;;) {
      const { rows } = await sql<{ busy: number }>`
        select count(*)::int as busy from usher_jobs.job
        where name = 'outbox.welcome_fanout' and state in ('created', 'retry', 'active')`.execute(db);
      if ((rows[0]?.busy ?? 0) === 0) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const written = await db
      .selectFrom('outbox_messages')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('organization_id', '=', org)
      .where('kind', '=', 'welcome')
      .where('data', '@>', sql`'{"products": ["Bench C"]}'::jsonb`)
      .executeTakeFirstOrThrow();
    phases.push({
      label: 'welcome e-mails of that grant (background job)',
      from,
      to: now(),
      note: `${since(from - performance.timeOrigin)}, ${Number(written.count).toLocaleString('en')} e-mails written`,
    });

    probe.postMessage('stop');
    const recorded = await samples;
    probe = undefined;
    console.log('\n  a console user in another thread lists users and products every 50 ms; its latencies per phase:');
    for (const phase of phases) {
      console.log(`\n  ${phase.label} — ${phase.note}\n    ${latencies(recorded, phase)}`);
    }
  } finally {
    await probe?.terminate();
    await app.close();
    await database.close();
    if (dataDir) {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}
