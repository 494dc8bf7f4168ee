import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import { defineJob } from '../jobs/queue.ts';
import {
  advanceDueSync,
  deleteStaleSyncRunWorkingSets,
  deleteSyncRunsFinishedBefore,
  failStaleSyncRuns,
  findActiveSyncRunByDirectoryId,
  findDueSyncs,
  insertSyncRun,
} from './sync.queries.ts';
import { performSyncRun } from './sync.run.ts';

/** Runs one queued directory sync run (or preview). */
export const runSyncJob = defineJob<{ organizationId: string; runId: string }, AppContext>({
  name: 'directory-sync.run',
  // A run records its own failure; a retry is only for a worker that died, and the claim makes
  // a redelivered run that already finished a no-op.
  options: { retryLimit: 1, expireInSeconds: 3 * 3600 },
  async perform(ctx, props) {
    await performSyncRun(ctx, props.organizationId, props.runId);
  },
});

/**
 * Every minute: queues a run for each connection whose schedule is due (unless one is queued or
 * running), marks runs whose worker stopped as failed (and deletes their working sets), and
 * deletes results past the retention period (USHER_BULK_RESULTS_DAYS, as for bulk operations).
 */
export const scheduleSyncJob = defineJob<Record<string, never>, AppContext>({
  name: 'directory-sync.schedule',
  schedule: '* * * * *',
  options: { retryLimit: 0, expireInSeconds: 300 },
  async perform(ctx) {
    await failStaleSyncRuns(ctx.db, 'The worker running this sync stopped (restart or crash); run it again.');
    await deleteStaleSyncRunWorkingSets(ctx.db);
    await deleteSyncRunsFinishedBefore(ctx.db, ctx.config.bulk.resultsDays);
    await queueDueSyncRuns(ctx);
  },
});

/**
 * Queues runs of the connections whose schedule is due, moving each one's next run forward.
 * @returns how many runs were queued
 */
export async function queueDueSyncRuns(ctx: AppContext): Promise<number> {
  let queued = 0;
  for (const due of await findDueSyncs(ctx.db, 100)) {
    await transaction(ctx.db, async (trx) => {
      const taken = await advanceDueSync(trx, due.organization_id, due.directory_id, due.interval_minutes);
      if (!taken || (await findActiveSyncRunByDirectoryId(trx, due.organization_id, due.directory_id))) {
        return;
      }
      const run = await insertSyncRun(trx, {
        organization_id: due.organization_id,
        directory_id: due.directory_id,
        trigger: 'schedule',
        initiator_type: 'system',
        initiator_id: null,
        initiator_label: 'Schedule',
      });
      await ctx.jobs.send(runSyncJob, { organizationId: due.organization_id, runId: run.id }, { trx });
      queued += 1;
    });
  }
  return queued;
}
