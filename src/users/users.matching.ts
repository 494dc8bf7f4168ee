import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { type CappedCount, COUNT_CAP, countCapped } from '../db/count-capped.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { UserErrorCodes } from './users.errors.ts';
import { applyUserFilter } from './users.queries.ts';
import { resolveUserFilter, type UserListFilter } from './users.service.ts';

/** The most users an action on "all matching" the list's filters takes in one request. */
export const MATCHING_MAX = COUNT_CAP;

async function matchingQuery(ctx: AppContext, actor: Actor, query: UserListFilter) {
  const filter = await resolveUserFilter(ctx, actor.organizationId, query);
  return applyUserFilter(
    ctx.db.selectFrom('users').select('users.id').where('users.organization_id', '=', actor.organizationId),
    actor.organizationId,
    filter,
  );
}

/**
 * How many users the list shows for this search and filters: exact up to 10,000, else "more
 * than 10,000" (the count reads at most 10,001 index entries, so it costs the same at any size).
 * @throws AppError 403 without `user.read`
 */
export async function countUsers(ctx: AppContext, actor: Actor, query: UserListFilter): Promise<CappedCount> {
  authorize(actor, 'user.read');
  return countCapped(ctx.db, await matchingQuery(ctx, actor, query));
}

/**
 * The ids of every user matching the list's search and filters ("select all N matching"), for an
 * action that then runs on them as if they had been chosen one by one.
 * @param options.skipRemoved leave out removed users (an action that does not apply to them)
 * @param options.field the request field the filter came in, for the error
 * @returns the ids, in no particular order
 * @throws AppError 403 without `user.read`; 422 `users.too_many_matching` above 10,000 users
 */
export async function findMatchingUserIds(
  ctx: AppContext,
  actor: Actor,
  query: UserListFilter,
  options: { skipRemoved: boolean; field: string },
): Promise<string[]> {
  authorize(actor, 'user.read');
  let select = await matchingQuery(ctx, actor, query);
  if (options.skipRemoved) {
    select = select.where('users.status', '<>', 'removed');
  }
  const rows = await select.limit(MATCHING_MAX + 1).execute();
  if (rows.length > MATCHING_MAX) {
    throw new AppError(
      UserErrorCodes.tooManyMatching,
      422,
      `More than ${MATCHING_MAX} users match: narrow the search or filters, or use a CSV file (bulk operations) for this many.`,
      { errors: [{ field: options.field, message: `matches more than ${MATCHING_MAX} users` }] },
    );
  }
  return rows.map((row) => row.id);
}
