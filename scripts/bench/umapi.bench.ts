import { sql } from 'kysely';
import pg from 'pg';
import { createApp } from '../../src/app.ts';
import { runBulkOperation } from '../../src/bulk/bulk.job.ts';
import { loadConfig } from '../../src/config.ts';
import { upload } from '../../test/support/bulk.ts';
import { Client } from '../../test/support/client.ts';
import { connectIntegration } from '../../test/support/umapi.ts';
import { openBenchDatabase, timed } from './support.ts';

const HEADER = 'Email,First Name,Last Name,Country Code,Product Configurations,User Groups';

/**
 * UMAPI benchmark (issue 17): a first sync of `users` users through Adobe's User Management API
 * as the User Sync Tool sends it (batches of 10 actions, each creating a user and adding it to a
 * profile and a user group, names lower-cased, one client after the other), beside the same users
 * added by one add-users CSV file; then a no-change run: the paged user listing the sync tool
 * reads first (`GET users/{org}/{page}`, 200 per page). `ANALYZE` runs between the steps (what
 * autovacuum does to freshly filled tables), as in the bulk benchmark, so each step is planned on
 * the statistics a running server would have.
 */
export async function runUmapiBench(options: { users: number; concurrency: number }): Promise<void> {
  const { database, label, drop } = await openBenchDatabase();
  const config = loadConfig({
    USHER_ADMIN_EMAIL: 'bench-admin@bench.example',
    USHER_ADMIN_PASSWORD: 'benchmark password',
    USHER_ORG_NAME: 'Bench',
    USHER_LOG_LEVEL: 'silent',
    USHER_BULK_MAX_ROWS: String(Math.max(options.users, 25_000)),
    USHER_UMAPI_REQUESTS_PER_MINUTE: '1000000',
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
    const analyze = () => sql`analyze`.execute(db);
    const product = await db
      .insertInto('products')
      .values({ organization_id: org, name: 'Bench Product', license_quantity: 10_000_000 })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('product_profiles')
      .values({ organization_id: org, product_id: product.id, name: 'Bench Profile' })
      .execute();
    await db
      .insertInto('user_groups')
      .values({ organization_id: org, name: 'Bench Group', description: null })
      .execute();
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const admin = new Client(base);
    await admin.signIn('bench-admin@bench.example', 'benchmark password');
    console.log(
      `Usher UMAPI benchmark on ${label}: ${options.users.toLocaleString('en')} users, each created with a profile and a user group, ANALYZE between the steps`,
    );
    await analyze();

    // The same users by one add-users CSV file (Personal IDs, as below).
    const lines = [HEADER];
    for (let index = 0; index < options.users; index += 1) {
      lines.push(`csv${index}@umapi-bench.example,First${index},Last${index},PL,Bench Profile,Bench Group`);
    }
    const csv = await timed(async () => {
      const response = await upload(admin, { type: 'add-users' }, lines.join('\r\n'), 'bench.csv');
      if (response.status !== 202) {
        throw new Error(`upload: ${response.status} ${response.text}`);
      }
      await runBulkOperation(app.ctx, response.body.id);
      return response.body.id;
    });
    console.log(`  add-users CSV (upload + apply): ${csv.seconds.toFixed(2)} s`);
    await analyze();

    // The first sync through UMAPI: batches of 10 actions, as umapi-client's Connection sends them.
    const { connection } = await connectIntegration(admin, base, {
      name: 'Bench sync',
      password: 'benchmark password',
    });
    const batches: unknown[][] = [];
    for (let start = 0; start < options.users; start += 10) {
      const actions: unknown[] = [];
      for (let index = start; index < Math.min(start + 10, options.users); index += 1) {
        const email = `umapi${index}@umapi-bench.example`;
        actions.push({
          user: email,
          useAdobeID: true,
          requestID: `action_${index + 1}`,
          do: [
            {
              addAdobeID: {
                email,
                firstname: `First${index}`,
                lastname: `Last${index}`,
                country: 'PL',
                option: 'ignoreIfAlreadyExists',
              },
            },
            { add: { group: ['bench profile', 'bench group'] } },
          ],
        });
      }
      batches.push(actions);
    }
    let failed = 0;
    let next = 0;
    // Statements sent to PostgreSQL during the sync, counted at the driver (pg's Client.query):
    // the figure that the per-call cost follows on a loaded machine. BENCH_TRACE_CALL=n prints the
    // statements of the n-th call.
    const counted = countStatements(Number(process.env.BENCH_TRACE_CALL ?? -1), () => next);
    const sync = await timed(() =>
      Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < batches.length) {
            const batch = batches[next] ?? [];
            next += 1;
            const answer = await connection.actions(batch);
            if (answer.status !== 200) {
              throw new Error(`action: ${answer.status} ${JSON.stringify(answer.body)}`);
            }
            failed += answer.body.notCompleted;
          }
        }),
      ),
    );
    counted.stop();
    console.log(
      `  first sync through UMAPI (${batches.length} calls of 10 actions, ${options.concurrency} client${options.concurrency > 1 ? 's' : ''}): ${sync.seconds.toFixed(2)} s, ${failed} actions failed = ${(sync.seconds / csv.seconds).toFixed(1)}× the CSV file; ${(options.users / sync.seconds).toFixed(0)} users/s; ${(counted.count / batches.length).toFixed(1)} statements per call${counted.count === 0 ? ' (PGlite: not counted)' : ''}`,
    );

    await analyze();
    // A no-change run reads every user page first.
    const listing = await timed(async () => {
      let pages = 0;
      let users = 0;
      for (let page = 0; ; page += 1) {
        const answer = await connection.users(page);
        if (answer.status !== 200) {
          throw new Error(`users page ${page}: ${answer.status}`);
        }
        pages += 1;
        users += answer.body.users.length;
        if (answer.body.lastPage) {
          break;
        }
      }
      return { pages, users };
    });
    console.log(
      `  no-change run: the paged user listing, ${listing.result.users.toLocaleString('en')} users in ${listing.result.pages} pages: ${listing.seconds.toFixed(2)} s`,
    );
  } finally {
    await app.close();
    await drop();
  }
}

/**
 * Counts the statements the pg driver sends until `stop` (nothing on PGlite).
 * @param traceCall print the statements sent while `callOf()` is this call
 */
function countStatements(traceCall: number, callOf: () => number): { count: number; stop: () => void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  const counter = {
    count: 0,
    stop: () => {
      proto.query = original;
    },
  };
  proto.query = function (this: unknown, ...args: unknown[]) {
    counter.count += 1;
    if (callOf() === traceCall) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      console.log(`    [call ${traceCall}] ${String(text).replace(/\s+/g, ' ').slice(0, 160)}`);
    }
    return original.apply(this, args);
  };
  return counter;
}
