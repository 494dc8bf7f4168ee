import { sql } from 'kysely';
import { type CappedCount, countCapped } from '../db/count-capped.ts';
import type { Executor } from '../db/database.ts';
import { likeContains } from '../db/like.ts';
import type { AuditEventRow } from '../db/schema.ts';

/** Filters of the audit log list and export. */
export interface AuditFilter {
  /** An exact action (`auth.login`) or a prefix ending in `.` or `.*` (`auth.*`). */
  action?: string | undefined;
  /** An actor id, or part of the actor's label (e-mail or token name). */
  actor?: string | undefined;
  /** A target id, or part of the target's label. */
  target?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One page of an organization's audit events, newest first, after the keyset cursor `beforeId`.
 * @param db database or transaction
 * @param organizationId the tenant
 * @param filter the filters
 * @param page `limit` rows, older than `beforeId` when given
 * @returns up to `limit` rows
 */
export async function findAuditEventsByOrganizationId(
  db: Executor,
  organizationId: string,
  filter: AuditFilter,
  page: {
    limit: number;
    beforeId?: number | undefined;
    afterId?: number | undefined;
    /** Oldest first (ids grow with time); newest first otherwise. */
    oldestFirst?: boolean | undefined;
  },
): Promise<AuditEventRow[]> {
  let query = selectAuditEvents(db, organizationId, filter);
  if (page.beforeId !== undefined) {
    query = query.where('id', '<', page.beforeId);
  }
  if (page.afterId !== undefined) {
    query = query.where('id', '>', page.afterId);
  }
  return query
    .orderBy('id', page.oldestFirst ? 'asc' : 'desc')
    .limit(page.limit)
    .execute();
}

/**
 * Counts the organization's audit events matching a filter (capped at 10,000: "more than").
 * @returns the count
 */
export function countAuditEvents(db: Executor, organizationId: string, filter: AuditFilter): Promise<CappedCount> {
  return countCapped(db, selectAuditEvents(db, organizationId, filter).clearSelect().select('id'));
}

/** The organization's audit events matching a filter, unordered (the list's and its count's query). */
function selectAuditEvents(db: Executor, organizationId: string, filter: AuditFilter) {
  let query = db.selectFrom('audit_events').selectAll().where('organization_id', '=', organizationId);
  if (filter.action) {
    const prefix = filter.action.replace(/\*$/, '');
    query = prefix.endsWith('.')
      ? query.where('action', 'like', `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`)
      : query.where('action', '=', filter.action);
  }
  for (const [value, idColumn, labelColumn] of [
    [filter.actor, 'actor_id', 'actor_label'],
    [filter.target, 'target_id', 'target_label'],
  ] as const) {
    if (!value) {
      continue;
    }
    query = UUID.test(value)
      ? query.where(idColumn, '=', value.toLowerCase())
      : query.where(sql<string>`coalesce(${sql.ref(labelColumn)}, '')`, 'ilike', likeContains(value));
  }
  if (filter.since) {
    query = query.where('at', '>=', filter.since);
  }
  if (filter.until) {
    query = query.where('at', '<', filter.until);
  }
  return query;
}
