/**
 * Benchmarks, printing figures (never asserting times): `npm run bench -- <name> [options]`.
 *
 *   users     1,000,000 users, 1,000 groups, 200 profiles: users list, search, filters, details,
 *             license usage, search by term class after ANALYZE and after VACUUM (issues 4, 22).
 *             Options: --users N (default 1000000), --only TEXT (the scenarios whose name has it:
 *             `sort` for the sort orders of the column headers, with their plans)
 *   groups    the user's path first: one N-row add-users file putting everyone in one group, then
 *             POST /groups/{id}/profiles and its DELETE over HTTP (issue 22); then add 200,000 users
 *             to a group, assign a profile to a 1,000,000-member group written by SQL, unassign it,
 *             delete the group, with times and peak RSS (issue 5). Options: --users N
 *   bulk      files of every bulk type in a row into one organization, ANALYZE between them:
 *             three 25,000-row add-users files (2 profiles, 2 groups per row), edit-users with
 *             group changes, add- and remove-group-members, remove-users, each uploaded over HTTP
 *             and applied: times, ratios to the first, lock waits; a bare COPY and the same writes
 *             by SQL alone; two refused uploads (issues 6, 22). Options: --rows N (default 25000),
 *             --files N (add-users files, default 3), --types a,b (only steps of these types),
 *             --big N (also stream an N-row file), --undo (undo the first add-users file, then
 *             redo it: the undo's and the redo's times beside the file's apply time)
 *
 *   embedded  the embedded server (PGlite) under load: a console user's latencies while a 25,000-row
 *             add-users file is uploaded and applied, while a 2,000-row edit-users file changes
 *             groups and admin roles, and while the welcome e-mails of a profile given to a
 *             100,000-member group are written (issue 22). Options: --rows N (default 25000),
 *             --edit-rows N (default 2000), --fanout N (default 100000), --memory
 *
 *   csv-parse the bulk CSV parser alone on an add-users file (2 profiles, 2 groups per row): rows/s
 *             and peak RSS (issue 6). Options: --rows N (default 1000000)
 *
 *   scim      provision 10,000 users and 100 groups × 100 members through /scim/v2 with 8 concurrent
 *             HTTP clients (users/s, p95), then list/filter latency at 1,000,000 users (issue 8).
 *             Options: --users N (default 1000000), --provision N, --concurrency N
 *
 *   umapi     a first sync of 10,000 users through Adobe's User Management API (batches of 10 actions:
 *             create + a profile and a user group each) beside the same users by one add-users CSV
 *             file, then the paged user listing of a no-change run (issue 17). Options: --users N
 *             (default 10000), --concurrency N (default 1: the sync tool sends one call at a time)
 *
 *   sync      directory sync from a seeded slapd: 100,000 directory users in 20 groups mapped to 20
 *             user groups; first sync, a run with nothing changed and previews, with times and
 *             peak RSS (issue 19). Options: --users N (default 100000), --groups N (default 20)
 *
 * On PGlite by default; BENCH_DATABASE_URL=postgres://…/postgres runs on a fresh database of that
 * server (created and dropped).
 */
import { parseArgs } from 'node:util';
import { runBulkBench } from './bench/bulk.bench.ts';
import { runCsvParseBench } from './bench/csv-parse.bench.ts';
import { runEmbeddedBench } from './bench/embedded.bench.ts';
import { runGroupsBench } from './bench/groups.bench.ts';
import { runScimBench } from './bench/scim.bench.ts';
import { runSyncBench } from './bench/sync.bench.ts';
import { runUmapiBench } from './bench/umapi.bench.ts';
import { runUsersBench } from './bench/users.bench.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    users: { type: 'string' },
    samples: { type: 'string' },
    rows: { type: 'string' },
    big: { type: 'string' },
    files: { type: 'string' },
    types: { type: 'string' },
    provision: { type: 'string' },
    concurrency: { type: 'string' },
    'edit-rows': { type: 'string' },
    fanout: { type: 'string' },
    memory: { type: 'boolean' },
    groups: { type: 'string' },
    undo: { type: 'boolean' },
    only: { type: 'string' },
  },
});
const name = positionals[0];
switch (name) {
  case 'users':
    await runUsersBench({
      users: Number(values.users ?? 1_000_000),
      samples: Number(values.samples ?? 40),
      only: values.only,
    });
    break;
  case 'sync':
    await runSyncBench({ users: Number(values.users ?? 100_000), groups: Number(values.groups ?? 20) });
    break;
  case 'groups':
    await runGroupsBench({ users: Number(values.users ?? 1_000_000) });
    break;
  case 'bulk':
    await runBulkBench({
      rows: Number(values.rows ?? 25_000),
      files: Number(values.files ?? 3),
      big: Number(values.big ?? 0),
      types: values.types?.split(','),
      undo: values.undo ?? false,
    });
    break;
  case 'embedded':
    await runEmbeddedBench({
      rows: Number(values.rows ?? 25_000),
      editRows: Number(values['edit-rows'] ?? 2000),
      fanout: Number(values.fanout ?? 100_000),
      memory: values.memory ?? false,
    });
    break;
  case 'umapi':
    await runUmapiBench({
      users: Number(values.users ?? 10_000),
      concurrency: Number(values.concurrency ?? 1),
    });
    break;
  case 'csv-parse':
    await runCsvParseBench({ rows: Number(values.rows ?? 1_000_000) });
    break;
  case 'scim':
    await runScimBench({
      users: Number(values.users ?? 1_000_000),
      provision: Number(values.provision ?? 10_000),
      groups: 100,
      members: 100,
      concurrency: Number(values.concurrency ?? 8),
      samples: Number(values.samples ?? 40),
    });
    break;
  default:
    console.error(
      'Usage: npm run bench -- users|groups|bulk|embedded|csv-parse|scim|umapi [--users N] [--samples N] [--rows N]',
    );
    process.exit(2);
}
process.exit(0);
