/**
 * Benchmarks, printing figures (never asserting times): `npm run bench -- <name> [options]`.
 *
 *   users     1,000,000 users, 1,000 groups, 200 profiles: users list, search, filters, details,
 *             license usage (issue 4). Options: --users N (default 1000000)
 *   groups    add 200,000 users to a group, assign a profile to a 1,000,000-member group, unassign
 *             it, delete the group, with times and peak RSS (issue 5). Options: --users N
 *
 * On PGlite by default; BENCH_DATABASE_URL=postgres://…/postgres runs on a fresh database of that
 * server (created and dropped).
 */
import { parseArgs } from 'node:util';
import { runGroupsBench } from './bench/groups.bench.ts';
import { runUsersBench } from './bench/users.bench.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { users: { type: 'string' }, samples: { type: 'string' } },
});
const name = positionals[0];
switch (name) {
  case 'users':
    await runUsersBench({ users: Number(values.users ?? 1_000_000), samples: Number(values.samples ?? 40) });
    break;
  case 'groups':
    await runGroupsBench({ users: Number(values.users ?? 1_000_000) });
    break;
  default:
    console.error('Usage: npm run bench -- users|groups [--users N] [--samples N]');
    process.exit(2);
}
process.exit(0);
