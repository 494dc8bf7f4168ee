import { cleanupBulkJob, processBulkJob } from './bulk/bulk.job.ts';
import type { AppContext } from './context.ts';
import type { JobDefinition } from './jobs/queue.ts';
import { maintenanceJob } from './maintenance.job.ts';
import { outboxDeliverJob } from './outbox/deliver.job.ts';
import { welcomeFanoutJob } from './outbox/welcome-fanout.job.ts';
import { runSyncJob, scheduleSyncJob } from './sync/sync.job.ts';

/** Every background job Usher runs. A capability adds its jobs here. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds jobs of every props type.
export const JOBS: JobDefinition<any, AppContext>[] = [
  maintenanceJob,
  welcomeFanoutJob,
  processBulkJob,
  cleanupBulkJob,
  outboxDeliverJob,
  runSyncJob,
  scheduleSyncJob,
];
