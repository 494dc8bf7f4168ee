import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { OutboxKind } from '../../shared/contracts.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB } from '../db/schema.ts';

/** Kinds of e-mail Usher sends. */
export type MessageKind = OutboxKind;

/** One e-mail to queue. */
export interface OutboxEntry {
  kind: MessageKind;
  userId: string | null;
  to: string;
  locale: string;
  data: Record<string, unknown>;
}

/**
 * Queues e-mails in the durable outbox, in the transaction of the change that causes them, so a
 * message exists exactly when its cause committed. Delivery is the worker's (see the e-mail issue).
 * @param trx the change's transaction
 * @param organizationId the tenant
 * @param entries the messages
 */
export async function queueMessages(
  trx: Transaction<DB>,
  organizationId: string,
  entries: OutboxEntry[],
): Promise<void> {
  for (let start = 0; start < entries.length; start += 1000) {
    await insertMany(
      trx,
      'outbox_messages',
      entries.slice(start, start + 1000).map((entry) => ({
        organization_id: organizationId,
        kind: entry.kind,
        user_id: entry.userId,
        to_address: entry.to,
        locale: entry.locale,
        data: entry.data,
      })),
    );
  }
}

/**
 * Queues e-mails of one kind chosen by a query, in one statement, so a message per user of a
 * million-user organization never passes through the process. `rows` selects the columns
 * `organization_id, user_id, to_address, locale, data`; `prelude` is an optional `with …` list it
 * reads (it may write the caller's own tables, as the connection links of instructions do).
 * @param trx the change's transaction (the messages exist exactly when it commits)
 * @returns the ids of the users queued for
 */
export async function queueMessagesSelected(
  trx: Transaction<DB>,
  kind: MessageKind,
  rows: RawBuilder<unknown>,
  prelude?: RawBuilder<unknown>,
): Promise<string[]> {
  const result = await sql<{ user_id: string }>`
    ${prelude ?? sql``}
    insert into outbox_messages (organization_id, kind, user_id, to_address, locale, data)
    select q.organization_id, ${kind}, q.user_id, q.to_address, q.locale, q.data
    from (${rows}) as q(organization_id, user_id, to_address, locale, data)
    returning user_id`.execute(trx);
  return result.rows.map((row) => row.user_id);
}
