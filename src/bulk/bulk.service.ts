import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { BulkOperation, BulkRow } from '../../shared/api/bulk.ts';
import type { Page } from '../../shared/api/page.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { keysetPage, Positions } from '../core/paging.ts';
import { transaction } from '../db/database.ts';
import { insertMany, type ManyRow } from '../db/insert-many.ts';
import type { BulkOperationsTable, DB } from '../db/schema.ts';
import { findGroupNameById } from '../groups/groups.catalog.ts';
import { type Actor, authorize, can } from '../roles/policy.ts';
import { describeOutcome, type Outcome } from './bulk.apply.ts';
import { BulkErrorCodes } from './bulk.errors.ts';
import { type DeficitLine, notifyInitiator, processBulkJob, REQUIRED_ACTION } from './bulk.job.ts';
import { runSyncUndoPreviewForReal, type UndoneBy, undoBulkOperation, undoneBy } from './bulk.undo.ts';
import type { BulkType, ParsedRow, UserRecord } from './csv/formats.ts';
import { openBulkCsv } from './csv/parse.ts';

/** Rows written per INSERT while a file is read. */
const INSERT_ROWS = 1000;
/**
 * Rows read before the first is written. A file of up to this many rows is read whole before the
 * database is touched, so refusing it costs its reading only; past it, rows stream into the
 * database as they are read, so memory stays flat for files of any size (limits raised).
 */
const HOLD_ROWS = 50_000;

/** A bulk operation as the API shows it. */
export type BulkOperationView = BulkOperation;

function present(row: Selectable<BulkOperationsTable>, undone?: Map<string, UndoneBy>): BulkOperationView {
  return {
    id: row.id,
    type: row.type as BulkType,
    fileName: row.file_name,
    dryRun: row.dry_run,
    group: row.group_id ? { id: row.group_id, name: row.group_name ?? '' } : null,
    status: row.status === 'receiving' ? 'queued' : row.status,
    initiatedBy: {
      kind: row.initiator_type === 'api_token' ? 'token' : 'user',
      id: row.initiator_id,
      label: row.initiator_label,
    },
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    totalRows: row.total_rows,
    processedRows: row.processed_rows,
    succeededRows: row.succeeded_rows,
    failedRows: row.failed_rows,
    skippedRows: row.skipped_rows,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    deficits: (row.deficits as unknown as DeficitLine[]) ?? [],
    sourceOperationId: row.source_operation_id,
    undo: row.undo,
    sourceSyncRunId: row.source_sync_run_id,
    deleteCreatedUsers: row.delete_created_users,
    undoneBy: undone?.get(row.id) ?? null,
  };
}

/** The key that makes two rows "the same user" (or group) for the repeated-row check. */
function rowKey(row: ParsedRow): string | null {
  const record = row.record;
  if (!record) {
    return null;
  }
  if (record.kind === 'group') {
    return `g|${record.name.trim().toLowerCase()}`;
  }
  const user = record as UserRecord;
  const name = user.email ?? `${user.username ?? ''}@${user.domain ?? ''}`;
  return `u|${name.toLowerCase()}|${user.identityType ?? ''}`;
}

/** What an upload asks for. */
export interface NewBulkOperation {
  type: BulkType;
  fileName: string;
  dryRun: boolean;
  groupId?: string | undefined;
  /** The file's bytes, streamed: memory does not grow with the file. */
  file: AsyncIterable<Buffer | string>;
}

async function requireGroupFor(ctx: AppContext, actor: Actor, type: BulkType, groupId: string | undefined) {
  if (type !== 'add-group-members' && type !== 'remove-group-members') {
    return null;
  }
  if (!groupId) {
    throw new AppError(
      BulkErrorCodes.groupRequired,
      400,
      `The ${type} operation needs the user group: send its id in the groupId field.`,
      { errors: [{ field: 'groupId', message: 'required for this type' }] },
    );
  }
  const group = await findGroupNameById(ctx.db, actor.organizationId, groupId);
  if (!group) {
    throw notFound('User group');
  }
  authorize(actor, 'bulk.run', { groupId: group.id });
  authorize(actor, REQUIRED_ACTION[type], { groupId: group.id });
  return group;
}

