import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { encodeCursor } from '../../src/core/paging.ts';
import { CREATED_KEY, sortColumn, type UserSort, usersPageQuery } from '../../src/users/users.queries.ts';
import { measure, openBenchDatabase, since } from './support.ts';

const PASSWORD = 'benchmark password';

/** The key values of each sort order, as the list's cursor holds them (then the id). */
const SORT_KEY_VALUES = {
  email: [sql<string>`lower(users.email)`],
  name: [sql<string>`lower(coalesce(users.last_name, ''))`, sql<string>`lower(users.email)`],
  identityType: [sql<string>`users.identity_type`, sql<string>`lower(users.email)`],
  status: [sql<string>`users.status`, sql<string>`lower(users.email)`],
  // Fixed-width UTC text: it orders as the time does.
  created: [CREATED_KEY],
};

/**
 * Seeds an organization of `users` users (10 % Enterprise ID, 1 % removed, creation times spread
 * over a year, three users per second), 20 products × 10 profiles, 1,000 groups of 2 profiles
 * each, every user in one group and half of them with one direct profile; then times the users
 * list, search, filters, details and license usage over HTTP. `only` keeps the scenarios whose
 * name contains it (`sort` for the sort orders, with their plans).
 */
export async function runUsersBench(options: {
  users: number;
  samples: number;
  only?: string | undefined;
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
    console.log(`Usher users benchmark on ${label}: ${options.users.toLocaleString('en')} users`);

    let started = performance.now();
    await sql`insert into products (organization_id, name, license_quantity)
      select ${org}, 'Product ' || p, ${options.users} from generate_series(1, 20) p`.execute(db);
    await sql`insert into product_profiles (organization_id, product_id, name)
      select ${org}, pr.id, pr.name || ' profile ' || f from products pr, generate_series(1, 10) f where pr.organization_id = ${org}`.execute(
      db,
    );
    await sql`insert into user_groups (organization_id, name) select ${org}, 'Group ' || g from generate_series(1, 1000) g`.execute(
      db,
    );
    await sql`insert into group_profiles (organization_id, group_id, profile_id)
      select ${org}, g.id, p.id from (select id, row_number() over (order by name) as n from user_groups where organization_id = ${org}) g
      join (select id, row_number() over (order by name) as n from product_profiles where organization_id = ${org}) p
        on p.n in (1 + (g.n % 200), 1 + ((g.n * 7) % 200))`.execute(db);
    const batch = 100_000;
    for (let offset = 0; offset < options.users; offset += batch) {
      const upto = Math.min(offset + batch, options.users);
      await sql`insert into users (organization_id, email, username, first_name, last_name, country, alias, identity_type, status, created_at)
        select ${org}, 'user' || i || case when i % 10 = 0 then '@corp.example' else '@mail' || (i % 97) || '.example' end,
          'user' || i || case when i % 10 = 0 then '@corp.example' else '@mail' || (i % 97) || '.example' end,
          'First' || (i % 5000), 'Last' || lpad((i::bigint * 7919 % 100000)::text, 5, '0'), 'PL', 'user' || i,
          case when i % 10 = 0 then 'enterprise' else 'personal' end,
          case when i % 100 = 0 then 'removed' else 'active' end,
          timestamptz '2026-01-01 00:00:00+00' + (i / 3) * interval '1 second' + (i % 2) * interval '1 microsecond'
        from generate_series(${offset + 1}::int, ${upto}::int) i`.execute(db);
    }
    console.log(`  seeded users in ${since(started)}`);
    started = performance.now();
    await sql`insert into group_members (organization_id, group_id, user_id)
      select ${org}, g.id, u.id from (select id, row_number() over (order by id) as n from users where organization_id = ${org} and status = 'active') u
      join (select id, row_number() over (order by name) - 1 as n from user_groups where organization_id = ${org}) g on g.n = u.n % 1000`.execute(
      db,
    );
    await sql`insert into user_profiles (organization_id, user_id, profile_id)
      select ${org}, u.id, p.id from (select id, row_number() over (order by id) as n from users where organization_id = ${org} and status = 'active') u
      join (select id, row_number() over (order by name) - 1 as n from product_profiles where organization_id = ${org}) p on p.n = u.n % 200
      where u.n % 2 = 0`.execute(db);
    // Licenses as the services keep them: a row per direct license; those through groups are implied.
    await sql`insert into product_licenses (organization_id, product_id, user_id)
      select distinct ${org}::uuid, pp.product_id, up.user_id from user_profiles up
      join product_profiles pp on pp.organization_id = ${org} and pp.id = up.profile_id
      where up.organization_id = ${org}`.execute(db);
    await sql`update products p set licenses_used = (
        select count(*) from (
          select l.user_id from product_licenses l where l.organization_id = p.organization_id and l.product_id = p.id
          union
          select gm.user_id from product_profiles pp
          join group_profiles gp on gp.organization_id = pp.organization_id and gp.profile_id = pp.id
          join group_members gm on gm.organization_id = gp.organization_id and gm.group_id = gp.group_id
          where pp.organization_id = p.organization_id and pp.product_id = p.id) held)
      where p.organization_id = ${org}`.execute(db);
    // A product few users hold (issue 22): 40 direct licenses and a 40-member group giving it, so
    // the product and profile filters are also measured where walking the list finds few matches.
    const rare = await sql<{ product: string; profile: string; group: string }>`
      with product as (
        insert into products (organization_id, name, license_quantity) values (${org}, 'Rare product', 1000) returning id),
      profile as (
        insert into product_profiles (organization_id, product_id, name) select ${org}, id, 'Rare profile' from product returning id),
      grp as (insert into user_groups (organization_id, name) values (${org}, 'Rare group') returning id)
      select (select id from product) as product, (select id from profile) as profile, (select id from grp) as group`.execute(
      db,
    );
    const rareIds = rare.rows[0];
    if (!rareIds) {
      throw new Error('bench: no rare product');
    }
    await sql`insert into group_profiles (organization_id, group_id, profile_id) values (${org}, ${rareIds.group}, ${rareIds.profile})`.execute(
      db,
    );
    const holders = (offset: number) => sql`select id from users where organization_id = ${org} and status = 'active'
      order by id offset ${offset} limit 40`;
    await sql`insert into user_profiles (organization_id, user_id, profile_id)
      select ${org}, h.id, ${rareIds.profile} from (${holders(Math.floor(options.users / 3))}) h`.execute(db);
    await sql`insert into product_licenses (organization_id, product_id, user_id)
      select ${org}, ${rareIds.product}, h.id from (${holders(Math.floor(options.users / 3))}) h`.execute(db);
    await sql`insert into group_members (organization_id, group_id, user_id)
      select ${org}, ${rareIds.group}, h.id from (${holders(Math.floor((options.users * 2) / 3))}) h`.execute(db);
    await sql`update products set licenses_used = 80 where id = ${rareIds.product}`.execute(db);
    await sql`analyze`.execute(db);
    console.log(`  seeded memberships, profiles and licenses in ${since(started)}`);

    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench-admin@bench.example', password: PASSWORD }),
    });
    const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const get = async (path: string) => {
      const response = await fetch(base + path, { headers: { cookie } });
      if (response.status !== 200) {
        throw new Error(`${path}: ${response.status} ${await response.text()}`);
      }
      return (await response.json()) as { items?: unknown[] };
    };
    const ids = await sql<{ id: string; email: string }>`
      select id, email from users where organization_id = ${org} order by random() limit 200`.execute(db);
    /** A cursor after 90 % of the list in a sort order (made as the list makes its cursors). */
    const deepCursorOf = async (sort: UserSort) => {
      const keys = SORT_KEY_VALUES[sortColumn(sort)];
      const direction = sort.startsWith('-') ? 'desc' : 'asc';
      let query = db
        .selectFrom('users')
        .select([sql<string[]>`array[${sql.join(keys)}]::text[]`.as('k'), 'users.id'])
        .where('users.organization_id', '=', org);
      for (const key of keys) {
        query = query.orderBy(key, direction);
      }
      const row = await query
        .orderBy('users.id', direction)
        .offset(Math.floor(options.users * 0.9))
        .limit(1)
        .executeTakeFirstOrThrow();
      return { s: sort, k: row.k, id: row.id };
    };
    const deepCursor = encodeCursor(await deepCursorOf('email'));
    const group = await db
      .selectFrom('user_groups')
      .select('id')
      .where('organization_id', '=', org)
      .limit(1)
      .executeTakeFirstOrThrow();
    const profile = await db
      .selectFrom('product_profiles')
      .select('id')
      .where('organization_id', '=', org)
      .limit(1)
      .executeTakeFirstOrThrow();
    const product = await db
      .selectFrom('products')
      .select('id')
      .where('organization_id', '=', org)
      .limit(1)
      .executeTakeFirstOrThrow();
    const pick = (index: number) => ids.rows[index % ids.rows.length] ?? { id: '', email: '' };

    // Search by term class, on the first page and on a deep page (after 90 % of the list).
    const termClasses: [string, (index: number) => string][] = [
      // Fragments matching thousands of users (`st123` is in `First123…` and `Last123…`).
      [
        'frequent 3–5 chars',
        (i) => [`st${100 + ((i * 37) % 900)}`, `rst${10 + (i % 90)}`, `t${1000 + ((i * 13) % 9000)}`][i % 3] ?? '',
      ],
      ['rare or no match', (i) => [`zq${i}x`, `user99991${i % 10}@`, `first4999 last0${i % 10}`][i % 3] ?? ''],
      ['1–2 characters', (i) => [`${i % 10}`, `q${i % 10}`, 'zz'][i % 3] ?? ''],
    ];
    const searchScenarios: [string, (index: number) => string][] = termClasses.flatMap(
      ([name, term]): [string, (index: number) => string][] => [
        [`search: ${name}`, (i) => `/api/v1/users?limit=50&search=${encodeURIComponent(term(i))}`],
        [
          `search: ${name}, deep`,
          (i) => `/api/v1/users?limit=50&search=${encodeURIComponent(term(i))}&cursor=${deepCursor}`,
        ],
      ],
    );
    // The sort orders of the column headers, first and deep page, and each statement's plan.
    const sortScenarios: [string, (index: number) => string][] = [];
    const sortLabels: [UserSort, string][] = [
      ['identityType', 'identity type'],
      ['-identityType', 'identity type, descending'],
      ['status', 'status'],
      ['-status', 'status, descending'],
      ['created', 'created'],
      ['-created', 'created, descending'],
    ];
    for (const [sort, name] of sortLabels) {
      const position = await deepCursorOf(sort);
      const cursor = encodeCursor(position);
      sortScenarios.push(
        [`sort: ${name}, first page`, () => `/api/v1/users?limit=50&sort=${sort}`],
        [`sort: ${name}, deep page`, () => `/api/v1/users?limit=50&sort=${sort}&cursor=${cursor}`],
      );
      if (options.only !== undefined && !`sort: ${name}`.includes(options.only)) {
        continue;
      }
      for (const after of [undefined, position]) {
        const query = usersPageQuery(db, org, {}, { sort, limit: 51, after });
        const plan = await sql<Record<string, string>>`explain (analyze, buffers, costs off) ${query}`.execute(db);
        console.log(`\n  plan, sort ${sort}, ${after ? 'deep' : 'first'} page:`);
        for (const line of plan.rows.map((row) => Object.values(row)[0])) {
          console.log(`    ${line}`);
        }
      }
    }
    const scenarios: [string, (index: number) => string][] = [
      ['first page (50, by e-mail)', () => '/api/v1/users?limit=50'],
      ['first page (50, by last name)', () => '/api/v1/users?limit=50&sort=name'],
      ['deep page (after 90 %)', () => `/api/v1/users?limit=50&cursor=${deepCursor}`],
      ...sortScenarios,
      [
        'search: e-mail substring',
        (i) =>
          `/api/v1/users?limit=50&search=${encodeURIComponent(pick(i).email.slice(0, pick(i).email.indexOf('@')))}`,
      ],
      ['search: last name', (i) => `/api/v1/users?limit=50&search=last${String((i * 7919) % 100000).padStart(5, '0')}`],
      ...searchScenarios,
      ['filter: identity type', () => '/api/v1/users?limit=50&identityType=enterprise'],
      ['filter: status removed', () => '/api/v1/users?limit=50&status=removed'],
      ['filter: group', () => `/api/v1/users?limit=50&group=${group.id}`],
      ['filter: profile', () => `/api/v1/users?limit=50&profile=${profile.id}`],
      ['filter: product', () => `/api/v1/users?limit=50&product=${product.id}`],
      ['filter: group, 40 members', () => `/api/v1/users?limit=50&group=${rareIds.group}`],
      ['filter: profile, 80 holders', () => `/api/v1/users?limit=50&profile=${rareIds.profile}`],
      ['filter: product, 80 holders', () => `/api/v1/users?limit=50&product=${rareIds.product}`],
      ['filter: admin role', () => '/api/v1/users?limit=50&adminRole=system-admin'],
      ['user details', (i) => `/api/v1/users/${pick(i).id}`],
      ['license usage (all products)', () => '/api/v1/products?limit=50'],
      ['license usage (one product)', () => `/api/v1/products/${product.id}`],
    ];
    const run = async (scenarios: [string, (index: number) => string][]) => {
      console.log(
        `\n  ${'scenario'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)}  rows`,
      );
      for (const [scenario, path] of scenarios) {
        let rows = 0;
        const figures = await measure(options.samples, async (index) => {
          const body = await get(path(index));
          rows = body.items?.length ?? 1;
        });
        console.log(
          `  ${scenario.padEnd(40)} ${figures.p50.toFixed(1).padStart(8)} ${figures.p95.toFixed(1).padStart(8)} ${figures.max.toFixed(1).padStart(8)}  ${rows}`,
        );
      }
    };
    console.log('\n  after ANALYZE (statistics, no VACUUM yet):');
    if (options.only !== undefined) {
      const only = options.only;
      await run(scenarios.filter(([name]) => name.includes(only)));
      // The same after what autovacuum does on a real server: the visibility map lets the index-only
      // reads of memberships, profiles and licenses (the filters' holders) skip the tables.
      started = performance.now();
      await sql`vacuum analyze`.execute(db);
      console.log(`\n  after VACUUM ANALYZE of every table (${since(started)}):`);
      await run(scenarios.filter(([name]) => name.includes(only)));
      return;
    }
    await run(scenarios);
    // What autovacuum does to a freshly filled table on a real server (PostgreSQL 13+ vacuums after
    // inserts too): the visibility map lets index-only scans skip the table.
    started = performance.now();
    await sql`vacuum analyze users`.execute(db);
    console.log(`\n  after VACUUM ANALYZE of users (${since(started)}), search only:`);
    await run(searchScenarios);
    console.log(
      `\n  server RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB (the process also holds ${label.startsWith('PGlite') ? 'the embedded database' : 'no database'})`,
    );
  } finally {
    await app.close();
    await drop();
  }
}
