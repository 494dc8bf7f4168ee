import type { AppContext } from '../context.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { USER_CSV_HEADERS, userCsvRows } from './users.csv.ts';
import { resolveUserFilter, type UserListFilter } from './users.service.ts';

/** A users CSV file to send: its name, header and lazily produced rows. */
export interface UsersCsvFile {
  filename: string;
  header: string[];
  rows: AsyncIterable<string[]>;
}

/**
 * The users the list shows for this search and these filters, in the user CSV format (Adobe's
 * columns, ready to edit and upload as "Edit users"), streamed page by page.
 * @param ctx application context
 * @param actor who asks
 * @param filter the list's search and filters; none exports every user
 * @returns the file
 * @throws AppError 403 without `user.read`
 */
export async function exportUsers(ctx: AppContext, actor: Actor, filter: UserListFilter): Promise<UsersCsvFile> {
  authorize(actor, 'user.read');
  const resolved = await resolveUserFilter(ctx, actor.organizationId, filter);
  return {
    filename: 'users.csv',
    header: USER_CSV_HEADERS,
    rows: userCsvRows(ctx.db, actor.organizationId, resolved),
  };
}
