import type { AuditEvent } from '../../shared/api/audit.ts';
import type { AuditSort } from '../../shared/contracts.ts';
import type { AppContext } from '../context.ts';
import { keysetPage, Positions, sortedPosition } from '../core/paging.ts';
import type { CappedCount } from '../db/count-capped.ts';
import type { AuditEventRow } from '../db/schema.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { type AuditFilter, countAuditEvents, findAuditEventsByOrganizationId } from './audit.queries.ts';

/** Query of the audit list and export, as the HTTP layer validated it. */
export interface AuditQuery {
  action?: string | undefined;
  actor?: string | undefined;
  target?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

function toFilter(query: AuditQuery): AuditFilter {
  return {
    action: query.action,
    actor: query.actor,
    target: query.target,
    since: query.since ? new Date(query.since) : undefined,
    until: query.until ? new Date(query.until) : undefined,
  };
}

/** Presents one audit event. */
function presentAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id, label: row.actor_label },
    action: row.action,
    target:
      row.target_type || row.target_id ? { type: row.target_type, id: row.target_id, label: row.target_label } : null,
    before: (row.before as Record<string, unknown> | null) ?? null,
    after: (row.after as Record<string, unknown> | null) ?? null,
    source: { ip: row.source_ip, userAgent: row.user_agent },
  };
}

/**
 * One page of the audit log; the first page also counts the events matching (capped at 10,000).
 * @throws AppError 403 without `audit.read`; 400 for a cursor that is not ours
 */
export async function listAuditEvents(
  ctx: AppContext,
  actor: Actor,
  query: AuditQuery & { limit: number; cursor?: string | undefined; sort?: AuditSort | undefined },
) {
  authorize(actor, 'audit.read');
  const sort = query.sort ?? '-at';
  const oldestFirst = sort === 'at';
  const page = await keysetPage(query, {
    position: sortedPosition(Positions.id, sort),
    read: (position, limit) =>
      findAuditEventsByOrganizationId(ctx.db, actor.organizationId, toFilter(query), {
        limit,
        oldestFirst,
        ...(oldestFirst ? { afterId: position?.id } : { beforeId: position?.id }),
      }),
    positionOf: (row) => ({ id: row.id, s: sort }),
    present: (page) => page.map(presentAuditEvent),
  });
  const total: CappedCount | null = query.cursor
    ? null
    : await countAuditEvents(ctx.db, actor.organizationId, toFilter(query));
  return { ...page, total };
}

export const AUDIT_CSV_HEADER = [
  'ID',
  'Time',
  'Actor Type',
  'Actor ID',
  'Actor',
  'Action',
  'Target Type',
  'Target ID',
  'Target',
  'Before',
  'After',
  'Source IP',
  'User Agent',
];

/**
 * The rows of the audit CSV export, read page by page (keyset) so memory stays flat.
 * @throws AppError 403 without `audit.read` (checked before the first byte is sent)
 */
export async function auditCsvRows(ctx: AppContext, actor: Actor, query: AuditQuery) {
  authorize(actor, 'audit.read');
  const filter = toFilter(query);
  return (async function* () {
    let beforeId: number | undefined;
    for (;;) {
      const rows = await findAuditEventsByOrganizationId(ctx.db, actor.organizationId, filter, {
        limit: 1000,
        beforeId,
      });
      for (const row of rows) {
        yield [
          row.id,
          row.at.toISOString(),
          row.actor_type,
          row.actor_id,
          row.actor_label,
          row.action,
          row.target_type,
          row.target_id,
          row.target_label,
          row.before === null ? '' : JSON.stringify(row.before),
          row.after === null ? '' : JSON.stringify(row.after),
          row.source_ip,
          row.user_agent,
        ];
      }
      if (rows.length < 1000) {
        return;
      }
      beforeId = rows.at(-1)?.id;
    }
  })();
}
