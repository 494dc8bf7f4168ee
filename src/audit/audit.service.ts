import { sql, type Transaction } from 'kysely';
import type { Executor } from '../db/database.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../roles/policy.ts';

/** What a change was made to. */
export interface AuditTarget {
  type: string;
  id: string | null;
  label: string | null;
}

/** One change to record. `before`/`after` hold the changed fields only, never secrets. */
export interface AuditEntry {
  action: string;
  target?: AuditTarget | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/**
 * Records a change in the audit log. Takes a transaction, never the root database, so the
 * record commits or rolls back with the change it describes.
 * @param trx the transaction the change is made in
 * @param actor who made it
 * @param entry what was done to what
 */
export async function recordAudit(trx: Transaction<DB>, actor: Actor, entry: AuditEntry): Promise<void> {
  await insertAuditEvents(trx, actor, [entry]);
}

/**
 * Records an event that is not part of a change (a failed sign-in, a refused request): it has no
 * transaction of its own to join.
 * @param db the root database or a transaction
 * @param actor who tried
 * @param entry what they tried
 */
/**
 * Records many changes at once (one statement): for set-based services that change many targets.
 * @param trx the transaction the changes are made in
 * @param actor who made them
 * @param entries what was done to what
 */
export async function recordAudits(trx: Transaction<DB>, actor: Actor, entries: AuditEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 1000) {
    await insertAuditEvents(trx, actor, entries.slice(start, start + 1000));
  }
}

/**
 * Most ids one audit event holds. A change naming more ids (members added to or removed from a
 * group) is recorded as several events of the same action, each with its part of the ids and
 * `part`/`parts`: nothing is truncated, and no event grows without bound. (A deleted group's
 * members are kept once, in its `group_deletions` row, not in events.)
 */
export const AUDIT_IDS_PER_EVENT = 10_000;

/**
 * Records a change with every id it touched, in parts of at most AUDIT_IDS_PER_EVENT ids: one
 * event when they fit (no `part`), else one per part, each with the entry's fields.
 * @param trx the transaction the change is made in
 * @param actor who made it
 * @param entry what was done to what
 * @param ids where the ids go (`before` or `after`, under `key`) and the ids
 * @param perEvent most ids per event (tests use fewer)
 */
export async function recordAuditWithIds(
  trx: Transaction<DB>,
  actor: Actor,
  entry: AuditEntry,
  ids: { side: 'before' | 'after'; key: string; values: string[] },
  perEvent = AUDIT_IDS_PER_EVENT,
): Promise<void> {
  const parts = Math.max(1, Math.ceil(ids.values.length / perEvent));
  const entries = Array.from({ length: parts }, (_, index) => {
    const values = ids.values.slice(index * perEvent, (index + 1) * perEvent);
    return {
      ...entry,
      [ids.side]: { ...entry[ids.side], [ids.key]: values, ...(parts > 1 ? { part: index + 1, parts } : {}) },
    };
  });
  await recordAudits(trx, actor, entries);
}

export async function recordSecurityEvent(db: Executor, actor: Actor, entry: AuditEntry): Promise<void> {
  await insertAuditEvents(db, actor, [entry]);
}

async function insertAuditEvents(db: Executor, actor: Actor, entries: AuditEntry[]): Promise<void> {
  await insertMany(
    db,
    'audit_events',
    entries.map((entry) => ({
      organization_id: actor.organizationId,
      actor_type: actor.type,
      actor_id: actor.id,
      actor_label: actor.label,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      target_label: entry.target?.label ?? null,
      before: entry.before ?? null,
      after: entry.after ?? null,
      source_ip: actor.sourceIp,
      user_agent: actor.userAgent?.slice(0, 512) ?? null,
      operation_id: actor.operationId ?? null,
    })),
  );
}

/**
 * Who changed each of these targets last and when, from the audit log (one query): an undo names
 * them when it finds an item changed since the operation it undoes.
 * @param db database or transaction
 * @param organizationId the tenant
 * @param targetIds the targets' ids as the audit log records them
 * @returns target id → the last change's actor label (`unknown` when none was recorded) and time (ISO 8601)
 */
export async function findLastChangesByTargetIds(
  db: Executor,
  organizationId: string,
  targetIds: string[],
): Promise<Map<string, { by: string; at: string }>> {
  const found = new Map<string, { by: string; at: string }>();
  if (targetIds.length === 0) {
    return found;
  }
  const rows = await sql<{ target_id: string; actor_label: string | null; at: Date }>`
    select distinct on (target_id) target_id, actor_label, at from audit_events
    where organization_id = ${organizationId} and target_id = any(${targetIds}::text[])
    order by target_id, id desc`.execute(db);
  for (const row of rows.rows) {
    found.set(row.target_id, { by: row.actor_label ?? 'unknown', at: new Date(row.at).toISOString() });
  }
  return found;
}
