import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openTestDatabase } from '../../test/support/instance.ts';
import { inListOrder } from '../../test/support/users-order.ts';
import { migrateToLatest } from '../db/migrate.ts';
import {
  CREATED_KEY,
  type ListedUser,
  searchUsersByOrganizationId,
  searchWindow,
  sortColumn,
  sortKeyOf,
  USER_SORTS,
  type UserPosition,
  type UserSort,
} from './users.queries.ts';

/** The index each sort order walks (`users__organization_id_…`). */
const SORT_INDEXES = {
  email: 'email',
  name: 'last_name',
  identityType: 'identity_type',
  status: 'status',
  created: 'created_at',
} as const;

/**
 * The users-list search picks its plan by how often the term matches (reading the sort order, or
 * the trigram index for rare terms); whatever the plan, every page must hold exactly the users a
 * plain filter over the whole list gives, in order. Checked against the list read in full.
 */
describe('users search plans', () => {
  let fresh: Awaited<ReturnType<typeof openTestDatabase>>;
  let organizationId: string;
  let everyone: ListedUser[];
  const USERS = 6000;

  before(async () => {
    fresh = await openTestDatabase({ migrated: true });
    const db = fresh.database.db;
    await migrateToLatest(db);
    organizationId = (
      await db.insertInto('organizations').values({ name: 'Search' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    const other = (
      await db.insertInto('organizations').values({ name: 'Other' }).returning('id').executeTakeFirstOrThrow()
    ).id;
    // Names like the benchmark's: `st12` matches often, `zebra` a few users near the end, `qq` nobody.
    // Identity types, statuses and creation times repeat (ties broken by id), the times to the microsecond.
    await sql`insert into users (organization_id, email, username, first_name, last_name, alias, identity_type, status, created_at)
      select ${organizationId}, 'user' || i || '@mail' || (i % 7) || '.example', 'user' || i || '@mail.example',
        'First' || (i % 500), case when i % 2999 = 0 then 'Zebra' || i else 'Last' || lpad((i * 7919 % 10000)::text, 4, '0') end,
        'u' || i, (array['personal', 'enterprise', 'federated'])[1 + i % 3],
        case i % 5 when 0 then 'removed' when 1 then 'invited' else 'active' end,
        now() - (i % 37) * interval '1.000001 second'
      from generate_series(1, ${USERS}) i`.execute(db);
    await sql`insert into users (organization_id, email, username, first_name, last_name, alias, identity_type)
      select ${other}, 'zebra' || i || '@other.example', 'zebra' || i || '@other.example', 'Zebra', 'St12', 'o' || i, 'personal'
      from generate_series(1, 50) i`.execute(db);
    await sql`analyze users`.execute(db);
    everyone = await db
      .selectFrom('users')
      .selectAll()
      .select(CREATED_KEY.as('created_key'))
      .where('organization_id', '=', organizationId)
      .execute();
  });
  after(() => fresh.drop());

  /** What a search must answer: the whole list filtered in the process, in the sort order. */
  function expected(term: string, sort: UserSort): string[] {
    const text = (user: ListedUser) => `${user.email} ${user.first_name ?? ''} ${user.last_name ?? ''}`.toLowerCase();
    return inListOrder(
      everyone.filter((user) => text(user).includes(term.toLowerCase())),
      sort,
    );
  }

  /** Every page of a search, followed to its end as a client does. */
  async function allPages(term: string, sort: UserSort, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    let after: UserPosition | undefined;
    for (;;) {
      const page = await searchUsersByOrganizationId(
        fresh.database.db,
        organizationId,
        { search: term },
        { sort, limit: limit + 1, after },
      );
      const shown = page.rows.slice(0, limit);
      pages.push(shown.map((user) => user.id));
      const last = shown.at(-1);
      if (page.rows.length > limit && last) {
        after = { k: sortKeyOf(last, sort), id: last.id };
      } else if (page.resumeAt) {
        after = page.resumeAt;
      } else {
        return pages;
      }
    }
  }

  for (const [term, kind] of [
    ['st12', 'a frequent term (read in sort order)'],
    ['ZEBRA', 'a rare term (the trigram index)'],
    ['qqq', 'a term matching nobody'],
    ['9', 'a one-character term'],
    ['_', 'a LIKE wildcard, matched literally'],
  ] as const) {
    test(`${kind}: every page in order, nothing missed, nothing twice`, async () => {
      for (const sort of USER_SORTS) {
        const pages = await allPages(term, sort, 50);
        assert.deepEqual(pages.flat(), expected(term, sort), `${term} by ${sort}`);
        assert.ok(
          pages.slice(0, -1).every((page) => page.length === 50),
          'every page but the last is full',
        );
      }
    });
  }

  test('a page of a frequent term is found within the first rows of the list', async () => {
    const page = await searchUsersByOrganizationId(
      fresh.database.db,
      organizationId,
      { search: 'first1' },
      { sort: 'email', limit: 51 },
    );
    assert.equal(page.rows.length, 51);
    assert.deepEqual(
      page.rows.map((user) => user.id),
      expected('first1', 'email').slice(0, 51),
    );
  });

  test('a search window walks the sort index alone (index-only) once the table is vacuumed', async () => {
    const db = fresh.database.db;
    await sql`vacuum analyze users`.execute(db);
    const middle = everyone[USERS / 2] as ListedUser;
    for (const sort of USER_SORTS) {
      for (const after of [undefined, { k: sortKeyOf(middle, sort), id: middle.id }]) {
        const window = searchWindow(db, organizationId, {}, { sort, limit: 51, after }, 4000, '%st12%', 51);
        const { rows } = await sql<Record<string, unknown>>`explain (format json) ${window}`.execute(db);
        // The plan comes as JSON text (node-postgres) or parsed (PGlite).
        const plan = rows
          .flatMap((row) => Object.values(row))
          .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
          .join('\n');
        const walk = `users__organization_id_${SORT_INDEXES[sortColumn(sort)]}`;
        assert.match(
          plan,
          new RegExp(`"Node Type":\\s*"Index Only Scan"[^}]*"Index Name":\\s*"${walk}"`),
          `${sort}: ${plan}`,
        );
      }
    }
  });
});
