import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import { defineJob } from '../jobs/queue.ts';
import { queueWelcomeChunk, queueWelcomeForLicensesGrantedAt } from './welcome.ts';

interface WelcomeFanoutProps {
  organizationId: string;
  productIds: string[];
  /** The granting transaction's `now()`, as PostgreSQL text. */
  grantedAt: string;
}

/**
 * Writes the welcome e-mails of a large grant (a profile given to a group of any size) into the
 * outbox after the grant committed, so the request that made the grant stays fast. Idempotent:
 * messages carry a dedupe key.
 */
export const welcomeFanoutJob = defineJob<WelcomeFanoutProps, AppContext>({
  name: 'outbox.welcome_fanout',
  options: { retryLimit: 10, expireInSeconds: 3600 },
  async perform(ctx, props, run) {
    if (ctx.database.kind === 'postgres') {
      await queueWelcomeForLicensesGrantedAt(ctx.db, props.organizationId, props.productIds, props.grantedAt);
      return;
    }
    // The embedded database is one session: write the e-mails in chunks, letting the requests that
    // queued meanwhile go between them, and stop between chunks when the process is stopping.
    let after: string | null = null;
    do {
      after = await queueWelcomeChunk(
        ctx.db,
        props.organizationId,
        props.productIds,
        props.grantedAt,
        after,
        EMBEDDED_CHUNK_USERS,
      );
      await new Promise((resolve) => setImmediate(resolve));
      if (run.signal.aborted) {
        throw new Error('The worker is stopping: the welcome e-mails resume with the next start.');
      }
    } while (after !== null);
  },
});

/** Users per statement when the welcome e-mails are written on the embedded database. */
const EMBEDDED_CHUNK_USERS = 1000;

/**
 * Schedules, inside the granting transaction, the welcome e-mails for every license it granted
 * of these products: the job exists exactly when the grant commits.
 * @param ctx the app (its job queue)
 * @param trx the granting transaction
 */
export async function scheduleWelcomeForGrant(
  ctx: AppContext,
  trx: Transaction<DB>,
  organizationId: string,
  productIds: string[],
): Promise<void> {
  if (productIds.length === 0) {
    return;
  }
  const { rows } = await sql<{ now: string }>`select now()::text as now`.execute(trx);
  await ctx.jobs.send(welcomeFanoutJob, { organizationId, productIds, grantedAt: rows[0]?.now ?? '' }, { trx });
}
