import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { measure, openBenchDatabase, since } from './support.ts';

const PASSWORD = 'benchmark password';
const SCIM_JSON = 'application/scim+json';

function percentile(times: number[], q: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

/** Runs `count` jobs with `concurrency` workers pulling from one counter; returns each job's latency. */
async function runConcurrently(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<void>,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        const started = performance.now();
        await job(index);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

/**
 * SCIM benchmark (issue 8): provisions `provision` users and `groups` groups of `members` members
 * through /scim/v2 over HTTP with `concurrency` clients (as an identity provider does: POST /Users,
 * POST /Groups, PATCH members), then seeds the organization up to `users` users and times the
 * list and filter requests identity providers send at that size.
 */
export async function runScimBench(options: {
  users: number;
  provision: number;
  groups: number;
  members: number;
  concurrency: number;
  samples: number;
}): Promise<void> {
  const { database, label, drop } = await openBenchDatabase();
  const config = loadConfig({
    USHER_ADMIN_EMAIL: 'bench-admin@bench.example',
    USHER_ADMIN_PASSWORD: PASSWORD,
    USHER_ORG_NAME: 'Bench',
    USHER_LOG_LEVEL: 'silent',
    USHER_LOGIN_MAX_PER_ADDRESS: '100000',
  });
  const app = await createApp({ config, database, worker: false, server: { logger: false } });
  try {
    if (app.firstRun.kind !== 'created') {
      throw new Error('bench: no organization');
    }
    const org = app.firstRun.organizationId;
    const db = database.db;
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench-admin@bench.example', password: PASSWORD }),
    });
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
    const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const created = await fetch(`${base}/api/v1/scim/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
      body: JSON.stringify({ name: 'Bench IdP' }),
    });
    const token = ((await created.json()) as { token: string }).token;
    const scim = async (method: string, path: string, body?: unknown, expected = 200) => {
      const response = await fetch(`${base}/scim/v2${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': SCIM_JSON }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status !== expected) {
        throw new Error(`${method} ${path}: ${response.status} ${text}`);
      }
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };

    console.log(
      `Usher SCIM benchmark on ${label}: provision ${options.provision.toLocaleString('en')} users and ${options.groups} groups × ${options.members} members with ${options.concurrency} clients; lists at ${options.users.toLocaleString('en')} users`,
    );
    const userIds: string[] = new Array(options.provision);
    let started = performance.now();
    const userLatencies = await runConcurrently(options.provision, options.concurrency, async (index) => {
      const user = await scim(
        'POST',
        '/Users',
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `scim${index}@idp.example`,
          externalId: `idp-${index}`,
          name: { givenName: `Given${index}`, familyName: `Family${index}` },
          emails: [{ value: `scim${index}@idp.example`, type: 'work', primary: true }],
          active: true,
        },
        201,
      );
      userIds[index] = String(user.id);
    });
    let seconds = (performance.now() - started) / 1000;
    console.log(
      `  POST /Users         ${options.provision} users in ${seconds.toFixed(1)} s = ${(options.provision / seconds).toFixed(0)} users/s; p50 ${percentile(userLatencies, 0.5).toFixed(1)} ms, p95 ${percentile(userLatencies, 0.95).toFixed(1)} ms`,
    );

    started = performance.now();
    const groupLatencies: number[] = [];
    const patchLatencies = await runConcurrently(options.groups, options.concurrency, async (index) => {
      const groupStarted = performance.now();
      const group = await scim(
        'POST',
        '/Groups',
        { displayName: `SCIM group ${index}`, externalId: `idp-group-${index}`, members: [] },
        201,
      );
      groupLatencies.push(performance.now() - groupStarted);
      const members = Array.from({ length: options.members }, (_, offset) => ({
        value: userIds[(index * options.members + offset) % userIds.length],
      }));
      await scim('PATCH', `/Groups/${group.id}?excludedAttributes=members`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: members }],
      });
    });
    seconds = (performance.now() - started) / 1000;
    console.log(
      `  POST /Groups + PATCH members  ${options.groups} groups, ${options.groups * options.members} memberships in ${seconds.toFixed(1)} s = ${((options.groups * options.members) / seconds).toFixed(0)} memberships/s; POST p95 ${percentile(groupLatencies, 0.95).toFixed(1)} ms, PATCH (${options.members} members) p50 ${percentile(patchLatencies, 0.5).toFixed(1)} ms, p95 ${percentile(patchLatencies, 0.95).toFixed(1)} ms`,
    );

    started = performance.now();
    const existing = options.provision + 1;
    const batch = 100_000;
    for (let offset = existing; offset <= options.users; offset += batch) {
      const upto = Math.min(offset + batch - 1, options.users);
      await sql`insert into users (organization_id, email, username, first_name, last_name, country, alias, identity_type, status, external_id)
        select ${org}, 'user' || i || '@mail' || (i % 97) || '.example', 'user' || i || '@mail' || (i % 97) || '.example',
          'First' || (i % 5000), 'Last' || lpad((i::bigint * 7919 % 100000)::text, 5, '0'), 'PL', 'user' || i, 'personal',
          case when i % 100 = 0 then 'removed' else 'active' end, 'ext-' || i
        from generate_series(${offset}::int, ${upto}::int) i`.execute(db);
    }
    await sql`analyze`.execute(db);
    const total = await sql<{ n: number }>`select count(*)::int as n from users where organization_id = ${org}`.execute(
      db,
    );
    console.log(`  seeded up to ${total.rows[0]?.n.toLocaleString('en')} users in ${since(started)}`);

    // Seeding kept the event loop busy (on PGlite the database runs on it): idle keep-alive
    // connections the server closed meanwhile fail once on reuse. Warm up until one succeeds.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await scim('GET', '/ServiceProviderConfig');
        break;
      } catch (error) {
        if (attempt >= 5) {
          throw error;
        }
      }
    }
    const sample = await sql<{ id: string; username: string; external_id: string | null }>`
      select id, username, external_id from users where organization_id = ${org} and external_id is not null order by random() limit 200`.execute(
      db,
    );
    const pick = (index: number) =>
      sample.rows[index % sample.rows.length] ?? { id: '', username: '', external_id: '' };
    const q = (filter: string) => encodeURIComponent(filter);
    const scenarios: [string, (index: number) => string][] = [
      ['filter userName eq (Entra/Okta check)', (i) => `/Users?filter=${q(`userName eq "${pick(i).username}"`)}`],
      ['filter externalId eq', (i) => `/Users?filter=${q(`externalId eq "${pick(i).external_id}"`)}`],
      ['filter userName eq, random (none)', (i) => `/Users?filter=${q(`userName eq "${i}-${Math.random()}"`)}`],
      ['GET /Users/{id}', (i) => `/Users/${pick(i).id}`],
      ['first page (100, by userName)', () => '/Users?startIndex=1&count=100'],
      ['first page (100, by familyName)', () => '/Users?startIndex=1&count=100&sortBy=name.familyName'],
      ['filter userName sw, 100', (i) => `/Users?count=100&filter=${q(`userName sw "user${(i % 9) + 1}${i % 10}"`)}`],
      [
        'filter familyName eq',
        (i) => `/Users?filter=${q(`name.familyName eq "Last${String((i * 7919) % 100000).padStart(5, '0')}"`)}`,
      ],
      ['filter active eq false, 100', () => `/Users?count=100&filter=${q('active eq false')}`],
      ['page at startIndex 500,000', () => '/Users?startIndex=500000&count=100'],
      [
        'group by displayName, no members',
        (i) => `/Groups?excludedAttributes=members&filter=${q(`displayName eq "SCIM group ${i % options.groups}"`)}`,
      ],
    ];
    console.log(
      `\n  ${'scenario'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)}  results`,
    );
    for (const [scenario, path] of scenarios) {
      let results = 0;
      const figures = await measure(options.samples, async (index) => {
        const body = await scim('GET', path(index));
        results = Array.isArray(body.Resources) ? Number(body.totalResults) : 1;
      });
      console.log(
        `  ${scenario.padEnd(40)} ${figures.p50.toFixed(1).padStart(8)} ${figures.p95.toFixed(1).padStart(8)} ${figures.max.toFixed(1).padStart(8)}  ${results}`,
      );
    }
    console.log(`\n  process RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB`);
  } finally {
    await app.close();
    await drop();
  }
}
