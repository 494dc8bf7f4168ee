import { sql } from 'kysely';
import type { OutboxBacklog, OutboxMessage, OutboxMessageDetail } from '../../shared/api/outbox.ts';
import { OUTBOX_STATUSES, type OutboxStatus } from '../../shared/contracts.ts';
import { recordAudit, recordAuditWithIds } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { keysetPage, Positions } from '../core/paging.ts';
import { type CappedCount, countCapped } from '../db/count-capped.ts';
import { transaction } from '../db/database.ts';
import { renderMail } from '../mail/render.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { heldBacklogs, NEVER_HELD_KINDS } from './delivery.ts';
import { OutboxErrorCodes } from './outbox.errors.ts';

export { OUTBOX_STATUSES, type OutboxStatus };

interface OutboxRow {
  id: string;
  kind: string;
  user_id: string | null;
  to_address: string;
  locale: string;
  data: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
  created_key: string;
  organization_name: string;
  first_name: string | null;
}

function render(ctx: AppContext, row: OutboxRow) {
  try {
    return renderMail({
      kind: row.kind,
      locale: row.locale,
      data: row.data ?? {},
      organizationName: row.organization_name,
      recipientName: row.first_name,
      publicUrl: ctx.config.publicUrl,
    });
  } catch (error) {
    return { subject: `(${String(error)})`, text: '', html: '' };
  }
}

function present(ctx: AppContext, row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    kind: row.kind,
    to: row.to_address,
    userId: row.user_id,
    locale: row.locale,
    status: row.status,
    // Queued again after a failed attempt: the page shows "retrying at".
    retrying: row.status === 'queued' && row.attempts > 0,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'queued' || row.status === 'sending' ? row.next_attempt_at.toISOString() : null,
    lastError: row.last_error,
    sentAt: row.sent_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    subject: render(ctx, row).subject,
  };
}

function selectMessages(ctx: AppContext, organizationId: string) {
  return ctx.db
    .selectFrom('outbox_messages as m')
    .innerJoin('organizations as o', 'o.id', 'm.organization_id')
    .leftJoin('users as u', (join) =>
      join.onRef('u.organization_id', '=', 'm.organization_id').onRef('u.id', '=', 'm.user_id'),
    )
    .select([
      'm.id',
      'm.kind',
      'm.user_id',
      'm.to_address',
      'm.locale',
      'm.data',
      'm.status',
      'm.attempts',
      'm.next_attempt_at',
      'm.last_error',
      'm.sent_at',
      'm.created_at',
      sql<string>`m.created_at::text`.as('created_key'),
      'o.name as organization_name',
      'u.first_name',
    ])
    .where('m.organization_id', '=', organizationId);
}

/** The outbox list's filters besides status, shared by the list and by discarding. */
export interface OutboxFilter {
  kind?: string | undefined;
  /** Part of the recipient's address, any case. */
  q?: string | undefined;
  /** Only messages created before this instant (ISO 8601). */
  createdBefore?: string | undefined;
}

/** The filter as conditions on `outbox_messages as m`. */
function filterConditions(filter: OutboxFilter) {
  const conditions = [];
  if (filter.kind) {
    conditions.push(sql<boolean>`m.kind = ${filter.kind}`);
  }
  if (filter.q) {
    const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql<boolean>`lower(m.to_address) like ${pattern}`);
  }
  if (filter.createdBefore) {
    conditions.push(sql<boolean>`m.created_at < ${filter.createdBefore}::timestamptz`);
  }
  return conditions;
}

/** The organization's messages of a status and filter (the list's and its count's query). */
function selectFiltered(
  ctx: AppContext,
  organizationId: string,
  query: OutboxFilter & { status?: OutboxStatus | undefined },
) {
  let select = selectMessages(ctx, organizationId);
  if (query.status) {
    select = select.where('m.status', '=', query.status);
  }
  for (const condition of filterConditions(query)) {
    select = select.where(condition);
  }
  return select;
}