/**
 * Reads an uploaded file into a new bulk operation and queues it for the worker: the operation
 * appears with all its rows, or not at all. File-level problems (an
 * unknown header, too many rows) refuse the upload; row-level problems fail their rows.
 *
 * The file is read ahead before anything is written: a file within HOLD_ROWS rows (every file
 * under the default row limit) is read whole first, so a refused upload costs its reading up to
 * the limit — the row limit stops the reader at row N+1, the byte limit at its byte — and never a
 * database transaction. A repeated row (the same user or group) is found while reading, so storing
 * the rows is one pass of inserts whatever the table's statistics say.
 * @returns the new operation's id
 * @throws AppError 403; 404 group; 400 `bulk.*` file errors; 413 `bulk.too_many_rows`
 */
export async function createBulkOperation(ctx: AppContext, actor: Actor, input: NewBulkOperation): Promise<string> {
  authorize(actor, 'bulk.run');
  if (input.type !== 'add-group-members' && input.type !== 'remove-group-members') {
    authorize(actor, REQUIRED_ACTION[input.type]);
  }
  const group = await requireGroupFor(ctx, actor, input.type, input.groupId);
  const { header, rows } = await openBulkCsv(input.file, { type: input.type, maxRows: ctx.config.bulk.maxRows });
  const reader = rows[Symbol.asyncIterator]();
  try {
    const held: ParsedRow[] = [];
    let more = true;
    while (held.length < HOLD_ROWS) {
      const next = await reader.next();
      if (next.done) {
        more = false;
        break;
      }
      held.push(next.value);
    }
    if (held.length === 0) {
      throw new AppError(
        BulkErrorCodes.noRows,
        400,
        'The file has a header but no data rows: add one row per user or group.',
      );
    }
    // The operation is stored `receiving`, its rows in short transactions of INSERT_ROWS each, so
    // a large file never holds the embedded database's one connection for long; a last short
    // transaction makes it `queued`, audits it and queues its job. Until then no list, page or
    // worker sees it; a failed upload deletes it, and one cut off by a crash is swept later.
    const operation = await ctx.db
      .insertInto('bulk_operations')
      .values({
        organization_id: actor.organizationId,
        type: input.type,
        file_name: input.fileName.slice(0, 255),
        dry_run: input.dryRun,
        group_id: group?.id ?? null,
        group_name: group?.name ?? null,
        status: 'receiving',
        initiator_type: actor.type,
        initiator_id: actor.id,
        initiator_label: actor.label,
        delimiter: header.delimiter,
        header: header.names,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      const store = new RowStore(ctx.db, actor.organizationId, operation.id);
      for (const row of held.splice(0)) {
        await store.add(row);
      }
      while (more) {
        const next = await reader.next();
        if (next.done) {
          more = false;
        } else {
          await store.add(next.value);
        }
      }
      await store.flush();
      await transaction(ctx.db, async (trx) => {
        const queued = await trx
          .updateTable('bulk_operations')
          .set({ status: 'queued', total_rows: store.total, processed_rows: store.failed, failed_rows: store.failed })
          .where('id', '=', operation.id)
          .where('status', '=', 'receiving')
          .executeTakeFirst();
        if (Number(queued.numUpdatedRows) !== 1) {
          throw new Error(`Bulk operation ${operation.id} disappeared while its rows were stored.`);
        }
        await recordAudit(trx, actor, {
          action: 'bulk.create',
          target: { type: 'bulk_operation', id: operation.id, label: input.fileName.slice(0, 255) },
          after: { type: input.type, dryRun: input.dryRun, rows: store.total, groupId: group?.id ?? null },
        });
        await ctx.jobs.send(processBulkJob, { operationId: operation.id }, { trx, singletonKey: operation.id });
      });
      return operation.id;
    } catch (error) {
      // The rows go with it (on delete cascade).
      await ctx.db.deleteFrom('bulk_operations').where('id', '=', operation.id).execute();
      throw error;
    }
  } finally {
    // Stops the reader (and the upload stream under it) when the upload was refused half-way.
    await reader.return?.();
  }
}

/**
 * Writes an operation's rows as they are read, INSERT_ROWS per statement. A row that repeats an
 * earlier row's user (e-mail and identity type) or group fails here, naming the first: the first
 * row of each key is remembered (about 75 bytes a row), so no statement has to find them again.
 */
class RowStore {
  total = 0;
  failed = 0;
  private chunk: ManyRow<'bulk_operation_rows'>[] = [];
  private readonly firstRowOf = new Map<string, number>();
  private readonly db: Kysely<DB>;
  private readonly organizationId: string;
  private readonly operationId: string;

  constructor(db: Kysely<DB>, organizationId: string, operationId: string) {
    this.db = db;
    this.organizationId = organizationId;
    this.operationId = operationId;
  }

  async add(row: ParsedRow): Promise<void> {
    this.total += 1;
    const key = rowKey(row);
    const first = key === null ? undefined : this.firstRowOf.get(key);
    if (key !== null && first === undefined) {
      this.firstRowOf.set(key, row.rowNumber);
    }
    let failure: { message: string; outcomes: { code: string; params: Record<string, string | number> }[] } | null =
      null;
    if (!row.record) {
      failure = {
        message: row.issues.map((issue) => issue.message).join(' '),
        outcomes: row.issues.map((issue) => ({
          code: 'bulk.row_invalid',
          params: { detail: issue.message, column: issue.column ?? '' },
        })),
      };
    } else if (first !== undefined) {
      const group = row.record.kind === 'group';
      failure = {
        message: `The same ${group ? 'group' : 'user'} is already in row ${first}: keep one row per ${group ? 'group' : 'user (e-mail and identity type)'}.`,
        outcomes: [{ code: 'bulk.duplicate_row', params: { firstRow: first } }],
      };
    }
    this.failed += failure ? 1 : 0;
    this.chunk.push({
      organization_id: this.organizationId,
      operation_id: this.operationId,
      row_number: row.rowNumber,
      cells: row.cells,
      record: row.record,
      key,
      status: failure ? 'failed' : 'pending',
      message: failure?.message ?? null,
      outcomes: failure?.outcomes ?? null,
    });
    if (this.chunk.length >= INSERT_ROWS) {
      await this.flush();
    }
  }

  async flush(): Promise<void> {
    if (this.chunk.length > 0) {
      await insertMany(this.db, 'bulk_operation_rows', this.chunk.splice(0));
    }
  }
}

/**
 * Runs a finished dry run for real: a new operation with the same rows.
 * @returns the new operation's id
 * @throws AppError 404; 409 `bulk.not_a_finished_dry_run`
 */
export async function runDryRunForReal(ctx: AppContext, actor: Actor, operationId: string): Promise<string> {
  authorize(actor, 'bulk.run');
  const source = await requireOperation(ctx, actor, operationId);
  if (source.undo && source.dryRun && source.finishedAt && source.sourceSyncRunId) {
    // The preview of a directory-sync run's undo: a new undo of the run.
    return runSyncUndoPreviewForReal(ctx, actor, {
      id: source.id,
      fileName: source.fileName,
      sourceSyncRunId: source.sourceSyncRunId,
    });
  }
  if (source.undo && source.dryRun && source.finishedAt && source.sourceOperationId) {
    // The preview of an undo runs for real as a new undo, planned against the state of now.
    return undoBulkOperation(ctx, actor, source.sourceOperationId, {
      dryRun: false,
      deleteCreatedUsers: source.deleteCreatedUsers,
    });
  }
  if (!source.dryRun || !source.finishedAt || source.status === 'failed' || source.status === 'cancelled') {
    throw new AppError(
      BulkErrorCodes.notFinishedDryRun,
      409,
      'Only a finished dry run can be run for real: wait for it to finish, or upload the file again.',
    );
  }
  const target = source.group ? { groupId: source.group.id } : undefined;
  authorize(actor, 'bulk.run', target);
  authorize(actor, REQUIRED_ACTION[source.type], target);
  return transaction(ctx.db, async (trx) => {
    const operation = await trx
      .insertInto('bulk_operations')
      .columns([
        'organization_id',
        'type',
        'file_name',
        'dry_run',
        'group_id',
        'group_name',
        'initiator_type',
        'initiator_id',
        'initiator_label',
        'delimiter',
        'header',
        'total_rows',
        'source_operation_id',
      ])
      .expression((eb) =>
        eb
          .selectFrom('bulk_operations')
          .select([
            'organization_id',
            'type',
            'file_name',
            sql<boolean>`false`.as('dry_run'),
            'group_id',
            'group_name',
            sql<string>`${actor.type}`.as('initiator_type'),
            sql<string>`${actor.id}::uuid`.as('initiator_id'),
            sql<string>`${actor.label}`.as('initiator_label'),
            'delimiter',
            'header',
            'total_rows',
            'id',
          ])
          .where('id', '=', operationId)
          .where('organization_id', '=', actor.organizationId),
      )
      .returning('id')
      .executeTakeFirstOrThrow();
    // Rows that failed to read or repeat another fail again, with the same message; the rest are pending.
    await sql`
      insert into bulk_operation_rows (organization_id, operation_id, row_number, cells, record, key, status, message, outcomes)
      select organization_id, ${operation.id}, row_number, cells, record, key,
        case when record is null or outcomes @> '[{"code":"bulk.duplicate_row"}]' then 'failed' else 'pending' end,
        case when record is null or outcomes @> '[{"code":"bulk.duplicate_row"}]' then message end,
        case when record is null or outcomes @> '[{"code":"bulk.duplicate_row"}]' then outcomes end
      from bulk_operation_rows where operation_id = ${operationId}`.execute(trx);
    await sql`
      update bulk_operations set
        failed_rows = (select count(*) from bulk_operation_rows where operation_id = ${operation.id} and status = 'failed'),
        processed_rows = (select count(*) from bulk_operation_rows where operation_id = ${operation.id} and status = 'failed')
      where id = ${operation.id}`.execute(trx);
    await recordAudit(trx, actor, {
      action: 'bulk.create',
      target: { type: 'bulk_operation', id: operation.id, label: source.fileName },
      after: { type: source.type, dryRun: false, rows: source.totalRows, fromDryRun: operationId },
    });
    await ctx.jobs.send(processBulkJob, { operationId: operation.id }, { trx, singletonKey: operation.id });
    return operation.id;
  });
}

/** The operations an actor may see: all of the organization for system admins, else their own. */
function visibleTo(actor: Actor) {
  return can(actor, 'bulk.readAll') ? null : actor.id;
}

async function requireOperation(ctx: AppContext, actor: Actor, operationId: string): Promise<BulkOperationView> {
  const owner = visibleTo(actor);
  let query = ctx.db
    .selectFrom('bulk_operations')
    .selectAll()
    .where('organization_id', '=', actor.organizationId)
    .where('id', '=', operationId)
    .where('status', '<>', 'receiving');
  if (owner) {
    query = query.where('initiator_id', '=', owner);
  }
  const row = await query.executeTakeFirst();
  if (!row) {
    throw notFound('Bulk operation');
  }
  return present(row, await undoneBy(ctx, actor.organizationId, [row.id]));
}

/**
 * One operation, with status, counts, progress and deficit report.
 * @throws AppError 403; 404
 */
export async function getBulkOperation(ctx: AppContext, actor: Actor, operationId: string): Promise<BulkOperation> {
  authorize(actor, 'bulk.run');
  return requireOperation(ctx, actor, operationId);
}

/**
 * The operations, newest first, cursor-paged. System admins see every operation of the
 * organization; other admins their own.
 */
export async function listBulkOperations(
  ctx: AppContext,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<BulkOperation>> {
  authorize(actor, 'bulk.run');
  const owner = visibleTo(actor);
  return keysetPage(query, {
    position: Positions.atId,
    read: (position, limit) => {
      let select = ctx.db
        .selectFrom('bulk_operations')
        .selectAll()
        .where('organization_id', '=', actor.organizationId)
        .where('status', '<>', 'receiving')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit);
      if (owner) {
        select = select.where('initiator_id', '=', owner);
      }
      if (position) {
        select = select.where(sql<boolean>`(created_at, id) < (${position.at}::timestamptz, ${position.id}::uuid)`);
      }
      return select.execute();
    },
    positionOf: (row) => ({ at: row.created_at.toISOString(), id: row.id }),
    present: async (page) => {
      const undone = await undoneBy(
        ctx,
        actor.organizationId,
        page.map((row) => row.id),
      );
      return page.map((row) => present(row, undone));
    },
  });
}

/** A row's user or group before and after it, as the job stored it (`bulk_operation_rows.changes`). */
type RowChanges = { before: Record<string, unknown> | null; after: Record<string, unknown> | null };

/** One page of an operation's rows, with each row's status, message and outcomes. */
export async function listBulkOperationRows(
  ctx: AppContext,
  actor: Actor,
  operationId: string,
  query: {
    status?: 'succeeded' | 'failed' | 'pending' | 'skipped' | undefined;
    limit: number;
    cursor?: string | undefined;
  },
): Promise<Page<BulkRow>> {
  authorize(actor, 'bulk.run');
  return keysetPage(query, {
    position: Positions.row,
    // The cursor is checked first, then the operation.
    read: async (position, limit) => {
      await requireOperation(ctx, actor, operationId);
      let select = ctx.db
        .selectFrom('bulk_operation_rows')
        .select(['row_number', 'status', 'message', 'outcomes', 'key', 'changes'])
        .where('operation_id', '=', operationId)
        .orderBy('row_number')
        .limit(limit);
      if (query.status) {
        select = select.where('status', '=', query.status);
      }
      if (position) {
        select = select.where('row_number', '>', position.row);
      }
      return select.execute();
    },
    positionOf: (row) => ({ row: row.row_number }),
    present: (page) =>
      page.map((row) => ({
        rowNumber: row.row_number,
        status: row.status,
        key: row.key ? (row.key.split('|')[1] ?? '') : null,
        message: messageOf(row),
        outcomes: (row.outcomes as Outcome[] | null) ?? [],
        changes: (row.changes as RowChanges | null) ?? null,
      })),
  });
}

/**
 * The results file: the original header and cells of every row, plus Status and Message.
 * Streamed in keyset pages, so memory does not grow with the file.
 */
export async function bulkResultsCsv(ctx: AppContext, actor: Actor, operationId: string) {
  authorize(actor, 'bulk.run');
  const operation = await requireOperation(ctx, actor, operationId);
  const headerRow = await ctx.db
    .selectFrom('bulk_operations')
    .select('header')
    .where('id', '=', operationId)
    .executeTakeFirstOrThrow();
  const header = [...headerRow.header, 'Status', 'Message'];
  const width = headerRow.header.length;
  const db = ctx.db;
  async function* rows() {
    let after = 0;
    for (;;) {
      const page = await db
        .selectFrom('bulk_operation_rows')
        .select(['row_number', 'cells', 'status', 'message', 'outcomes'])
        .where('operation_id', '=', operationId)
        .where('row_number', '>', after)
        .orderBy('row_number')
        .limit(2000)
        .execute();
      for (const row of page) {
        const cells = Array.from({ length: width }, (_, index) => row.cells[index] ?? '');
        yield [...cells, STATUS_LABELS[row.status] ?? row.status, messageOf(row)];
      }
      const last = page.at(-1);
      if (!last || page.length < 2000) {
        return;
      }
      after = last.row_number;
    }
  }
  return { operation, header, rows: rows() };
}

/**
 * A row's message: stored for rows that failed or were skipped; for a succeeded row, the English
 * text of its outcomes (stored results stay small, and the text follows the current wording).
 */
function messageOf(row: { status: string; message: string | null; outcomes: unknown }): string {
  if (row.message !== null) {
    return row.message;
  }
  return row.status === 'succeeded' ? ((row.outcomes as Outcome[] | null) ?? []).map(describeOutcome).join('; ') : '';
}

const STATUS_LABELS: Record<string, string> = {
  pending: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  skipped: 'Skipped',
};

/**
 * Asks a queued or running operation to stop: rows not yet applied are skipped.
 * @throws AppError 404; 409 `bulk.already_finished`
 */
export async function cancelBulkOperation(ctx: AppContext, actor: Actor, operationId: string) {
  authorize(actor, 'bulk.run');
  const operation = await requireOperation(ctx, actor, operationId);
  await transaction(ctx.db, async (trx) => {
    const updated = await trx
      .updateTable('bulk_operations')
      .set({ cancel_requested: true })
      .where('id', '=', operationId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      throw new AppError(BulkErrorCodes.alreadyFinished, 409, 'The operation has already finished.');
    }
    await recordAudit(trx, actor, {
      action: 'bulk.cancel',
      target: { type: 'bulk_operation', id: operationId, label: operation.fileName },
    });
    // A queued operation is stopped by its job on pickup; make it visible at once.
    const queued = await trx
      .updateTable('bulk_operations')
      .set({ status: 'running', started_at: sql<Date>`now()` })
      .where('id', '=', operationId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (Number(queued.numUpdatedRows) > 0) {
      const skipped = await trx
        .updateTable('bulk_operation_rows')
        .set({ status: 'skipped', message: 'Not processed: the operation was cancelled.' })
        .where('operation_id', '=', operationId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      await trx
        .updateTable('bulk_operations')
        .set({
          status: 'cancelled',
          finished_at: sql<Date>`now()`,
          processed_rows: sql<number>`processed_rows + ${Number(skipped.numUpdatedRows)}`,
          skipped_rows: sql<number>`skipped_rows + ${Number(skipped.numUpdatedRows)}`,
        })
        .where('id', '=', operationId)
        .execute();
      // Cancelled before a worker took it: it finishes here, and its initiator hears of it.
      await notifyInitiator(trx, operationId);
    }
  });
  return requireOperation(ctx, actor, operationId);
}

/**
 * Removes one finished operation's results.
 * @throws AppError 404; 409 `bulk.still_running`
 */
export async function deleteBulkOperation(ctx: AppContext, actor: Actor, operationId: string): Promise<void> {
  authorize(actor, 'bulk.run');
  const operation = await requireOperation(ctx, actor, operationId);
  if (!operation.finishedAt) {
    throw new AppError(BulkErrorCodes.stillRunning, 409, 'The operation is still running: cancel it first.');
  }
  await transaction(ctx.db, async (trx) => {
    await trx.deleteFrom('bulk_operations').where('id', '=', operationId).execute();
    await recordAudit(trx, actor, {
      action: 'bulk.delete',
      target: { type: 'bulk_operation', id: operationId, label: operation.fileName },
      before: { type: operation.type, status: operation.status, rows: operation.totalRows },
    });
  });
}

/**
 * Clears every finished operation the actor can see.
 * @returns how many were removed
 */
export async function clearBulkOperations(ctx: AppContext, actor: Actor): Promise<number> {
  authorize(actor, 'bulk.run');
  const owner = visibleTo(actor);
  let query = ctx.db
    .deleteFrom('bulk_operations')
    .where('organization_id', '=', actor.organizationId)
    .where('finished_at', 'is not', null);
  if (owner) {
    query = query.where('initiator_id', '=', owner);
  }
  return transaction(ctx.db, async (trx) => {
    const result = await trx.executeQuery(query.compile());
    const count = Number(result.numAffectedRows ?? 0);
    await recordAudit(trx, actor, { action: 'bulk.clear', target: null, after: { removed: count } });
    return count;
  });
}
