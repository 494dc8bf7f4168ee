import { type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Executor } from '../db/database.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB, DirectorySyncRunEntriesTable } from '../db/schema.ts';
import { directoryNames } from '../domains/domains.directories.service.ts';

/** A directory's sync connection row, or undefined. */
export async function findSyncByDirectoryId(db: Executor, organizationId: string, directoryId: string) {
  return db
    .selectFrom('directory_syncs')
    .innerJoin(directoryNames(db).as('directories'), (join) =>
      join
        .onRef('directories.id', '=', 'directory_syncs.directory_id')
        .onRef('directories.organization_id', '=', 'directory_syncs.organization_id'),
    )
    .selectAll('directory_syncs')
    .select(['directories.name as directory_name', 'directories.identity_type'])
    .where('directory_syncs.organization_id', '=', organizationId)
    .where('directory_syncs.directory_id', '=', directoryId)
    .executeTakeFirst();
}

export type SyncRow = NonNullable<Awaited<ReturnType<typeof findSyncByDirectoryId>>>;

/** Connections whose schedule is due, across organizations (the scheduler's query). */
export async function findDueSyncs(db: Executor, limit: number) {
  return db
    .selectFrom('directory_syncs')
    .select(['organization_id', 'directory_id', 'interval_minutes'])
    .where('interval_minutes', '>', 0)
    .where('next_run_at', '<=', sql<Date>`now()`)
    .orderBy('next_run_at')
    .limit(limit)
    .execute();
}

/** One run of a directory, or undefined. */
export async function findSyncRunById(db: Executor, organizationId: string, runId: string) {
  return db
    .selectFrom('directory_sync_runs')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', runId)
    .executeTakeFirst();
}

export type SyncRunRow = NonNullable<Awaited<ReturnType<typeof findSyncRunById>>>;

/** A directory's runs, newest first, keyset-paged by (created_at, id). */
export async function findSyncRunsByDirectoryId(
  db: Executor,
  organizationId: string,
  directoryId: string,
  page: { limit: number; before?: { createdAt: string; id: string } | undefined },
) {
  let query = db
    .selectFrom('directory_sync_runs')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId);
  if (page.before) {
    query = query.where(
      sql<boolean>`(created_at, id) < (${page.before.createdAt}::timestamptz, ${page.before.id}::uuid)`,
    );
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

/** A queued or running run of the directory whose worker is alive, or undefined. */
export async function findActiveSyncRunByDirectoryId(db: Executor, organizationId: string, directoryId: string) {
  return db
    .selectFrom('directory_sync_runs')
    .select(['id', 'status'])
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'queued'),
        eb.and([eb('status', '=', 'running'), eb('heartbeat_at', '>', sql<Date>`now() - interval '10 minutes'`)]),
      ]),
    )
    .executeTakeFirst();
}

/** Updates a run's columns. */
export async function updateSyncRun(
  db: Executor,
  organizationId: string,
  runId: string,
  set: Updateable<DB['directory_sync_runs']>,
): Promise<void> {
  await db
    .updateTable('directory_sync_runs')
    .set({ ...set, heartbeat_at: new Date() })
    .where('organization_id', '=', organizationId)
    .where('id', '=', runId)
    .execute();
}

/**
 * Claims a queued run for this worker: it becomes running only if it is still queued and no
 * other run of the directory is running with a live heartbeat.
 * @returns true when claimed
 */
export async function claimSyncRun(db: Executor, organizationId: string, runId: string): Promise<boolean> {
  const result = await sql`
    update directory_sync_runs r set status = 'running', started_at = now(), heartbeat_at = now(), phase = 'reading'
    where r.organization_id = ${organizationId} and r.id = ${runId} and r.status = 'queued'
      and not exists (
        select 1 from directory_sync_runs o
        where o.organization_id = r.organization_id and o.directory_id = r.directory_id and o.id <> r.id
          and o.status = 'running' and o.heartbeat_at > now() - interval '10 minutes')`.execute(db);
  return Number(result.numAffectedRows ?? 0) === 1;
}

