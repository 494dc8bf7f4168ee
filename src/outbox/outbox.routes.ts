import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OutboxBacklogSchema, OutboxMessageDetailSchema, OutboxMessageSchema } from '../../shared/api/outbox.ts';
import { OUTBOX_KINDS, OUTBOX_STATUSES } from '../../shared/contracts.ts';
import type { AppContext } from '../context.ts';
import { countedPageOf, IdParams, PageQuery, problems } from '../core/schemas.ts';
import {
  discardOutboxMessages,
  getOutboxBacklog,
  getOutboxMessage,
  listOutbox,
  releaseOutboxBacklog,
  retryOutboxMessage,
} from './outbox.service.ts';

/** The list's filters besides status; discarding by filter takes the same ones. */
const FilterFields = {
  kind: z.enum(OUTBOX_KINDS).optional(),
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
          response: { 200: countedPageOf(OutboxMessageSchema), ...problems(401, 403) },
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
          response: { 200: OutboxBacklogSchema, ...problems(401, 403) },
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
          response: { 200: OutboxBacklogSchema, ...problems(401, 403) },
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
