import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import { defineJob } from '../jobs/queue.ts';
import { type GroupGrant, queueWelcomeForGroupGrant } from './welcome.ts';

/** The grant (see `GroupGrant`); jobs queued before grants named their group have none. */
type WelcomeFanoutProps = Omit<GroupGrant, 'groupId' | 'joinedOnly'> &
  Partial<Pick<GroupGrant, 'groupId' | 'joinedOnly'>>;

/**
 * Writes the welcome e-mails of a large grant (a profile given to a group of any size) into the
 * outbox after the grant committed, so the request that made the grant stays fast. Idempotent:
 * messages carry a dedupe key.
 */
export const welcomeFanoutJob = defineJob<WelcomeFanoutProps, AppContext>({
  name: 'outbox.welcome_fanout',
  options: { retryLimit: 10, expireInSeconds: 3600 },
  async perform(ctx, props, run) {
    if (!props.groupId) {
      // Queued before licenses through groups stopped being written per member: nothing names
      // who gained them any more.
      return;
    }
    const grant: GroupGrant = { ...props, groupId: props.groupId, joinedOnly: props.joinedOnly ?? false };
    if (ctx.database.kind === 'postgres') {
      await queueWelcomeForGroupGrant(ctx.db, grant, null, null);
      return;
    }
    // The embedded database is one session: write the e-mails in chunks, letting the requests that
    // queued meanwhile go between them, and stop between chunks when the process is stopping.
    let after: string | null = null;
    do {
      after = await queueWelcomeForGroupGrant(ctx.db, grant, after, EMBEDDED_CHUNK_USERS);
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
 * Schedules, inside the granting transaction, the welcome e-mails of a grant through a group (a
 * profile given to it, or members added): the job exists exactly when the grant commits.
 * @param ctx the app (its job queue)
 * @param trx the granting transaction
 * @param grant the group, the products it gave and whether only the members who joined gained them
 */
export async function scheduleWelcomeForGrant(
  ctx: AppContext,
  trx: Transaction<DB>,
  organizationId: string,
  grant: Pick<GroupGrant, 'groupId' | 'productIds' | 'joinedOnly'>,
): Promise<void> {
  if (grant.productIds.length === 0) {
    return;
  }
  const { rows } = await sql<{ now: string }>`select now()::text as now`.execute(trx);
  await ctx.jobs.send(welcomeFanoutJob, { organizationId, ...grant, grantedAt: rows[0]?.now ?? '' }, { trx });
}
