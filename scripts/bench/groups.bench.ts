import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { runBulkOperation } from '../../src/bulk/bulk.job.ts';
import { createBulkOperation } from '../../src/bulk/bulk.service.ts';
import { loadConfig } from '../../src/config.ts';
import {
  addMembers,
  assignProfiles,
  createGroup,
  deleteGroups,
  unassignProfile,
} from '../../src/groups/groups.service.ts';
import { queueWelcomeForGroupGrant } from '../../src/outbox/welcome.ts';
import type { Actor } from '../../src/roles/policy.ts';
import { Client } from '../../test/support/client.ts';
import { openBenchDatabase, timed } from './support.ts';

/**
 * The user-group operations of issues 5 and 22 on an organization of `users` users. First the
 * way an administrator builds it: one add-users file putting every user in one group, then
 * `POST /groups/{id}/profiles` over HTTP. Then, through the service functions the API calls: add
 * 200,000 users to a group, assign a profile to a group of every user whose memberships were
 * written by SQL, unassign it, delete the group.
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
    const admin = await db
      .selectFrom('users')
      .select('id')
      .where('organization_id', '=', org)
      .where('email', '=', 'bench-admin@bench.example')
      .executeTakeFirstOrThrow();
    const actor: Actor = {
      ...app.firstRun,
      type: 'user',
      id: admin.id,
      label: 'bench-admin@bench.example',
      organizationId: org,
      grants: [{ role: 'system-admin', productId: null, profileId: null, groupId: null }],
      sourceIp: null,
      userAgent: null,
    };
    console.log(`Usher groups benchmark on ${label}: ${options.users.toLocaleString('en')} users`);
    // Each step is printed when it ends, so a step that never ends still shows the ones before it.
    const line = (name: string, run: { seconds: number; peakMiB: number }) =>
      console.log(
        `  ${name.padEnd(62)} ${run.seconds.toFixed(2).padStart(7)} s   peak RSS ${String(run.peakMiB).padStart(5)} MiB`,
      );
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

    // The user's path: one add-users file (row limit raised) putting every user in one group,
    // `ANALYZE` after it (what autovacuum does on a real server), then the profile over HTTP.
    const everyone = await createGroup(app.ctx, actor, { name: 'Everyone' });
    async function* file(): AsyncGenerator<string> {
      yield 'Email,First Name,Last Name,Country Code,User Groups\n';
      for (let start = 1; start <= options.users; start += 1000) {
        const chunk: string[] = [];
        for (let index = start; index < Math.min(start + 1000, options.users + 1); index += 1) {
          chunk.push(`user${index}@bench.example,First${index % 5000},Last${index},PL,Everyone\n`);
        }
        yield chunk.join('');
      }
    }
    const raised = { ...app.ctx, config: { ...config, bulk: { ...config.bulk, maxRows: options.users } } };
    const uploaded = await timed(() =>
      createBulkOperation(raised, actor, { type: 'add-users', fileName: 'everyone.csv', dryRun: false, file: file() }),
    );
    const applied = await timed(() => runBulkOperation(app.ctx, uploaded.result));
    const operation = await db
      .selectFrom('bulk_operations')
      .select(['status', 'succeeded_rows'])
      .where('id', '=', uploaded.result)
      .executeTakeFirstOrThrow();
    console.log(
      `  add-users file of ${options.users.toLocaleString('en')} rows into one group: upload ${uploaded.seconds.toFixed(1)} s, apply ${applied.seconds.toFixed(1)} s — ${operation.status}, ${operation.succeeded_rows} succeeded`,
    );
    await sql`analyze`.execute(db);
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const client = new Client(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    await client.signIn('bench-admin@bench.example', 'benchmark password');
    const assignHttp = await timed(() =>
      client.request('POST', `/api/v1/groups/${everyone.id}/profiles`, { body: { profileIds: [profile.id] } }),
    );
    if (assignHttp.result.status !== 200) {
      throw new Error(`bench: assign answered ${assignHttp.result.status} ${assignHttp.result.text}`);
    }
    line(`the user's path: POST /groups/{id}/profiles, ${options.users.toLocaleString('en')} members`, assignHttp);
    const licensedByFile = await db
      .selectFrom('products')
      .select('licenses_used')
      .where('id', '=', product.id)
      .executeTakeFirstOrThrow();
    // ANALYZE between steps, as a real server's autovacuum would after a million new licenses.
    await sql`analyze`.execute(db);
    const unassignHttp = await timed(() =>
      client.request('DELETE', `/api/v1/groups/${everyone.id}/profiles/${profile.id}`),
    );
    if (unassignHttp.result.status !== 204) {
      throw new Error(`bench: unassign answered ${unassignHttp.result.status} ${unassignHttp.result.text}`);
    }
    line("the user's path: DELETE /groups/{id}/profiles/{profileId}", unassignHttp);
    // ANALYZE alone now records product_licenses, a million dead rows, as empty: the statistics
    // on which the license recount used to be planned as a nested loop over the members per license.
    await sql`analyze`.execute(db);
    await assignProfiles(app.ctx, actor, everyone.id, [profile.id]);
    const deleteHttp = await timed(() => client.request('DELETE', `/api/v1/groups/${everyone.id}`));
    if (deleteHttp.result.status !== 204) {
      throw new Error(`bench: delete answered ${deleteHttp.result.status} ${deleteHttp.result.text}`);
    }
    line("the user's path: DELETE /groups/{id} (profile assigned), after ANALYZE", deleteHttp);
    await sql`analyze`.execute(db);

    const addCount = Math.min(200_000, options.users);
    const small = await createGroup(app.ctx, actor, { name: 'Two hundred thousand' });
    const ids = (
      await sql<{
        id: string;
      }>`select id from users where organization_id = ${org} order by id limit ${addCount}`.execute(db)
    ).rows.map((row) => row.id);
    const add = await timed(() => addMembers(app.ctx, actor, small.id, { userIds: ids }));
    line(`add ${addCount.toLocaleString('en')} users to a group`, add);
    await sql`analyze`.execute(db);

    const big = await createGroup(app.ctx, actor, { name: 'Everyone, seeded' });
    await sql`insert into group_members (organization_id, group_id, user_id) select ${org}, ${big.id}, id from users where organization_id = ${org}`.execute(
      db,
    );
    // What autovacuum does after the user's path left a million dead licenses: VACUUM, then
    // ANALYZE. (ANALYZE alone records the table of dead rows as empty, and the license recount of
    // the deletion below was then planned as a nested loop over a million rows per row.)
    await sql`vacuum analyze`.execute(db);
    const assign = await timed(() => assignProfiles(app.ctx, actor, big.id, [profile.id]));
    line(`assign a profile to a ${options.users.toLocaleString('en')}-member group`, assign);
    const licensed = await db
      .selectFrom('products')
      .select('licenses_used')
      .where('id', '=', product.id)
      .executeTakeFirstOrThrow();
    // The welcome job of a later, small grant (members added to the big group) looks its members up
    // by the time they joined among 1,000,000.
    const lookup = await timed(() =>
      queueWelcomeForGroupGrant(
        db,
        {
          organizationId: org,
          groupId: big.id,
          productIds: [product.id],
          grantedAt: new Date(Date.now() + 1000).toISOString(),
          joinedOnly: true,
        },
        null,
        null,
      ),
    );
    line('welcome job of a small grant (members who joined at grant time)', lookup);
    const unassign = await timed(() => unassignProfile(app.ctx, actor, big.id, profile.id));
    line('unassign it', unassign);
    await assignProfiles(app.ctx, actor, big.id, [profile.id]);
    const remove = await timed(() => deleteGroups(app.ctx, actor, [big.id]));
    line('delete the group (profile assigned)', remove);
    const after = await db
      .selectFrom('products')
      .select('licenses_used')
      .where('id', '=', product.id)
      .executeTakeFirstOrThrow();

    console.log(
      `\n  licenses used after the user's path assign: ${licensedByFile.licenses_used.toLocaleString('en')}; after assign: ${licensed.licenses_used.toLocaleString('en')}; after delete: ${after.licenses_used}`,
    );
  } finally {
    await app.close();
    await drop();
  }
}
