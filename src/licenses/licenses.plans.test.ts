/**
 * Seat counts stay linear whatever the statistics say (issue 22). Licenses through a group are not
 * stored: a profile given to or taken from a group is counted by one read of the members against
 * the direct licenses and the other groups giving the product (`soleHolderCount`), and a change to
 * some users by a read of those users' rows (`licenseChangeCount`). Statistics taken while the
 * tables were empty or different once planned such reads as nested loops re-reading every member
 * per row (231 s for 20,000 members). Time is not asserted: the rows every node of the plan handles
 * are, per member, and a quadratic plan handles about as many per member as the group has members.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RawBuilder, sql } from 'kysely';
import { openTestDatabase } from '../../test/support/instance.ts';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { membersOf } from '../groups/groups.queries.ts';
import { assignProfiles, createGroup, deleteGroups, unassignProfile } from '../groups/groups.service.ts';
import type { Actor } from '../roles/policy.ts';
import { licenseChangeCount, soleHolderCount, withoutNestedLoops } from './licenses.ts';

/** Members of the group: enough for a quadratic plan to stand out (9,000,000 rows), quick when linear. */
const MEMBERS = 3_000;
/** Rows a plan node may handle per member, summed over the plan (a linear recount handles about 10). */
const ROWS_PER_MEMBER = 40;

