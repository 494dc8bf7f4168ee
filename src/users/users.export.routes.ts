import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CappedCountSchema } from '../../shared/api/overview.ts';
import type { AppContext } from '../context.ts';
import { csvStream } from '../core/csv.ts';
import { problems } from '../core/schemas.ts';
import { exportUsers } from './users.export.ts';
import { countUsers } from './users.matching.ts';
import { UserFilterQuery } from './users.routes.ts';

/** The users list's companions: its total, and its users as a CSV file, for the list's search and filters. */
export function usersExportRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/users/count',
      {
        schema: {
          tags: ['Users'],
          summary: 'Count users',
          description:
            'How many users the list shows for the same search and filters: exact up to 10,000, else `exact: false` ' +
            '("more than 10,000"); the count costs the same at any size.',
          querystring: UserFilterQuery,
          response: { 200: CappedCountSchema, ...problems(401, 403) },
        },
      },
      async (request) => countUsers(ctx, request.actor!, request.query),
    );
    app.get(
      '/users.csv',
      {
        schema: {
          tags: ['Users'],
          summary: 'Export users as CSV',
          description:
            'The users the list shows for the same search and filters (none: every user), in the user CSV format of docs/CSV.md, ready to edit and upload as "Edit users". UTF-8 with BOM; cells a spreadsheet would run as formulas are prefixed with an apostrophe.',
          querystring: UserFilterQuery,
          produces: ['text/csv'],
          response: { 200: z.any().meta({ description: 'The CSV file.' }), ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        const file = await exportUsers(ctx, request.actor!, request.query);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .send(csvStream(file.header, file.rows));
      },
    );
  };
}
