import type { AppContext } from '../context.ts';
import { defineJob } from '../jobs/queue.ts';
import { deliverDueMessages } from './delivery.ts';

/**
 * Every minute, one worker sends what is due in the outbox: the safety net under each worker's
 * faster loop (USHER_OUTBOX_POLL_SECONDS), and the retry clock. Claims use SKIP LOCKED, so it may
 * overlap with the loops of any number of workers. USHER_OUTBOX_POLL_SECONDS=0 turns it off too.
 */
export const outboxDeliverJob = defineJob<Record<string, never>, AppContext>({
  name: 'outbox.deliver',
  schedule: '* * * * *',
  options: { retryLimit: 0, expireInSeconds: 900 },
  async perform(ctx) {
    if (ctx.config.outboxPollSeconds === 0) {
      return;
    }
    await deliverDueMessages(ctx);
  },
});
