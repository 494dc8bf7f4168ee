/** The e-mail outbox: the shapes its list, a message and the held backlog answer with. */
import { z } from 'zod';
import { OUTBOX_STATUSES } from '../contracts.ts';

export const OutboxMessageSchema = z
  .object({
    id: z.uuid(),
    kind: z.string().meta({
      description:
        '`welcome`, `instructions`, `email_changed`, `bulk_finished`, `sign_in_throttled`, `sync_attention`, `password_reset` or `license_alert`.',
    }),
    to: z.string(),
    userId: z.uuid().nullable(),
    locale: z.string().meta({ description: "The recipient's language (their own, else the organization's)." }),
    status: z.enum(OUTBOX_STATUSES),
    retrying: z.boolean().meta({ description: 'Queued again after a failed attempt (see `nextAttemptAt`).' }),
    attempts: z.number().int(),
    nextAttemptAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'When a worker sends (or retries) it; null once sent or failed.' }),
    lastError: z.string().nullable().meta({ description: 'The SMTP error of the last failed attempt.' }),
    sentAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    subject: z.string(),
  })
  .meta({ id: 'OutboxMessage' });
/** An e-mail of the outbox, as `GET /api/v1/outbox` lists it. */
export type OutboxMessage = z.infer<typeof OutboxMessageSchema>;

export const OutboxMessageDetailSchema = OutboxMessageSchema.extend({
  text: z.string().meta({ description: 'The plain-text part.' }),
  html: z.string().meta({ description: 'The HTML part (every user-supplied value escaped).' }),
}).meta({ id: 'OutboxMessageDetail' });
/** One e-mail with its rendered parts. */
export type OutboxMessageDetail = z.infer<typeof OutboxMessageDetailSchema>;

export const OutboxBacklogSchema = z
  .object({
    held: z.boolean().meta({ description: 'A large backlog waits for "Send all" or "Discard all".' }),
    messages: z.number().int().meta({ description: 'Queued messages held.' }),
    oldestAt: z.iso.datetime().nullable().meta({ description: 'When the oldest held message was queued.' }),
  })
  .meta({ id: 'OutboxBacklog' });
/** A large backlog the sender holds until "Send all" or "Discard all" (`GET /api/v1/outbox/backlog`). */
export type OutboxBacklog = z.infer<typeof OutboxBacklogSchema>;