/**
 * One page of the organization's outbox, newest first, each message with its rendered subject; the
 * first page also counts the messages matching (capped at 10,000).
 * @throws AppError 403 without `outbox.read`; 400 for a foreign cursor
 */
export async function listOutbox(
  ctx: AppContext,
  actor: Actor,
  query: OutboxFilter & { status?: OutboxStatus | undefined; limit: number; cursor?: string | undefined },
) {
  authorize(actor, 'outbox.read');
  const page = await keysetPage(query, {
    position: Positions.atId,
    read: async (position, limit) => {
      let select = selectFiltered(ctx, actor.organizationId, query);
      if (position) {
        select = select.where(sql<boolean>`(m.created_at, m.id) < (${position.at}::timestamptz, ${position.id}::uuid)`);
      }
      return (await select
        .orderBy('m.created_at', 'desc')
        .orderBy('m.id', 'desc')
        .limit(limit)
        .execute()) as OutboxRow[];
    },
    positionOf: (row) => ({ at: row.created_key, id: row.id }),
    present: (page) => page.map((row) => present(ctx, row)),
  });
  const total: CappedCount | null = query.cursor
    ? null
    : await countCapped(ctx.db, selectFiltered(ctx, actor.organizationId, query).clearSelect().select('m.id'));
  return { ...page, total };
}

/**
 * One message of the outbox, rendered (subject, text and HTML) as it goes or went out.
 * @throws AppError 403 without `outbox.read`; 404 `outbox.not_found`
 */
export async function getOutboxMessage(ctx: AppContext, actor: Actor, id: string): Promise<OutboxMessageDetail> {
  authorize(actor, 'outbox.read');
  const row = (await selectMessages(ctx, actor.organizationId).where('m.id', '=', id).executeTakeFirst()) as
    | OutboxRow
    | undefined;
  if (!row) {
    throw new AppError(OutboxErrorCodes.notFound, 404, 'No such message in the outbox of your organization.');
  }
  const rendered = render(ctx, row);
  return { ...present(ctx, row), text: rendered.text, html: rendered.html };
}

/**
 * Sends a failed (or waiting-to-retry) message again as soon as a worker can: it goes back to
 * `queued`, due now, with its attempts counted from zero. Audited.
 * @throws AppError 403 without `outbox.retry`; 404; 409 `outbox.not_retryable` for a message that is
 *   sent or being sent
 */
