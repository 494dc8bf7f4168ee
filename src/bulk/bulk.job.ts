import type { Kysely } from 'kysely';
import { sql, type Transaction } from 'kysely';
import { BULK_TYPE_ACTIONS } from '../../shared/contracts.ts';
import { isApiTokenLive } from '../api-tokens/api-tokens.credentials.ts';
import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { refreshGrownStatistics } from '../db/statistics.ts';
import { defineJob, type JobRun } from '../jobs/queue.ts';
import { noteSeatLevels } from '../licenses/alerts.ts';
import type { LicenseDeficit } from '../licenses/licenses.ts';
import {
  countLicensesAsTaken,
  findLicensesUsedByOrganizationId,
  findSeatCountsByProductIds,
} from '../licenses/seats.ts';
import { organizationLocales } from '../organizations/organizations.service.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { findGrantsByPrincipal } from '../roles/grants.ts';
import type { Action } from '../roles/permissions.ts';
import { type Actor, can } from '../roles/policy.ts';
import { isActiveUser, userMailboxes } from '../users/users.lookup.ts';
import {
  type BatchResult,
  type BatchScope,
  type Failure,
  failureOf,
  HANDLERS,
  type Handler,
  type Outcome,
  type RowChange,
  type WorkRow,
} from './bulk.apply.ts';
import { UNDO_HANDLER } from './bulk.undo.ts';
import type { BulkType, GroupRecord, UserRecord } from './csv/formats.ts';

/** What an operation needs of its initiator, before any row is tried. */
export const REQUIRED_ACTION: Record<BulkType, Action> = BULK_TYPE_ACTIONS;

interface ProcessProps {
  operationId: string;
}

/** One deficit line of the report. */
export interface DeficitLine {
  productId: string;
  productName: string;
  seats: number;
  used: number;
  needed: number;
}

type Row = {
  rowNumber: number;
  status: 'succeeded' | 'failed' | 'skipped';
  message: string;
  outcomes: Outcome[];
  /** An applied row's state before and after. */
  changes?: RowChange;
};

/**
 * Processes a bulk operation's rows in batches. Each batch is one transaction that claims its rows
 * (`FOR UPDATE SKIP LOCKED`), applies them and writes their outcomes and the counters, so after a
 * crash the job (delivered again by the queue) resumes with the rows still pending, and two
 * workers never take the same rows.
 */
