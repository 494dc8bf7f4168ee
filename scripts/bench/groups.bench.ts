import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import {
  addMembers,
  assignProfiles,
  createGroup,
  deleteGroups,
  unassignProfile,
} from '../../src/groups/groups.service.ts';
import { queueWelcomeForLicensesGrantedAt } from '../../src/licenses/licenses.ts';
import type { Actor } from '../../src/roles/policy.ts';
import { openBenchDatabase, since, timed } from './support.ts';

/**
 * The user-group operations of issue 5 on an organization of `users` users: add 200,000 users to a
 * group, assign a profile to a group of every user, unassign it, delete the group.
 */
export async function runGroupsBench(options: { users: number }): Promise<void> {
  const { database, label, drop } = await openBenchDatabase();
  const config = loadConfig({
    USHER_ADMIN_EMAIL: 'bench-admin@bench.example',
    USHER_ADMIN_PASSWORD: 'benchmark password',
    USHER_ORG_NAME: 'Bench',
    USHER_LOG_LEVEL: 'silent',
    USHER_GROUP_MAX_MEMBERS: '0',
  });
  const app = await createApp({ config, database, worker: false, server: { logger: false } });
  try {
    if (app.firstRun.kind !== 'created') {
      throw new Error('bench: no organization');
    }
    const org = app.firstRun.organizationId;
    const db = database.db;
    const actor: Actor = {
      ...app.firstRun,
      type: 'user',
      id: 'bench',
      label: 'bench',
      organizationId: org,
      grants: [{ role: 'system-admin', productId: null, profileId: null, groupId: null }],
      sourceIp: null,
      userAgent: null,
    };
    console.log(`Usher groups benchmark on ${label}: ${options.users.toLocaleString('en')} users`);
    const started = performance.now();
    for (let offset = 0; offset < options.users; offset += 100_000) {
      const upto = Math.min(offset + 100_000, options.users);
      await sql`insert into users (organization_id, email, username, alias, identity_type)
        select ${org}, 'user' || i || '@bench.example', 'user' || i || '@bench.example', 'user' || i, 'personal'
        from generate_series(${offset + 1}::int, ${upto}::int) i`.execute(db);
    }
    const product = await db
      .insertInto('products')
      .values({ organization_id: org, name: 'Bench product', license_quantity: options.users * 2 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const profile = await db
      .insertInto('product_profiles')
      .values({ organization_id: org, product_id: product.id, name: 'Bench profile' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`analyze`.execute(db);
    console.log(`  seeded in ${since(started)}`);

    const addCount = Math.min(200_000, options.users);
    const small = await createGroup(app.ctx, actor, { name: 'Two hundred thousand' });
    const ids = (
      await sql<{
        id: string;
      }>`select id from users where organization_id = ${org} order by id limit ${addCount}`.execute(db)
    ).rows.map((row) => row.id);
    const add = await timed(() => addMembers(app.ctx, actor, small.id, { userIds: ids }));

    const big = await createGroup(app.ctx, actor, { name: 'Everyone' });
    await sql`insert into group_members (organization_id, group_id, user_id) select ${org}, ${big.id}, id from users where organization_id = ${org}`.execute(
      db,
    );
    await sql`analyze`.execute(db);
    const assign = await timed(() => assignProfiles(app.ctx, actor, big.id, [profile.id]));
    const licensed = await db
      .selectFrom('products')
      .select('licenses_used')
      .where('id', '=', product.id)
      .executeTakeFirstOrThrow();
    // The welcome job of a later, small grant looks its licenses up by grant time among 1,000,000.
    const lookup = await timed(() =>
      queueWelcomeForLicensesGrantedAt(db, org, [product.id], new Date(Date.now() + 1000).toISOString()),
    );
    const unassign = await timed(() => unassignProfile(app.ctx, actor, big.id, profile.id));
    await assignProfiles(app.ctx, actor, big.id, [profile.id]);
    const remove = await timed(() => deleteGroups(app.ctx, actor, [big.id]));
    const after = await db
      .selectFrom('products')
      .select('licenses_used')
      .where('id', '=', product.id)
      .executeTakeFirstOrThrow();

    const line = (name: string, run: { seconds: number; peakMiB: number }) =>
      console.log(
        `  ${name.padEnd(52)} ${run.seconds.toFixed(2).padStart(7)} s   peak RSS ${String(run.peakMiB).padStart(5)} MiB`,
      );
    console.log('');
    line(`add ${addCount.toLocaleString('en')} users to a group`, add);
    line(`assign a profile to a ${options.users.toLocaleString('en')}-member group`, assign);
    line('welcome job of a small grant (lookup by grant time)', lookup);
    line('unassign it', unassign);
    line('delete the group (profile assigned)', remove);
    console.log(
      `\n  licenses used after assign: ${licensed.licenses_used.toLocaleString('en')}; after delete: ${after.licenses_used}`,
    );
  } finally {
    await app.close();
    await drop();
  }
}