export async function retryOutboxMessage(ctx: AppContext, actor: Actor, id: string) {
  authorize(actor, 'outbox.retry');
  await transaction(ctx.db, async (trx) => {
    const row = await trx
      .selectFrom('outbox_messages')
      .select(['id', 'status', 'to_address', 'kind', 'last_error', 'attempts'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) {
      throw new AppError(OutboxErrorCodes.notFound, 404, 'No such message in the outbox of your organization.');
    }
    if (row.status !== 'failed' && row.status !== 'queued') {
      throw new AppError(
        OutboxErrorCodes.notRetryable,
        409,
        `The message is ${row.status}: only failed messages and messages waiting to retry can be sent again.`,
      );
    }
    await trx
      .updateTable('outbox_messages')
      .set({ status: 'queued', attempts: 0, next_attempt_at: sql<Date>`now()`, last_error: null })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', id)
      .execute();
    await recordAudit(trx, actor, {
      action: 'outbox.retry',
      target: { type: 'outbox_message', id: row.id, label: `${row.kind} → ${row.to_address}` },
      before: { status: row.status, attempts: row.attempts, lastError: row.last_error },
      after: { status: 'queued' },
    });
  });
  return getOutboxMessage(ctx, actor, id);
}

/** Which queued messages to discard: these ids, or every queued message the filter matches. */
export type DiscardInput = { ids: string[]; filter?: undefined } | { ids?: undefined; filter: OutboxFilter };

/**
 * Discards queued messages so they are never sent: by id, or every queued message matching the
 * list's filters. Messages that are sending, sent, failed or already discarded are left alone
 * (and not counted). They stay in the outbox as `discarded`. Audited in the same transaction with
 * the filter, the count and every id (their status before was `queued`).
 * @throws AppError 403 without `outbox.discard`
 * @returns how many messages were discarded
 */
export async function discardOutboxMessages(ctx: AppContext, actor: Actor, input: DiscardInput) {
  authorize(actor, 'outbox.discard');
  return transaction(ctx.db, async (trx) => {
    let update = trx
      .updateTable('outbox_messages as m')
      .set({ status: 'discarded', next_attempt_at: sql<Date>`now()` })
      .where('m.organization_id', '=', actor.organizationId)
      .where('m.status', '=', 'queued');
    if (input.ids) {
      if (input.ids.length === 0) {
        return { discarded: 0 };
      }
      update = update.where('m.id', 'in', input.ids);
    } else {
      for (const condition of filterConditions(input.filter)) {
        update = update.where(condition);
      }
    }
    const rows = await update.returning(['m.id']).execute();
    const ids = rows.map((row) => row.id);
    if (ids.length > 0) {
      await recordAuditWithIds(
        trx,
        actor,
        {
          action: 'outbox.discard',
          target: { type: 'outbox', id: null, label: `${ids.length} queued e-mails` },
          before: { status: 'queued' },
          after: { status: 'discarded', discarded: ids.length, filter: input.filter ?? null },
        },
        { side: 'before', key: 'ids', values: ids },
      );
    }
    return { discarded: ids.length };
  });
}

/**
 * The organization's held backlog, if any: how many queued messages wait for "Send all" or
 * "Discard all", and since when (see `heldBacklogs`).
 * @throws AppError 403 without `outbox.read`
 */
export async function getOutboxBacklog(ctx: AppContext, actor: Actor): Promise<OutboxBacklog> {
  authorize(actor, 'outbox.read');
  const held = await sql<{ oldest: Date }>`
    with held as (${heldBacklogs}) select oldest from held where organization_id = ${actor.organizationId}`.execute(
    ctx.db,
  );
  const row = held.rows[0];
  if (!row) {
    return { held: false, messages: 0, oldestAt: null };
  }
  // Every held message, not only the first ones the hold reads.
  const counted = await sql<{ n: number }>`
    select count(*)::int as n from outbox_messages m join organizations o on o.id = m.organization_id
    where m.organization_id = ${actor.organizationId} and m.status = 'queued' and m.attempts = 0
      and m.created_at > coalesce(o.outbox_released_at, '-infinity'::timestamptz)
      and m.kind <> all(${NEVER_HELD_KINDS}::text[])`.execute(ctx.db);
  return { held: true, messages: Number(counted.rows[0]?.n ?? 0), oldestAt: new Date(row.oldest).toISOString() };
}

/**
 * "Send all": releases the organization's queued messages created up to now, so the sender
 * delivers a held backlog. Audited with the previous release time.
 * @throws AppError 403 without `outbox.retry`
 */
export async function releaseOutboxBacklog(ctx: AppContext, actor: Actor): Promise<OutboxBacklog> {
  authorize(actor, 'outbox.retry');
  await transaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom('organizations')
      .select('outbox_released_at')
      .where('id', '=', actor.organizationId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const after = await trx
      .updateTable('organizations')
      .set({ outbox_released_at: sql<Date>`now()` })
      .where('id', '=', actor.organizationId)
      .returning('outbox_released_at')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'outbox.release',
      target: { type: 'organization', id: actor.organizationId, label: null },
      before: { outboxReleasedAt: before.outbox_released_at?.toISOString() ?? null },
      after: { outboxReleasedAt: after.outbox_released_at?.toISOString() ?? null },
    });
  });
  return getOutboxBacklog(ctx, actor);
}