interface PlanNode {
  'Node Type': string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/** Rows handled by every node of a plan: those it returned or filtered out, times its loops. */
function rowsHandled(plan: PlanNode): number {
  return nodesOf(plan).reduce(
    (sum, node) =>
      sum +
      ((node['Actual Rows'] ?? 0) +
        (node['Rows Removed by Filter'] ?? 0) +
        (node['Rows Removed by Join Filter'] ?? 0)) *
        (node['Actual Loops'] ?? 1),
    0,
  );
}

describe('the seat counts on misleading statistics', () => {
  let target: Awaited<ReturnType<typeof openTestDatabase>>;
  let app: Awaited<ReturnType<typeof createApp>>;
  let actor: Actor;
  let organizationId: string;
  let productId: string;
  let profileId: string;

  before(async () => {
    target = await openTestDatabase({ migrated: true });
    const config = loadConfig({
      USHER_ADMIN_EMAIL: 'recount@plans.example',
      USHER_ADMIN_PASSWORD: 'a long enough password',
      USHER_ORG_NAME: 'Recount',
      USHER_LOG_LEVEL: 'silent',
      USHER_GROUP_MAX_MEMBERS: '0',
      HOST: '127.0.0.1',
      PORT: '1',
    });
    app = await createApp({ config, database: target.database, worker: false, server: { logger: false } });
    if (app.firstRun.kind !== 'created') {
      throw new Error('no organization');
    }
    organizationId = app.firstRun.organizationId;
    const db = target.database.db;
    const admin = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'recount@plans.example')
      .executeTakeFirstOrThrow();
    actor = {
      type: 'user',
      id: admin.id,
      label: 'recount@plans.example',
      organizationId,
      grants: [{ role: 'system-admin', productId: null, profileId: null, groupId: null }],
      sourceIp: null,
      userAgent: null,
    };
    const product = await db
      .insertInto('products')
      .values({ organization_id: organizationId, name: 'Recount Product', license_quantity: MEMBERS * 2 })
      .returning('id')
      .executeTakeFirstOrThrow();
    productId = product.id;
    const profile = await db
      .insertInto('product_profiles')
      .values({ organization_id: organizationId, product_id: productId, name: 'Recount Profile' })
      .returning('id')
      .executeTakeFirstOrThrow();
    profileId = profile.id;
    await sql`insert into users (organization_id, email, username, first_name, last_name, country, alias, identity_type)
      select ${organizationId}, 'member' || i || '@plans.example', 'member' || i || '@plans.example', 'First' || i,
        'Last' || i, 'PL', 'member' || i, 'personal'
      from generate_series(1, ${MEMBERS}) i`.execute(db);
  });
  after(async () => {
    await app?.close();
    await target?.drop();
  });

  const used = async () =>
    (
      await target.database.db
        .selectFrom('products')
        .select('licenses_used')
        .where('id', '=', productId)
        .executeTakeFirstOrThrow()
    ).licenses_used;

  /** A group of every member holding the profile, with `product_licenses` analyzed as empty. */
  async function groupOnMisleadingStatistics(name: string): Promise<string> {
    const db = target.database.db;
    const group = await createGroup(app.ctx, actor, { name });
    await sql`insert into group_members (organization_id, group_id, user_id)
      select ${organizationId}, ${group.id}, id from users
      where organization_id = ${organizationId} and email like 'member%' order by id`.execute(db);
    await sql`analyze`.execute(db);
    await assignProfiles(app.ctx, actor, group.id, [profileId]);
    await unassignProfile(app.ctx, actor, group.id, profileId);
    // What autovacuum's ANALYZE records now: a table of dead rows, planned as empty from here on.
    await sql`analyze`.execute(db);
    await assignProfiles(app.ctx, actor, group.id, [profileId]);
    assert.equal(await used(), MEMBERS);
    return group.id;
  }

  /** The plan of a count, planned and run as the services run it after the profile left the group; rolled back. */
  async function explained(groupId: string, count: RawBuilder<unknown>): Promise<PlanNode> {
    return target.database.db
      .transaction()
      .execute(async (trx) => {
        await sql`delete from group_profiles where group_id = ${groupId}`.execute(trx);
        const { rows } = await withoutNestedLoops(trx, () =>
          sql<Record<string, unknown>>`explain (analyze, format json) ${count}`.execute(trx),
        );
        // The plan comes as JSON text (node-postgres) or parsed (PGlite).
        const value = Object.values(rows[0] ?? {})[0];
        const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as { Plan: PlanNode }[];
        throw Object.assign(new Error('rollback'), { plan: parsed[0]?.Plan });
      })
      .catch((error: { plan?: PlanNode }) => {
        if (!error.plan) {
          throw error;
        }
        return error.plan;
      });
  }

  test('taking a group profile back handles a bounded number of rows per member', async () => {
    const groupId = await groupOnMisleadingStatistics('Recount Plan');
    const plan = await explained(
      groupId,
      soleHolderCount(organizationId, membersOf(organizationId, [groupId]), [], productId),
    );
    const nodes = nodesOf(plan);
    const handled = rowsHandled(plan);
    assert.ok(
      handled <= ROWS_PER_MEMBER * MEMBERS,
      `the count handled ${handled} rows for ${MEMBERS} members (${(handled / MEMBERS).toFixed(1)} per member; at most ${ROWS_PER_MEMBER})`,
    );
    assert.ok(!nodes.some((node) => node['Node Type'] === 'Nested Loop'), 'a nested loop in the plan');
    await deleteGroups(app.ctx, actor, [groupId]);
    assert.equal(await used(), 0);
  });

  test("one user's count reads that user's rows, and the group's profiles", async () => {
    const groupId = await groupOnMisleadingStatistics('Recount One');
    const db = target.database.db;
    const member = await db
      .selectFrom('group_members')
      .select('user_id')
      .where('group_id', '=', groupId)
      .executeTakeFirstOrThrow();
    const plan = await explained(
      groupId,
      licenseChangeCount(organizationId, {
        candidates: [member.user_id],
        products: [productId],
        joined: [],
        left: [{ userId: member.user_id, groupId }],
        direct: [],
        restored: [],
        removed: [],
      }),
    );
    const handled = rowsHandled(plan);
    // Each table is read by index for this user (a table read whole would show here, at least
    // MEMBERS rows); the group profiles of the organization are few.
    assert.ok(handled <= MEMBERS / 2, `one user's count handled ${handled} rows: ${JSON.stringify(plan)}`);
    await deleteGroups(app.ctx, actor, [groupId]);
    assert.equal(await used(), 0);
  });

  test('taking the profile back and deleting the group recount every license exactly', async () => {
    const groupId = await groupOnMisleadingStatistics('Recount Exact');
    await unassignProfile(app.ctx, actor, groupId, profileId);
    assert.equal(await used(), 0);
    await assignProfiles(app.ctx, actor, groupId, [profileId]);
    assert.equal(await used(), MEMBERS);
    await deleteGroups(app.ctx, actor, [groupId]);
    assert.equal(await used(), 0);
    const rows = await target.database.db
      .selectFrom('product_licenses')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(rows.n), 0);
  });
});
