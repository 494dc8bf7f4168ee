import { recordAudit } from '../audit/audit.service.ts';
import type { RowChange } from '../bulk/bulk.apply.ts';
import { undoSyncRunOperation } from '../bulk/bulk.undo.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { SyncErrorCodes } from './sync.errors.ts';
import { findSyncByDirectoryId, findSyncRunUserStatesByRunId, lockSyncRunById } from './sync.queries.ts';

/** Outcomes read per step when an undo's rows are written. */
const PAGE = 1000;

/**
 * Starts the undo of a directory-sync run that ran for real: a bulk operation (`undo`, naming the
 * run) whose rows are the users the run changed, with the states before and after it recorded,
 * applied by the bulk undo's handler through the change engine's commands. Users the run created
 * are removed, details set back, memberships and profiles it gave taken and those it took given
 * back, users it removed restored; a user changed since by anyone else is a conflict, listed and
 * skipped. Who may run the sync may undo it. The connection's next run applies the directory
 * again (unless its schedule is off).
 * @returns the undo operation's id
 * @throws AppError 403; 404; 409 a preview, not finished, nothing to undo, already undone
 */
export async function undoSyncRun(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  runId: string,
  options: { dryRun: boolean },
): Promise<{ id: string }> {
  authorize(actor, 'domain.manage');
  return transaction(ctx.db, async (trx) => {
    // One undo at a time per run: the run's row is locked while the undo is created.
    const run = await lockSyncRunById(trx, actor.organizationId, runId);
    if (!run || run.directory_id !== directoryId) {
      throw notFound('Sync run');
    }
    if (run.dry_run) {
      throw new AppError(
        SyncErrorCodes.undoOfPreview,
        409,
        'A preview changed nothing, so there is nothing to undo: undo a run that applied the directory.',
      );
    }
    if (run.status === 'queued' || run.status === 'running') {
      throw new AppError(
        SyncErrorCodes.runNotFinished,
        409,
        'The run has not finished yet: wait for it, then undo it.',
      );
    }
    const first = await findSyncRunUserStatesByRunId(trx, actor.organizationId, runId, { limit: 1, afterSeq: 0 });
    if (first.length === 0) {
      throw new AppError(
        SyncErrorCodes.nothingToUndo,
        409,
        'The run changed no user (or kept no record of what it changed): there is nothing to undo.',
      );
    }
    const sync = await findSyncByDirectoryId(trx, actor.organizationId, directoryId);
    const directory = sync?.directory_name ?? directoryId;
    const id = await undoSyncRunOperation(
      ctx,
      trx,
      actor,
      {
        id: runId,
        label: `Directory sync: ${directory}, run of ${run.created_at.toISOString()}`,
        rows: async (write) => {
          let after = 0;
          for (;;) {
            const page = await findSyncRunUserStatesByRunId(trx, actor.organizationId, runId, {
              limit: PAGE,
              afterSeq: after,
            });
            const last = page.at(-1);
            if (!last) {
              return;
            }
            after = last.seq;
            await write(
              page.map((row) => ({
                rowNumber: row.seq,
                cells: [row.email ?? '', row.dn ?? '', row.action],
                // As an uploaded row's key: the user's e-mail (the results show it).
                key: row.email ? `u|${row.email.toLowerCase()}|` : null,
                change: row.states as unknown as RowChange,
              })),
            );
          }
        },
      },
      options,
    );
    // On the directory as its runs are: the undone run's id and the undo operation's.
    await recordAudit(trx, actor, {
      action: options.dryRun ? 'directory.sync_run_undo_preview' : 'directory.sync_run_undo',
      target: { type: 'directory', id: directoryId, label: sync?.directory_name ?? null },
      after: { runId, operationId: id },
    });
    return { id };
  });
}
