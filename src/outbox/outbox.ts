import type { Transaction } from 'kysely';
import { insertMany } from '../db/insert-many.ts';
import type { DB } from '../db/schema.ts';

/** Kinds of e-mail Usher sends. */
export type MessageKind =
  | 'welcome'
  | 'instructions'
  | 'email_changed'
  | 'bulk_finished'
  | 'sign_in_throttled'
  | 'sync_attention'
  | 'password_reset';

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
