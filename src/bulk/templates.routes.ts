import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { csvStream } from '../core/csv.ts';
import { problems } from '../core/schemas.ts';
import { BULK_TYPES } from './csv/formats.ts';
import { csvTemplate } from './templates.service.ts';

const TemplateParams = z.object({
  type: z.enum(BULK_TYPES).meta({ description: 'The bulk operation type the file is for.' }),
});
const TemplateQuery = z.object({
  variant: z.enum(['standard', 'current']).default('standard').meta({
    description:
      "`standard`: the header and example rows; `current`: the organization's users (user types) or groups (group types), to edit and upload again.",
  }),
});

/** CSV templates of the bulk operations (docs/CSV.md). */
export function csvTemplatesRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/csv-templates/:type',
      {
        schema: {
          tags: ['Bulk operations'],
          summary: 'Download a CSV template',
          description:
            'The standard template (header and example rows) or the current file (users or groups) of a bulk operation type, as UTF-8 CSV with BOM; cells that a spreadsheet would run as formulas are prefixed with an apostrophe.',
          params: TemplateParams,
          querystring: TemplateQuery,
          produces: ['text/csv'],
          response: { 200: z.any().meta({ description: 'The CSV file.' }), ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        const file = csvTemplate(ctx, request.actor!, request.params.type, request.query.variant);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .send(csvStream(file.header, file.rows));
      },
    );
  };
}
