import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase } from '../../test/support/instance.ts';
import { type Database, openDatabase, transaction } from './database.ts';
import { isMigrated, migrateDownToEmpty, migrateToLatest } from './migrate.ts';
import { migrations } from './migrations/index.ts';

/** Instance-level tables, which belong to no organization. */
const INSTANCE_TABLES = new Set([
  'organizations',
  'setup_tokens',
  'rate_limits',
  'usher_migrations',
  'usher_migrations_lock',
]);

async function describeSchema(database: Database): Promise<string[]> {
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable as line
    from information_schema.columns where table_schema = 'public' order by 1`.execute(database.db);
  const indexes = await sql<{ line: string }>`
    select indexdef as line from pg_indexes where schemaname = 'public' order by 1`.execute(database.db);
  const constraints = await sql<{ line: string }>`
    select conname || ' ' || pg_get_constraintdef(oid) as line from pg_constraint
    where connamespace = 'public'::regnamespace order by 1`.execute(database.db);
  return [...columns.rows, ...indexes.rows, ...constraints.rows].map((row) => row.line);
}

describe('database and migrations', () => {
  let fresh: Awaited<ReturnType<typeof openTestDatabase>>;
  before(async () => {
    fresh = await openTestDatabase();
  });
  after(() => fresh.drop());

  test('migrates an empty database, then finds nothing to do', async () => {
    assert.deepEqual(await migrateToLatest(fresh.database.db), Object.keys(migrations));
    assert.deepEqual(await migrateToLatest(fresh.database.db), []);
    assert.equal(await isMigrated(fresh.database.db), true);
  });

  test('every tenant table carries organization_id, and its indexes and constraints are named table__columns', async () => {
    const tables = await sql<{ table_name: string; has_org: boolean }>`
      select t.table_name, exists (
        select 1 from information_schema.columns c
        where c.table_schema = 'public' and c.table_name = t.table_name and c.column_name = 'organization_id'
      ) as has_org
      from information_schema.tables t where t.table_schema = 'public'`.execute(fresh.database.db);
    assert.ok(tables.rows.length >= 12);
    for (const table of tables.rows) {
      assert.ok(INSTANCE_TABLES.has(table.table_name) || table.has_org, `${table.table_name} has organization_id`);
    }
    const names = await sql<{ name: string; table: string }>`
      select indexname as name, tablename as table from pg_indexes where schemaname = 'public'
      and tablename not like 'usher_migrations%'`.execute(fresh.database.db);
    for (const index of names.rows) {
      assert.ok(
        index.name.startsWith(`${index.table}__`) || index.name.endsWith('_pkey'),
        `${index.name} is named table__columns`,
      );
    }
  });

  test('down migrations round-trip to the same schema', async () => {
    const before = await describeSchema(fresh.database);
    const reverted = await migrateDownToEmpty(fresh.database.db);
    assert.deepEqual(reverted, Object.keys(migrations).reverse());
    const empty = await describeSchema(fresh.database);
    assert.ok(
      empty.every((line) => line.includes('usher_migrations')),
      `only the migration bookkeeping is left: ${empty.join('; ')}`,
    );
    await migrateToLatest(fresh.database.db);
    assert.deepEqual(await describeSchema(fresh.database), before);
  });

  test('processes that migrate at the same moment apply each migration once', async () => {
    const target = await openTestDatabase();
    const second = target.url ? await openDatabase({ databaseUrl: target.url, poolSize: 2 }) : target.database;
    try {
      const results = await Promise.all([migrateToLatest(target.database.db), migrateToLatest(second.db)]);
      assert.deepEqual(
        results.flat().sort(),
        Object.keys(migrations).sort(),
        'each migration applied by exactly one of them',
      );
      const rows = await target.database.db
        .selectFrom('usher_migrations' as never)
        .select(sql`count(*)`.as('n'))
        .executeTakeFirst();
      assert.equal((rows as { n: number }).n, Object.keys(migrations).length);
    } finally {
      if (second !== target.database) {
        await second.close();
      }
      await target.drop();
    }
  });

  test('a failed transaction leaves nothing behind', async () => {
    const db = fresh.database.db;
    await assert.rejects(
      transaction(db, async (trx) => {
        await trx.insertInto('organizations').values({ name: 'Ghost' }).execute();
        await trx
          .insertInto('organizations')
          .values({ name: 'Ghost', default_locale: 'xx' as never })
          .execute();
      }),
      /organizations__default_locale/,
    );
    const ghosts = await db.selectFrom('organizations').select('id').where('name', '=', 'Ghost').execute();
    assert.equal(ghosts.length, 0);
  });

  test('on PGlite, using the root database inside a transaction fails at once instead of deadlocking', async (t) => {
    if (fresh.database.kind !== 'pglite') {
      t.skip('PGlite only: PostgreSQL has a pool');
      return;
    }
    const db = fresh.database.db;
    await assert.rejects(
      transaction(db, async () => {
        await db.selectFrom('organizations').select('id').execute();
      }),
      /outside the open transaction/,
    );
    assert.ok(
      Array.isArray(await db.selectFrom('organizations').select('id').execute()),
      'the connection is usable again',
    );
  });

  test('a long statement on the embedded database leaves the event loop free', async () => {
    // PGlite runs in a thread of its own; in the server's thread this sleep would stop every timer.
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 20);
    try {
      await sql`select pg_sleep(0.6)`.execute(fresh.database.db);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 2, `timers ran ${ticks} times during the statement`);
  });

  test("the database's errors keep PostgreSQL's fields (SQLSTATE, constraint)", async () => {
    const db = fresh.database.db;
    const organization = await db
      .insertInto('organizations')
      .values({ name: 'Fields' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('user_groups').values({ organization_id: organization.id, name: 'Twice' }).execute();
    const error = await db
      .insertInto('user_groups')
      .values({ organization_id: organization.id, name: 'Twice' })
      .execute()
      .then(
        () => undefined,
        (thrown: unknown) => thrown as { code?: string; constraint?: string; message?: string },
      );
    assert.equal(error?.code, '23505');
    assert.equal(error?.constraint, 'user_groups__organization_id_name');
    assert.match(String(error?.message), /duplicate key/);
  });
});