export const processBulkJob = defineJob<ProcessProps, AppContext>({
  name: 'bulk.process',
  // The heartbeat lets the queue hand the job to another worker soon after its worker died.
  options: { retryLimit: 5, retryDelay: 2, expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
  async perform(ctx, props, run) {
    await processOperation(ctx, props.operationId, run);
  },
});

/**
 * Queues every unfinished operation again, when a worker starts: after a crash or a restart the
 * operations resume at once with their pending rows. Running one operation twice at the same time
 * is safe (rows are claimed with SKIP LOCKED; the finish is guarded by the status).
 * @returns how many operations were queued
 */
export async function resumeBulkOperations(ctx: AppContext): Promise<number> {
  const unfinished = await ctx.db
    .selectFrom('bulk_operations')
    .select('id')
    .where('status', 'in', ['queued', 'running'])
    .execute();
  for (const operation of unfinished) {
    await ctx.jobs.send(processBulkJob, { operationId: operation.id });
  }
  return unfinished.length;
}

/** Deletes results older than USHER_BULK_RESULTS_DAYS, every night. */
export const cleanupBulkJob = defineJob<Record<string, never>, AppContext>({
  name: 'bulk.cleanup',
  schedule: '17 3 * * *',
  async perform(ctx) {
    await deleteOldOperations(ctx.db, ctx.config.bulk.resultsDays);
  },
});

/**
 * Deletes finished operations (and their rows) older than `days`, and uploads cut off while their
 * rows were stored (a process stopped mid-upload) that are more than an hour old.
 * @returns how many operations were deleted
 */
export async function deleteOldOperations(db: Kysely<DB>, days: number): Promise<number> {
  const result = await db
    .deleteFrom('bulk_operations')
    .where((eb) =>
      eb.or([
        eb('finished_at', '<', sql<Date>`now() - make_interval(days => ${days})`),
        eb.and([eb('status', '=', 'receiving'), eb('created_at', '<', sql<Date>`now() - interval '1 hour'`)]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function initiatorActor(ctx: AppContext, operation: OperationRow): Promise<Actor | null> {
  const organizationId = operation.organization_id;
  let grants: Actor['grants'];
  if (operation.initiator_type === 'api_token') {
    grants = (await isApiTokenLive(ctx.db, organizationId, operation.initiator_id))
      ? await findGrantsByPrincipal(ctx.db, organizationId, { apiTokenId: operation.initiator_id })
      : [];
  } else {
    grants = (await isActiveUser(ctx.db, organizationId, operation.initiator_id))
      ? await findGrantsByPrincipal(ctx.db, organizationId, { userId: operation.initiator_id })
      : [];
  }
  const actor: Actor = {
    type: operation.initiator_type,
    id: operation.initiator_id,
    label: operation.initiator_label,
    organizationId,
    grants,
    sourceIp: null,
    userAgent: 'usher bulk operation',
    operationId: operation.id,
  };
  if (operation.source_sync_run_id) {
    // The undo of a directory-sync run: who may run the sync (the rows' changes are authorized
    // again by the commands as they apply).
    return can(actor, 'domain.manage') ? actor : null;
  }
  // Asked of the policy, as at upload: the rows' own targets are authorized again as they apply.
  const target = operation.group_id ? { groupId: operation.group_id } : undefined;
  return can(actor, 'bulk.run', target) && can(actor, REQUIRED_ACTION[operation.type as BulkType], target)
    ? actor
    : null;
}

type OperationRow = {
  id: string;
  organization_id: string;
  type: string;
  dry_run: boolean;
  group_id: string | null;
  status: string;
  initiator_type: Actor['type'];
  initiator_id: string;
  initiator_label: string;
  /** The operation undoes another: its rows go to the undo's handler. */
  undo: boolean;
  /** An undo deletes the users the undone operation created (nothing else referring to them). */
  delete_created_users: boolean;
  /** The directory-sync run an undo undoes. */
  source_sync_run_id: string | null;
};

/**
 * Processes an operation outside the queue (tests, tools): the same code the job runs.
 * @param operationId the operation
 */
export async function runBulkOperation(ctx: AppContext, operationId: string): Promise<void> {
  await processOperation(ctx, operationId, { id: 'direct', retryCount: 0, signal: new AbortController().signal });
}

/**
 * How long one batch's transaction may hold the embedded database. PGlite is one session: while
 * a batch's transaction is open, every request waits for it, so a batch there is as large as
 * fits this time — about 2,000 set-based add-users rows but a handful of row-by-row edits with
 * group and admin-role changes — and requests queued meanwhile go before the next batch.
 */
const EMBEDDED_BATCH_MS = 100;

/**
 * Sizes batches. On a PostgreSQL server every batch has `USHER_BULK_BATCH_ROWS` rows (requests
 * have connections of their own). On the embedded database the size follows the time the last
 * batch took per row, so a batch takes about `EMBEDDED_BATCH_MS`: it starts small (the cost of a
 * row is unknown) and grows at most fourfold per batch up to `USHER_BULK_BATCH_ROWS`.
 */
export class BatchSizer {
  readonly #max: number;
  readonly #targetMs: number | undefined;
  #size: number;
  #msPerRow: number | undefined;

  /**
   * @param max the configured batch size (the most rows a batch takes)
   * @param targetMs the time a batch should take, or undefined for fixed batches of `max`
   */
  constructor(max: number, targetMs: number | undefined) {
    this.#max = max;
    this.#targetMs = targetMs;
    this.#size = targetMs === undefined ? max : Math.min(max, 10);
  }

  /** Rows the next batch takes. */
  get size(): number {
    return this.#size;
  }

  /**
   * Takes note of a batch's time.
   * @param rows the rows it applied
   * @param ms how long its transaction ran
   */
  record(rows: number, ms: number): void {
    if (this.#targetMs === undefined || rows === 0) {
      return;
    }
    // A moving average, so one batch slowed by something else on the machine does not halve the next.
    const perRow = ms / rows;
    this.#msPerRow = this.#msPerRow === undefined ? perRow : (this.#msPerRow + perRow) / 2;
    const fits = Math.floor(this.#targetMs / Math.max(this.#msPerRow, 0.01));
    this.#size = Math.max(1, Math.min(this.#max, this.#size * 4, fits));
  }
}

async function processOperation(ctx: AppContext, operationId: string, run: JobRun): Promise<void> {
  const operation = await ctx.db
    .selectFrom('bulk_operations')
    .select([
      'id',
      'organization_id',
      'type',
      'dry_run',
      'group_id',
      'status',
      'initiator_type',
      'initiator_id',
      'initiator_label',
      'undo',
      'delete_created_users',
      'source_sync_run_id',
    ])
    .where('id', '=', operationId)
    .executeTakeFirst();
  if (!operation || !['queued', 'running'].includes(operation.status)) {
    return;
  }
  await ctx.db
    .updateTable('bulk_operations')
    .set({ status: 'running', started_at: sql<Date>`coalesce(started_at, now())` })
    .where('id', '=', operationId)
    .where('status', '=', 'queued')
    .execute();
  const actor = await initiatorActor(ctx, operation);
  if (!actor) {
    await failOperation(
      ctx,
      operationId,
      'bulk.initiator_lost_rights',
      `${operation.initiator_label} no longer has the admin rights this operation needs: no further row was applied.`,
    );
    return;
  }
  const exhausted = new Set<string>();
  // Rows are claimed in windows of row numbers, in order, so each batch starts after the window
  // this run took last (rows skipped because another worker holds them are that worker's). A
  // bounded window is an index range of its own size whatever the table's statistics say: an
  // open-ended `row_number > n … limit` let the planner read every remaining row per batch.
  const last = await ctx.db
    .selectFrom('bulk_operation_rows')
    .select((eb) => eb.fn.max('row_number').as('row_number'))
    .where('operation_id', '=', operationId)
    .executeTakeFirst();
  const cursor = { after: 0, last: Number(last?.row_number ?? 0) };
  const sizer = new BatchSizer(
    ctx.config.bulk.batchRows,
    ctx.database.kind === 'pglite' ? EMBEDDED_BATCH_MS : undefined,
  );
  let analyzing: Promise<unknown> | undefined;
  let checkedAtRow = 0;
  const lane = async () => {
    for (;;) {
      const more = await transaction(ctx.db, (trx) =>
        processBatch(ctx, trx, actor, operation, exhausted, cursor, sizer),
      );
      if (!more) {
        return;
      }
      // One lane at a time looks, each time the rows taken have doubled since the last look:
      // the tables this operation fills double at most as often (the look reads the tables'
      // sizes: ≈ 20 ms on the embedded database, as much as a small batch, so not after every
      // batch). The other lane goes on with its next batch.
      if (!analyzing && cursor.after >= 2 * checkedAtRow) {
        checkedAtRow = Math.max(cursor.after, 1);
        analyzing = refreshGrownStatistics(ctx.db).finally(() => {
          analyzing = undefined;
        });
        await analyzing;
      }
      // Requests that queued for the embedded database during the batch go before the next one.
      await new Promise((resolve) => setImmediate(resolve));
      if (run.signal.aborted) {
        throw new Error('The worker is stopping: the operation resumes with its pending rows.');
      }
    }
  };
  // On a PostgreSQL server, a real run applies several batches at once (each its own transaction
  // and connection, taking the next window of rows), as several workers sharing the operation
  // would: the server writes one batch's users while another's take their licenses. A dry run
  // counts licenses across batches, so its batches go one at a time; the embedded database has
  // one connection.
  //
  // Group files go one batch at a time too: a group's rows change its admins, profiles and the
  // licenses of all its members, so a second batch in flight would only wait for the first. So do
  // edit-users and remove-users files: every batch locks the rows of the groups its users join or
  // leave and of the products whose license counters move, early in the batch and until it
  // commits, so a second batch in flight spent most of its time waiting for the first (a lock wait
  // in 36–50 % of the samples, slower than one at a time). Add-users and membership files lock
  // those rows only for their last writes, in id order, never in a cycle.
  const serial =
    operation.dry_run ||
    ctx.database.kind === 'pglite' ||
    // An undo goes as its type's files go: its users and memberships through the same set-based commands.
    HANDLERS[operation.type as BulkType].serial;
  const lanes = serial ? 1 : ctx.config.bulk.concurrentBatches;
  const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    // The queue retries the job; after the last retry the operation is failed, never left running.
    const error: unknown = failure.reason;
    // A stopping worker is no failure of the operation: the next start resumes it.
    if (!run.signal.aborted && run.retryCount >= (processBulkJob.options?.retryLimit ?? 0)) {
      await failOperation(ctx, operationId, 'bulk.internal', error instanceof Error ? error.message : String(error));
      return;
    }
    throw error;
  }
  await finishOperation(ctx, operationId);
}

async function failOperation(ctx: AppContext, operationId: string, code: string, message: string): Promise<void> {
  await transaction(ctx.db, async (trx) => {
    const skipped = await trx
      .updateTable('bulk_operation_rows')
      .set({ status: 'skipped', message: 'Not processed: the operation failed.' })
      .where('operation_id', '=', operationId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    const finished = await trx
      .updateTable('bulk_operations')
      .set({
        status: 'failed',
        error_code: code,
        error_message: message,
        finished_at: sql<Date>`now()`,
        processed_rows: sql<number>`processed_rows + ${Number(skipped.numUpdatedRows)}`,
      })
      .where('id', '=', operationId)
      .where('status', 'in', ['queued', 'running'])
      .returning(['id'])
      .executeTakeFirst();
    if (finished) {
      await notifyInitiator(trx, operationId);
    }
  });
}

/**
 * Marks the operation completed (or cancelled) once no row is pending, refreshes the deficit
 * report's seat counts, and queues the initiator's e-mail, in one transaction.
 */
async function finishOperation(ctx: AppContext, operationId: string): Promise<void> {
  await transaction(ctx.db, async (trx) => {
    const operation = await trx
      .selectFrom('bulk_operations')
      .select(['organization_id', 'cancel_requested', 'deficits', 'consumed', 'dry_run'])
      .where('id', '=', operationId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const pending = await trx
      .selectFrom('bulk_operation_rows')
      .select('row_number')
      .where('operation_id', '=', operationId)
      .where('status', '=', 'pending')
      .limit(1)
      .executeTakeFirst();
    if (pending) {
      return; // another worker still holds rows; it finishes the operation
    }
    const deficits = await refreshDeficits(
      trx,
      operation.organization_id,
      operation.deficits as unknown as DeficitLine[],
      operation.dry_run ? (operation.consumed as unknown as Record<string, number>) : {},
    );
    const finished = await trx
      .updateTable('bulk_operations')
      .set({
        status: operation.cancel_requested
          ? 'cancelled'
          : sql<'completed'>`case when failed_rows > 0 then 'completed_with_errors' else 'completed' end`,
        finished_at: sql<Date>`now()`,
        deficits: JSON.stringify(deficits),
      })
      .where('id', '=', operationId)
      .where('status', '=', 'running')
      .returning(['id'])
      .executeTakeFirst();
    if (finished) {
      if (!operation.dry_run) {
        await noteDeficitLevels(trx, operation.organization_id, deficits);
      }
      await notifyInitiator(trx, operationId);
    }
  });
}

async function refreshDeficits(
  trx: Transaction<DB>,
  organizationId: string,
  lines: DeficitLine[],
  consumed: Record<string, number>,
): Promise<DeficitLine[]> {
  if (lines.length === 0) {
    return [];
  }
  const products = await findSeatCountsByProductIds(
    trx,
    organizationId,
    lines.map((line) => line.productId),
  );
  return lines.map((line) => {
    const product = products.find((row) => row.id === line.productId);
    return product
      ? {
          ...line,
          productName: product.name,
          seats: product.license_quantity,
          used: product.licenses_used + (consumed[product.id] ?? 0),
        }
      : line;
  });
}

/**
 * A finished run that could not assign licenses shows a demand beyond the seats: its products'
 * alert levels follow that demand (110 % of the seats alerts the system admins).
 */
async function noteDeficitLevels(trx: Transaction<DB>, organizationId: string, deficits: DeficitLine[]) {
  const wanted = deficits.filter((line) => line.needed > 0);
  if (wanted.length === 0) {
    return;
  }
  const products = await findSeatCountsByProductIds(
    trx,
    organizationId,
    wanted.map((line) => line.productId),
  );
  await noteSeatLevels(
    trx,
    organizationId,
    products.map((product) => ({
      id: product.id,
      name: product.name,
      quantity: product.license_quantity,
      used: product.licenses_used,
      missing: wanted.find((line) => line.productId === product.id)?.needed ?? 0,
      stored: product.alert_level,
    })),
    { keepDemandLevel: true },
  );
}

/** Queues the "bulk operation finished" e-mail to the admin who started it. */
export async function notifyInitiator(trx: Transaction<DB>, operationId: string): Promise<void> {
  const operation = await trx
    .selectFrom('bulk_operations as o')
    .leftJoin(userMailboxes(trx).as('u'), (join) =>
      join.onRef('u.organization_id', '=', 'o.organization_id').onRef('u.id', '=', 'o.initiator_id'),
    )
    .innerJoin(organizationLocales(trx).as('org'), 'org.id', 'o.organization_id')
    .leftJoin('bulk_operations as s', (join) =>
      join.onRef('s.organization_id', '=', 'o.organization_id').onRef('s.id', '=', 'o.source_operation_id'),
    )
    .select([
      'o.undo',
      'o.source_operation_id',
      'o.source_sync_run_id',
      'o.skipped_rows',
      's.initiator_label as source_initiator',
      'o.organization_id',
      'o.initiator_type',
      'o.type',
      'o.file_name',
      'o.status',
      'o.succeeded_rows',
      'o.failed_rows',
      'o.dry_run',
      'u.id as user_id',
      'u.email',
      'u.locale',
      'org.default_locale',
    ])
    .where('o.id', '=', operationId)
    .executeTakeFirstOrThrow();
  if (operation.initiator_type !== 'user' || !operation.email) {
    return; // an API token has no mailbox; its caller polls the operation
  }
  await queueMessages(trx, operation.organization_id, [
    {
      kind: 'bulk_finished',
      userId: operation.user_id,
      to: operation.email,
      locale: operation.locale ?? operation.default_locale,
      data: {
        operationId,
        type: operation.type,
        fileName: operation.file_name,
        status: operation.status,
        succeeded: operation.succeeded_rows,
        failed: operation.failed_rows,
        skipped: operation.skipped_rows,
        dryRun: operation.dry_run,
        // An undo names the operation it undoes (the same file) and who ran that one.
        ...(operation.undo
          ? {
              undo: true,
              undoneOperationId: operation.source_operation_id,
              undoneInitiator: operation.source_initiator ?? '',
              // The undo of a directory-sync run: its file name names the run.
              ...(operation.source_sync_run_id ? { undoneSyncRunId: operation.source_sync_run_id } : {}),
            }
          : {}),
      },
    },
  ]);
}

/**
 * Claims and applies one batch of pending rows.
 * @returns whether rows were processed (false: nothing left, or cancelled)
 */
async function processBatch(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  operation: OperationRow,
  exhausted: Set<string>,
  cursor: { after: number; last: number },
  sizer: BatchSizer,
): Promise<boolean> {
  const started = performance.now();
  // A dry run's batches read and write the licenses counted so far (`consumed`): locking the
  // operation makes batches of several workers take turns instead of losing each other's counts.
  const state = await trx
    .selectFrom('bulk_operations')
    .select(['cancel_requested', 'consumed'])
    .where('id', '=', operation.id)
    .$if(operation.dry_run, (query) => query.forUpdate())
    .executeTakeFirstOrThrow();
  if (state.cancel_requested) {
    const skipped = await trx
      .updateTable('bulk_operation_rows')
      .set({ status: 'skipped', message: 'Not processed: the operation was cancelled.' })
      .where('operation_id', '=', operation.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    await trx
      .updateTable('bulk_operations')
      .set({
        processed_rows: sql<number>`processed_rows + ${Number(skipped.numUpdatedRows)}`,
        skipped_rows: sql<number>`skipped_rows + ${Number(skipped.numUpdatedRows)}`,
      })
      .where('id', '=', operation.id)
      .execute();
    return false;
  }
  if (cursor.after >= cursor.last) {
    return false;
  }
  const from = cursor.after;
  const to = Math.min(from + sizer.size, cursor.last);
  cursor.after = to;
  const claimed = await sql<{ row_number: number; record: UserRecord | GroupRecord }>`
    select row_number, record from bulk_operation_rows
    where operation_id = ${operation.id} and row_number > ${from} and row_number <= ${to}
      and status = 'pending'
    order by row_number
    for update skip locked`.execute(trx);
  if (claimed.rows.length === 0) {
    // Rows of this window were read as failed, or another worker holds them: on to the next.
    return true;
  }
  const rows: WorkRow[] = claimed.rows.map((row) => ({ rowNumber: row.row_number, record: row.record }));
  const scope: BatchScope = {
    ctx: { ...ctx, db: trx },
    trx,
    actor,
    operation: {
      id: operation.id,
      type: operation.type as BulkType,
      dryRun: operation.dry_run,
      groupId: operation.group_id,
      organizationId: operation.organization_id,
      deleteCreatedUsers: operation.delete_created_users,
    },
    exhausted,
  };
  let consumed = state.consumed as unknown as Record<string, number>;
  const handler = operation.undo ? UNDO_HANDLER : HANDLERS[operation.type as BulkType];
  let results: Row[];
  if (operation.dry_run) {
    // A dry run applies the batch for real in a savepoint and rolls it back. Licenses taken by
    // earlier batches (rolled back too) are added to the counters first, so the check is cumulative.
    const before = await findLicensesUsedByOrganizationId(trx, operation.organization_id);
    await sql`savepoint bulk_dry_run`.execute(trx);
    await countLicensesAsTaken(trx, operation.organization_id, consumed);
    results = await applyRows(scope, handler, rows);
    const after = await findLicensesUsedByOrganizationId(trx, operation.organization_id);
    consumed = Object.fromEntries([...after].map(([id, used]) => [id, used - (before.get(id) ?? 0)]));
    await sql`rollback to savepoint bulk_dry_run`.execute(trx);
    await sql`release savepoint bulk_dry_run`.execute(trx);
  } else {
    results = await applyRows(scope, handler, rows);
  }

  await storeResults(trx, operation.id, from, to, results);
  const succeeded = results.filter((row) => row.status === 'succeeded').length;
  const skipped = results.filter((row) => row.status === 'skipped').length;
  // Batches in flight at once each add their rows to the deficit report: it is read under the
  // operation's row lock, taken last so that batches wait on each other only for this update.
  const report = await trx
    .selectFrom('bulk_operations')
    .select('deficits')
    .where('id', '=', operation.id)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const deficits = mergeDeficits(report.deficits as unknown as DeficitLine[], results);
  await trx
    .updateTable('bulk_operations')
    .set({
      processed_rows: sql<number>`processed_rows + ${results.length}`,
      succeeded_rows: sql<number>`succeeded_rows + ${succeeded}`,
      failed_rows: sql<number>`failed_rows + ${results.length - succeeded - skipped}`,
      skipped_rows: sql<number>`skipped_rows + ${skipped}`,
      consumed: JSON.stringify(consumed),
      deficits: JSON.stringify(deficits),
    })
    .where('id', '=', operation.id)
    .execute();
  sizer.record(rows.length, performance.now() - started);
  return true;
}

/**
 * Writes a batch's results into its window of rows (`from` < row number ≤ `to`), with no join: each
 * row takes its values from arrays by its offset in the window, so the statement is an index range
 * of the window's size whatever the statistics say (a join with the results as a table was planned,
 * for a new operation, as a nested loop reading every row of the operation per result).
 * A succeeded row stores its outcomes only (its message is derived from them when read), and its
 * state before and after when the change engine gave them.
 */
async function storeResults(trx: Transaction<DB>, operationId: string, from: number, to: number, results: Row[]) {
  const width = to - from;
  const statuses: (string | null)[] = new Array(width).fill(null);
  const outcomes: (string | null)[] = new Array(width).fill(null);
  const messages: (string | null)[] = new Array(width).fill(null);
  const changes: (string | null)[] = new Array(width).fill(null);
  for (const row of results) {
    const at = row.rowNumber - from - 1;
    statuses[at] = row.status;
    outcomes[at] = JSON.stringify(row.outcomes);
    messages[at] = row.status === 'succeeded' ? null : row.message;
    changes[at] = row.changes ? JSON.stringify(row.changes) : null;
  }
  await sql`
    update bulk_operation_rows set
      status = (${statuses}::text[])[row_number - ${from}],
      outcomes = (${outcomes}::text[])[row_number - ${from}]::jsonb,
      message = (${messages}::text[])[row_number - ${from}],
      changes = (${changes}::text[])[row_number - ${from}]::jsonb
    where operation_id = ${operationId} and row_number > ${from} and row_number <= ${to}
      and row_number = any(${results.map((row) => row.rowNumber)}::int[])`.execute(trx);
}

/** Adds the licenses that failed rows needed to the operation's deficit report. */
function mergeDeficits(lines: DeficitLine[], results: (Row & { deficits?: Failure['deficits'] })[]): DeficitLine[] {
  const merged = new Map(lines.map((line) => [line.productId, { ...line }]));
  for (const row of results) {
    for (const deficit of row.deficits ?? []) {
      const line = merged.get(deficit.productId) ?? {
        productId: deficit.productId,
        productName: deficit.productName,
        seats: deficit.licenseQuantity,
        used: 0,
        needed: 0,
      };
      line.needed += 1;
      merged.set(deficit.productId, line);
    }
  }
  return [...merged.values()];
}

/** A succeeded row: its message is derived from its outcomes when it is read. */
const succeededRow = (rowNumber: number, outcomes: Outcome[], changes: RowChange | undefined): Row => ({
  rowNumber,
  status: 'succeeded',
  outcomes,
  message: '',
  ...(changes ? { changes } : {}),
});

const failedRow = (rowNumber: number, failure: Failure): Row & { deficits?: Failure['deficits'] } => ({
  rowNumber,
  status: 'failed',
  outcomes: [failure.outcome],
  message: failure.message,
  ...(failure.deficits ? { deficits: failure.deficits } : {}),
});

/** A row left alone on purpose (an undo's conflict): neither applied nor failed. */
const skippedRow = (rowNumber: number, why: Failure): Row => ({
  rowNumber,
  status: 'skipped',
  outcomes: [why.outcome],
  message: why.message,
});

/**
 * Applies rows so that each is all-or-nothing and rows are independent: the handler gets the
 * whole batch, the change engine's runner applying it at once and, on a failure, splitting it in
 * halves down to the failing rows.
 */
async function applyRows(scope: BatchScope, handler: Handler, rows: WorkRow[]): Promise<Row[]> {
  let result: BatchResult;
  await sql`savepoint bulk_rows`.execute(scope.trx);
  try {
    result = await handler.apply(scope, rows);
    await sql`release savepoint bulk_rows`.execute(scope.trx);
  } catch (error) {
    await sql`rollback to savepoint bulk_rows`.execute(scope.trx);
    await sql`release savepoint bulk_rows`.execute(scope.trx);
    // What fails the whole batch (the operation's group deleted meanwhile) fails each of its rows.
    return rows.map((row) => noteExhausted(scope, failedRow(row.rowNumber, failureOf(error))));
  }
  return [
    ...[...result.failed].map(([rowNumber, failure]) => noteExhausted(scope, failedRow(rowNumber, failure))),
    ...[...(result.skipped ?? [])].map(([rowNumber, why]) => skippedRow(rowNumber, why)),
    ...[...result.applied].map(([rowNumber, outcomes]) =>
      succeededRow(rowNumber, outcomes, result.changes?.get(rowNumber)),
    ),
  ].sort((a, b) => a.rowNumber - b.rowNumber);
}

/** A single row refused for licenses means the product has no seat left for this run. */
function noteExhausted<T extends Row & { deficits?: Failure['deficits'] }>(scope: BatchScope, row: T): T {
  for (const deficit of row.deficits ?? []) {
    scope.exhausted.add(deficit.productId);
  }
  return row;
}

export type { LicenseDeficit };
