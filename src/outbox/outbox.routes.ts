import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import {
  discardOutboxMessages,
  getOutboxBacklog,
  getOutboxMessage,
  listOutbox,
  OUTBOX_STATUSES,
  releaseOutboxBacklog,
  retryOutboxMessage,
} from './outbox.service.ts';

const KINDS = [
  'welcome',
  'instructions',
  'email_changed',
  'bulk_finished',
  'sign_in_throttled',
  'sync_attention',
  'password_reset',
  'license_alert',
] as const;

const OutboxMessageSchema = z
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

const OutboxMessageDetailSchema = OutboxMessageSchema.extend({
  text: z.string().meta({ description: 'The plain-text part.' }),
  html: z.string().meta({ description: 'The HTML part (every user-supplied value escaped).' }),
}).meta({ id: 'OutboxMessageDetail' });

/** The list's filters besides status; discarding by filter takes the same ones. */
const FilterFields = {
  kind: z.enum(KINDS).optional(),
  q: z.string().trim().min(1).max(200).optional().meta({ description: "Part of the recipient's address, any case." }),
  createdBefore: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: 'Only messages created before this.' }),
};

const DiscardBody = z
  .object({
    ids: z
      .array(z.uuid())
      .min(1)
      .max(10_000)
      .optional()
      .meta({ description: 'The queued messages to discard (at most 10,000).' }),
    filter: z
      .object(FilterFields)
      .strict()
      .optional()
      .meta({ description: 'Discard every queued message matching these filters of the list (`{}`: all queued).' }),
  })
  .strict()
  .refine((body) => (body.ids === undefined) !== (body.filter === undefined), {
    message: 'Give either `ids` or `filter`, not both and not neither.',
    path: ['ids'],
  });

const BacklogSchema = z
  .object({
    held: z.boolean().meta({ description: 'A large backlog waits for "Send all" or "Discard all".' }),
    messages: z.number().int().meta({ description: 'Queued messages held.' }),
    oldestAt: z.iso.datetime().nullable().meta({ description: 'When the oldest held message was queued.' }),
  })
  .meta({ id: 'OutboxBacklog' });

/** The e-mail outbox (system admins): list, rendered message, retry. */
export function outboxRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['E-mail outbox'];
    app.get(
      '/outbox',
      {
        schema: {
          tags,
          summary: 'List e-mails',
          description:
            "The organization's e-mails, newest first: queued, sending, sent, or failed with the SMTP error; " +
            'queued messages that failed before show when they are retried.',
          querystring: PageQuery.extend({
            status: z.enum(OUTBOX_STATUSES).optional(),
            ...FilterFields,
          }),
          response: { 200: pageOf(OutboxMessageSchema), ...problems(401, 403) },
        },
      },
      async (request) => listOutbox(ctx, request.actor!, request.query),
    );
    app.get(
      '/outbox/:id',
      {
        schema: {
          tags,
          summary: 'Read an e-mail',
          description: 'One message rendered as it goes (or went) out: subject, plain text and HTML.',
          params: IdParams,
          response: { 200: OutboxMessageDetailSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getOutboxMessage(ctx, request.actor!, request.params.id),
    );
    app.post(
      '/outbox/:id/retry',
      {
        schema: {
          tags,
          summary: 'Send an e-mail again',
          description: 'Puts a failed message (or one waiting to retry) back in the queue, due now.',
          params: IdParams,
          response: { 200: OutboxMessageDetailSchema, ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => retryOutboxMessage(ctx, request.actor!, request.params.id),
    );
    app.get(
      '/outbox/backlog',
      {
        schema: {
          tags,
          summary: 'Held backlog',
          description:
            'Whether the sender holds a large backlog of queued e-mails (more than 100 never attempted, the oldest ' +
            'more than a day old or none of the organization ever sent) until an admin sends or discards it.',
          response: { 200: BacklogSchema, ...problems(401, 403) },
        },
      },
      async (request) => getOutboxBacklog(ctx, request.actor!),
    );
    app.post(
      '/outbox/backlog/release',
      {
        schema: {
          tags,
          summary: 'Send a held backlog',
          description: '"Send all": every message queued up to now is sent. "Discard all" is `POST /outbox/discard`.',
          response: { 200: BacklogSchema, ...problems(401, 403) },
        },
      },
      async (request) => releaseOutboxBacklog(ctx, request.actor!),
    );
    app.post(
      '/outbox/discard',
      {
        schema: {
          tags,
          summary: 'Discard queued e-mails',
          description:
            'Queued messages, by id or by the filters of the list, are never sent: they stay in the outbox as ' +
            '`discarded`. Messages that are sending, sent, failed or discarded already are left alone and not counted.',
          body: DiscardBody,
          response: {
            200: z.object({ discarded: z.number().int().meta({ description: 'How many messages were discarded.' }) }),
            ...problems(400, 401, 403),
          },
        },
      },
      async (request) => {
        const body = request.body;
        return discardOutboxMessages(ctx, request.actor!, body.ids ? { ids: body.ids } : { filter: body.filter ?? {} });
      },
    );
  };
}
