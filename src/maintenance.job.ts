import { sql } from 'kysely';
import { deleteStaleRateLimits } from './auth/rate-limit.ts';
import { deleteExpiredSessions } from './auth/sessions.queries.ts';
import type { AppContext } from './context.ts';
import { defineJob } from './jobs/queue.ts';
import { deleteExpiredAccessTokens } from './umapi/umapi.tokens.ts';

/**
 * Hourly housekeeping: expired and idle sessions, old rate-limit counters, expired setup links,
 * expired UMAPI access tokens.
 * Idempotent, so a retry or a second worker running it does no harm.
 */
export const maintenanceJob = defineJob<Record<string, never>, AppContext>({
  name: 'maintenance.cleanup',
  schedule: '17 * * * *',
  options: { retryLimit: 2, expireInSeconds: 600 },
  async perform(ctx) {
    await deleteExpiredSessions(ctx.db, ctx.config.session.idleMinutes);
    await deleteStaleRateLimits(ctx.db, Math.max(ctx.config.login.windowMinutes * 4, 60));
    await ctx.db.deleteFrom('setup_tokens').where('expires_at', '<', sql<Date>`now()`).execute();
    await deleteExpiredAccessTokens(ctx);
  },
});