/** Marks runs whose worker stopped beating as failed (crash, restart). */
export async function failStaleSyncRuns(db: Executor, message: string): Promise<number> {
  const result = await sql`
    update directory_sync_runs set status = 'failed', finished_at = now(), error_code = 'sync.interrupted', error_message = ${message}
    where status = 'running' and heartbeat_at < now() - interval '10 minutes'`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Deletes runs finished before the retention period. */
export async function deleteSyncRunsFinishedBefore(db: Executor, days: number): Promise<number> {
  const result = await sql`
    delete from directory_sync_runs where finished_at < now() - make_interval(days => ${days})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** One user outcome of a run. */
export interface RunUserOutcome {
  email: string | null;
  dn: string | null;
  userId: string | null;
  action: string;
  status: 'planned' | 'succeeded' | 'failed' | 'skipped';
  message: string | null;
  changes: Record<string, unknown> | null;
  /** An applied outcome's user state before and after (the change engine's `UserState`s), for undo. */
  states?: { before: unknown; after: unknown } | null;
}

/** Appends outcomes to a run, numbered from `firstSeq`. */
export async function insertSyncRunUsers(
  db: Executor,
  organizationId: string,
  runId: string,
  firstSeq: number,
  outcomes: RunUserOutcome[],
): Promise<void> {
  for (let start = 0; start < outcomes.length; start += 1000) {
    await insertMany(
      db,
      'directory_sync_run_users',
      outcomes.slice(start, start + 1000).map((outcome, index) => ({
        organization_id: organizationId,
        run_id: runId,
        seq: firstSeq + start + index,
        email: outcome.email,
        dn: outcome.dn,
        user_id: outcome.userId,
        action: outcome.action,
        status: outcome.status,
        message: outcome.message,
        changes: outcome.changes,
        states: outcome.states ?? null,
      })),
    );
  }
}

/** A run's outcomes in order, from after `afterSeq`. */
export async function findSyncRunUsersByRunId(
  db: Executor,
  organizationId: string,
  runId: string,
  page: { limit: number; afterSeq: number },
) {
  return (
    db
      .selectFrom('directory_sync_run_users')
      // Not the states kept for undo: a page shows what changed, in words.
      .select(['seq', 'email', 'dn', 'user_id', 'action', 'status', 'message', 'changes'])
      .where('organization_id', '=', organizationId)
      .where('run_id', '=', runId)
      .where('seq', '>', page.afterSeq)
      .orderBy('seq')
      .limit(page.limit)
      .execute()
  );
}

/** How many users a connection manages. */
export async function countSyncedUsersByDirectoryId(
  db: Executor,
  organizationId: string,
  directoryId: string,
): Promise<number> {
  const row = await db
    .selectFrom('directory_sync_users')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** One in-scope entry of a run, as staged for the run. */
export interface StagedEntry {
  dn: string;
  dnKey: string;
  key: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  username: string | null;
}

/**
 * Stages a page of a run's in-scope entries, numbered from `firstSeq`, each matched to the user
 * the connection manages under its stable key; an entry whose e-mail an earlier entry of the run
 * has (case-insensitive) is not staged.
 * @returns the entries staged: number → the user matched by key, or null
 */
export async function insertSyncRunEntries(
  db: Executor,
  organizationId: string,
  directoryId: string,
  runId: string,
  firstSeq: number,
  entries: StagedEntry[],
): Promise<Map<number, string | null>> {
  if (entries.length === 0) {
    return new Map();
  }
  // One array per column: PostgreSQL reads them faster than a JSON document of records.
  const column = <K extends keyof StagedEntry>(name: K) => entries.map((entry) => entry[name]);
  const result = await sql<{ seq: number; user_id: string | null }>`
    insert into directory_sync_run_entries
      (organization_id, run_id, seq, dn, dn_key, external_key, email, first_name, last_name, country, username, user_id)
    select ${organizationId}, ${runId}, ${firstSeq}::integer + t.at - 1, t.dn, t.dn_key, t.external_key, t.email,
      t.first_name, t.last_name, t.country, t.username,
      (select k.user_id from directory_sync_users k
        where k.organization_id = ${organizationId} and k.directory_id = ${directoryId}
          and k.external_key = t.external_key
        limit 1)
    from unnest(${column('dn')}::text[], ${column('dnKey')}::text[], ${column('key')}::text[], ${column('email')}::text[],
        ${column('firstName')}::text[], ${column('lastName')}::text[], ${column('country')}::text[],
        ${column('username')}::text[])
      with ordinality as t(dn, dn_key, external_key, email, first_name, last_name, country, username, at)
    order by t.at
    on conflict (run_id, lower(email)) do nothing
    returning seq, user_id`.execute(db);
  return new Map(result.rows.map((row) => [Number(row.seq), row.user_id]));
}

/**
 * Records the users staged entries were matched to by e-mail, or created for (so they are not
 * taken for users gone from the directory).
 */
export async function updateSyncRunEntryUserIds(
  db: Executor,
  organizationId: string,
  runId: string,
  users: { seq: number; userId: string }[],
): Promise<void> {
  if (users.length === 0) {
    return;
  }
  await sql`
    update directory_sync_run_entries e set user_id = t.user_id
    from json_to_recordset(${JSON.stringify(users.map((user) => ({ seq: user.seq, user_id: user.userId })))}::json)
      as t(seq integer, user_id uuid)
    where e.organization_id = ${organizationId} and e.run_id = ${runId} and e.seq = t.seq`.execute(db);
}

/**
 * The next staged entries of a run after `afterSeq`, in order, each with whether the connection
 * manages its user and the mapped groups (by index) its DN is in.
 */
export async function findSyncRunEntriesAfter(
  db: Executor,
  organizationId: string,
  runId: string,
  directoryId: string,
  afterSeq: number,
  limit: number,
) {
  const result = await sql<
    Omit<Selectable<DirectorySyncRunEntriesTable>, 'organization_id' | 'run_id'> & {
      tracked: boolean;
      mappings: number[];
    }
  >`
    select e.seq, e.dn, e.dn_key, e.external_key, e.email, e.first_name, e.last_name, e.country, e.username,
      e.user_id,
      -- Both looked up per entry (an index probe each), so a chunk never reads a whole table: an
      -- EXISTS here may be planned as a hash of every managed user, built again for each chunk.
      coalesce((select true from directory_sync_users t
        where t.organization_id = e.organization_id and t.directory_id = ${directoryId}
          and t.user_id = e.user_id
        limit 1), false) as tracked,
      array(select m.mapping from directory_sync_run_members m
        where m.run_id = e.run_id and m.dn_key = e.dn_key order by m.mapping) as mappings
    from directory_sync_run_entries e
    where e.organization_id = ${organizationId} and e.run_id = ${runId} and e.seq > ${afterSeq}
    order by e.seq
    limit ${limit}`.execute(db);
  return result.rows.map((row) => ({ ...row, seq: Number(row.seq), mappings: row.mappings.map(Number) }));
}

/** Records user DNs (lower-case, see normalizeDn) as members of the mapped group `mapping`. */
export async function insertSyncRunMembers(
  db: Executor,
  organizationId: string,
  runId: string,
  mapping: number,
  dnKeys: string[],
): Promise<void> {
  for (let start = 0; start < dnKeys.length; start += 1000) {
    await sql`
      insert into directory_sync_run_members (organization_id, run_id, dn_key, mapping)
      select ${organizationId}, ${runId}, t.dn_key, ${mapping}::integer
      from unnest(${dnKeys.slice(start, start + 1000)}::text[]) as t(dn_key)
      on conflict do nothing`.execute(db);
  }
}

/**
 * The users a connection manages that no entry of this run was matched to, by user id after
 * `afterUserId`, a page at a time: the users gone from the directory.
 */
export async function findSyncedUsersMissingFromRun(
  db: Executor,
  organizationId: string,
  directoryId: string,
  runId: string,
  afterUserId: string | null,
  limit: number,
): Promise<{ user_id: string; dn: string | null }[]> {
  let query = db
    .selectFrom('directory_sync_users as s')
    .select(['s.user_id', 's.dn'])
    .where('s.organization_id', '=', organizationId)
    .where('s.directory_id', '=', directoryId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('directory_sync_run_entries as e')
            .select(sql`1`.as('one'))
            .where('e.run_id', '=', runId)
            .whereRef('e.user_id', '=', 's.user_id'),
        ),
      ),
    );
  if (afterUserId) {
    query = query.where('s.user_id', '>', afterUserId);
  }
  return query.orderBy('s.user_id').limit(limit).execute();
}

/** Deletes the working sets left by runs that are no longer running (a worker that stopped). */
export async function deleteStaleSyncRunWorkingSets(db: Executor): Promise<void> {
  for (const table of ['directory_sync_run_entries', 'directory_sync_run_members'] as const) {
    await sql`
      delete from ${sql.table(table)} w
      where not exists (
        select 1 from directory_sync_runs r where r.id = w.run_id and r.status = 'running')`.execute(db);
  }
}

/** Deletes a run's working set (its staged entries and group members). */
export async function deleteSyncRunWorkingSet(db: Executor, organizationId: string, runId: string): Promise<void> {
  await db
    .deleteFrom('directory_sync_run_entries')
    .where('organization_id', '=', organizationId)
    .where('run_id', '=', runId)
    .execute();
  await db
    .deleteFrom('directory_sync_run_members')
    .where('organization_id', '=', organizationId)
    .where('run_id', '=', runId)
    .execute();
}

/** Records (or refreshes) users as managed by a connection. */
export async function upsertSyncedUsers(
  db: Executor,
  organizationId: string,
  directoryId: string,
  users: { userId: string; key: string; dn: string }[],
): Promise<void> {
  for (let start = 0; start < users.length; start += 1000) {
    const batch = users.slice(start, start + 1000);
    await sql`
      insert into directory_sync_users (organization_id, directory_id, user_id, external_key, dn)
      select ${organizationId}, ${directoryId}, t.user_id, t.external_key, t.dn
      from json_to_recordset(${JSON.stringify(batch.map((user) => ({ user_id: user.userId, external_key: user.key, dn: user.dn })))}::json)
        as t(user_id uuid, external_key text, dn text)
      on conflict (organization_id, directory_id, user_id) do update
        set external_key = excluded.external_key, dn = excluded.dn, synced_at = now()`.execute(db);
  }
}

/** Stops a connection managing these users. */
export async function deleteSyncedUsers(
  db: Executor,
  organizationId: string,
  directoryId: string,
  userIds: string[],
): Promise<void> {
  for (let start = 0; start < userIds.length; start += 1000) {
    await db
      .deleteFrom('directory_sync_users')
      .where('organization_id', '=', organizationId)
      .where('directory_id', '=', directoryId)
      .where('user_id', 'in', userIds.slice(start, start + 1000))
      .execute();
  }
}

/** Which directory sync manages each of these users (for the console's "managed by"). */
export async function findSyncSourcesByUserIds(db: Executor, organizationId: string, userIds: string[]) {
  if (userIds.length === 0) {
    return [];
  }
  return db
    .selectFrom('directory_sync_users')
    .innerJoin(directoryNames(db).as('directories'), (join) =>
      join
        .onRef('directories.id', '=', 'directory_sync_users.directory_id')
        .onRef('directories.organization_id', '=', 'directory_sync_users.organization_id'),
    )
    .select(['directory_sync_users.user_id', 'directories.id as directory_id', 'directories.name'])
    .where('directory_sync_users.organization_id', '=', organizationId)
    .where('directory_sync_users.user_id', 'in', userIds)
    .execute();
}

/** Creates or replaces a directory's connection row (the password only when given). */
export async function upsertSync(
  db: Executor,
  organizationId: string,
  directoryId: string,
  values: Omit<
    Insertable<DB['directory_syncs']>,
    'organization_id' | 'directory_id' | 'bind_password_sealed' | 'created_at'
  > & {
    bind_password_sealed?: string;
  },
): Promise<void> {
  const { bind_password_sealed: sealed, ...rest } = values;
  const updated = await db
    .updateTable('directory_syncs')
    .set({ ...rest, ...(sealed ? { bind_password_sealed: sealed } : {}) })
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    await db
      .insertInto('directory_syncs')
      .values({
        ...rest,
        organization_id: organizationId,
        directory_id: directoryId,
        bind_password_sealed: sealed ?? '',
      })
      .execute();
  }
}

/** Deletes a directory's connection and its record of managed users. */
export async function deleteSyncByDirectoryId(
  db: Executor,
  organizationId: string,
  directoryId: string,
): Promise<void> {
  await db
    .deleteFrom('directory_syncs')
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .execute();
  await db
    .deleteFrom('directory_sync_users')
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .execute();
}

/** Locks a directory's connection row until the transaction ends (one run queued at a time). */
export async function lockSyncByDirectoryId(db: Executor, organizationId: string, directoryId: string): Promise<void> {
  await db
    .selectFrom('directory_syncs')
    .select('directory_id')
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .forUpdate()
    .execute();
}

/** Inserts a queued run. */
export async function insertSyncRun(
  db: Executor,
  values: Insertable<DB['directory_sync_runs']>,
): Promise<{ id: string }> {
  return db.insertInto('directory_sync_runs').values(values).returning('id').executeTakeFirstOrThrow();
}

/** Deletes a run (its outcomes go with it). */
export async function deleteSyncRunById(db: Executor, organizationId: string, runId: string): Promise<void> {
  await db
    .deleteFrom('directory_sync_runs')
    .where('organization_id', '=', organizationId)
    .where('id', '=', runId)
    .execute();
}

/**
 * Moves a due connection's next run forward, only if it is still due (two schedulers never both
 * take it).
 * @returns true when this caller took it
 */
export async function advanceDueSync(
  db: Executor,
  organizationId: string,
  directoryId: string,
  intervalMinutes: number,
): Promise<boolean> {
  const row = await db
    .updateTable('directory_syncs')
    .set({ next_run_at: new Date(Date.now() + intervalMinutes * 60_000) })
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .where('next_run_at', '<=', new Date())
    .returning('directory_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Locks a run's row (`FOR UPDATE`) for the rest of the transaction, and reads it. */
export async function lockSyncRunById(db: Executor, organizationId: string, runId: string) {
  return db
    .selectFrom('directory_sync_runs')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', runId)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * A run's applied outcomes that kept the user's states (what an undo takes back), in order, from
 * after `afterSeq`.
 */
export async function findSyncRunUserStatesByRunId(
  db: Executor,
  organizationId: string,
  runId: string,
  page: { limit: number; afterSeq: number },
) {
  return db
    .selectFrom('directory_sync_run_users')
    .select(['seq', 'email', 'dn', 'user_id', 'action', 'states'])
    .where('organization_id', '=', organizationId)
    .where('run_id', '=', runId)
    .where('status', '=', 'succeeded')
    .where('states', 'is not', null)
    .where('seq', '>', page.afterSeq)
    .orderBy('seq')
    .limit(page.limit)
    .execute();
}
