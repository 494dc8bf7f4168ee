import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'kysely';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createGroup } from '../../src/groups/groups.service.ts';
import type { Actor } from '../../src/roles/policy.ts';
import { withDirectory } from '../../src/sync/sync.ldap.ts';
import { findSyncRunById } from '../../src/sync/sync.queries.ts';
import { performSyncRun } from '../../src/sync/sync.run.ts';
import { putSync, startSyncRun } from '../../src/sync/sync.service.ts';
import { LDAP_ROOT_DN, LDAP_ROOT_PASSWORD, LDAP_SUFFIX, seedLdif, startSlapd } from '../../test/support/slapd.ts';
import { openBenchDatabase, since, timed } from './support.ts';

/** A full garbage collection, so each step's peaks start from the live heap only. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Directory sync of issue 19: a slapd seeded with `users` people in `groups` groups (each person
 * in one group), mapped to as many user groups; times and peak RSS of the first sync, a run with
 * nothing changed and a preview. The run is performed in this process (no worker polling); each
 * step starts after a full garbage collection and reports the process's peak RSS and peak V8 heap.
 */
export async function runSyncBench(options: { users: number; groups: number }): Promise<void> {
  const started = performance.now();
  const groupNames = Array.from({ length: options.groups }, (_, index) => `team-${index + 1}`);
  const people = function* () {
    for (let index = 1; index <= options.users; index++) {
      yield { uid: `u${index}`, mail: `user${index}@bench.test`, givenName: `Given${index}`, sn: `Family${index}` };
    }
  };
  const perGroup = Math.ceil(options.users / options.groups);
  const slapd = await startSlapd(
    seedLdif(
      people(),
      groupNames.map((cn, index) => ({
        cn,
        people: Array.from(
          { length: Math.max(0, Math.min(perGroup, options.users - index * perGroup)) },
          (_, at) => `u${index * perGroup + at + 1}`,
        ),
      })),
    ),
  );
  console.log(
    `  slapd seeded with ${options.users.toLocaleString('en')} people in ${options.groups} groups in ${since(started)}`,
  );

  const { database, label, drop } = await openBenchDatabase();
  const config = loadConfig({
    USHER_ADMIN_EMAIL: 'bench-admin@bench.example',
    USHER_ADMIN_PASSWORD: 'benchmark password',
    USHER_ORG_NAME: 'Bench',
    USHER_LOG_LEVEL: 'silent',
    USHER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
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
      .where('email', '=', app.firstRun.email)
      .executeTakeFirstOrThrow();
    const actor: Actor = {
      type: 'user',
      id: admin.id,
      label: 'bench',
      organizationId: org,
      grants: [{ role: 'system-admin', productId: null, profileId: null, groupId: null }],
      sourceIp: null,
      userAgent: null,
    };
    console.log(
      `Usher directory sync benchmark on ${label}; load average ${(await import('node:os'))
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    );
    const directory = await db
      .insertInto('directories')
      .values({ organization_id: org, name: 'Bench LDAP', identity_type: 'enterprise' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('domains')
      .values({
        organization_id: org,
        directory_id: directory.id,
        name: 'bench.test',
        verification_token: 't',
        status: 'claimed',
        claimed_at: new Date(),
      })
      .execute();
    for (const name of groupNames) {
      await createGroup(app.ctx, actor, { name: `Team ${name}` });
    }
    await putSync(app.ctx, actor, directory.id, {
      url: slapd.url,
      bindDn: LDAP_ROOT_DN,
      bindPassword: LDAP_ROOT_PASSWORD,
      baseDn: `ou=people,${LDAP_SUFFIX}`,
      groupBaseDn: `ou=groups,${LDAP_SUFFIX}`,
      userFilter: '(objectClass=inetOrgPerson)',
      attributes: { email: 'mail', firstName: 'givenName', lastName: 'sn', externalId: 'entryUUID' },
      groups: groupNames.map((name) => ({ directoryGroup: name, userGroups: [`Team ${name}`] })),
      missingUsers: 'remove',
      maxRemovals: 200,
      intervalMinutes: 0,
    });
    await sql`analyze`.execute(db);

    const run = async (title: string, dryRun: boolean) => {
      const { id } = await startSyncRun(app.ctx, actor, directory.id, { dryRun });
      collectGarbage();
      const measured = await timed(() => performSyncRun(app.ctx, org, id));
      const row = await findSyncRunById(db, org, id);
      console.log(
        `  ${title.padEnd(34)} ${measured.seconds.toFixed(1).padStart(6)} s   peak RSS ${String(measured.peakMiB).padStart(5)} MiB   heap ${String(measured.peakHeapMiB).padStart(4)} MiB   ` +
          `load ${loadavg()[0]?.toFixed(1)}   status ${row?.status}, created ${row?.created}, memberships +${row?.memberships_added}, unchanged ${row?.unchanged}, failed ${row?.failed}`,
      );
      if (row?.status !== 'completed') {
        console.log(`    error: ${row?.error_code} ${row?.error_message}`);
      }
      await sql`analyze`.execute(db);
    };
    // The directory server's own share: every user read through the same paged reader, nothing else.
    collectGarbage();
    const read = await timed(() =>
      withDirectory(
        {
          url: slapd.url,
          startTls: false,
          caCertificate: null,
          bindDn: LDAP_ROOT_DN,
          bindPassword: LDAP_ROOT_PASSWORD,
          baseDn: `ou=people,${LDAP_SUFFIX}`,
          userFilter: '(objectClass=inetOrgPerson)',
          groupBaseDn: null,
          groupFilter: null,
          attributes: { email: 'mail', firstName: 'givenName', lastName: 'sn', externalId: 'entryUUID' },
        },
        async (reader) => {
          let count = 0;
          for await (const page of reader.users()) {
            count += page.length;
          }
          return count;
        },
      ),
    );
    console.log(
      `  ${'reading the directory alone'.padEnd(34)} ${read.seconds.toFixed(1).padStart(6)} s   peak RSS ${String(read.peakMiB).padStart(5)} MiB   heap ${String(read.peakHeapMiB).padStart(4)} MiB   load ${loadavg()[0]?.toFixed(1)}   ${read.result} entries`,
    );
    await run('preview of the first sync', true);
    await run('first sync', false);
    await run('a run with nothing changed', false);
    await run('preview with nothing changed', true);
  } finally {
    await app.close();
    await drop();
    await slapd.stop();
  }
}
