import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AuditEventSchema } from '../../shared/api/audit.ts';
import { AUDIT_SORTS } from '../../shared/contracts.ts';
import type { AppContext } from '../context.ts';
import { csvStream } from '../core/csv.ts';
import { countedPageOf, PageQuery, problems } from '../core/schemas.ts';
import { AUDIT_CSV_HEADER, auditCsvRows, listAuditEvents } from './audit.view.ts';

export const AuditFilterQuery = z.object({
  action: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'An action (`auth.login`) or a prefix (`auth.` or `auth.*`).' }),
  actor: z.string().max(320).optional().meta({ description: "Actor id, or part of the admin's e-mail or token name." }),
  target: z.string().max(320).optional().meta({ description: 'Target id, or part of its label.' }),
  since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Events at or after this time (ISO 8601).' }),
  until: z.iso.datetime({ offset: true }).optional().meta({ description: 'Events before this time (ISO 8601).' }),
});

/** The audit log: paged list and CSV export. */
export function auditRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/audit-events',
      {
        schema: {
          tags: ['Audit log'],
          summary: 'List audit events',
          description:
            "The organization's audit log, newest or oldest first, cursor-paged and filtered (system admins).",
          querystring: AuditFilterQuery.extend(PageQuery.shape).extend({
            sort: z.enum(AUDIT_SORTS).default('-at').meta({
              description:
                'Sort order: `-at` (newest first) or `at` (oldest first). A `cursor` is valid only with the sort it was made for (400 otherwise).',
            }),
          }),
          response: { 200: countedPageOf(AuditEventSchema), ...problems(401, 403) },
        },
      },
      async (request) => listAuditEvents(ctx, request.actor!, request.query),
    );

    app.get(
      '/audit-events.csv',
      {
        schema: {
          tags: ['Audit log'],
          summary: 'Export audit events as CSV',
          description:
            'Every event matching the filters, newest first, as CSV (UTF-8 with BOM). Cells that a spreadsheet ' +
            'would run as formulas are prefixed with an apostrophe.',
          querystring: AuditFilterQuery,
          produces: ['text/csv'],
          response: { 200: z.any().meta({ description: 'The CSV file.' }), ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        const rows = await auditCsvRows(ctx, request.actor!, request.query);
        const stamp = new Date().toISOString().slice(0, 10);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="audit-log-${stamp}.csv"`)
          .send(csvStream(AUDIT_CSV_HEADER, rows));
      },
    );
  };
}
