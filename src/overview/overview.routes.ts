import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { OverviewSchema } from '../../shared/api/overview.ts';
import type { AppContext } from '../context.ts';
import { problems } from '../core/schemas.ts';
import { getOverview } from './overview.service.ts';

/** The console's home page data. */
export function overviewRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/overview',
      {
        schema: {
          tags: ['Overview'],
          summary: 'The organization at a glance',
          description:
            'Users, groups, licenses per product (with the latest bulk run’s deficit and the 90/100/110 % alert level), ' +
            'recent bulk operations, queued and failed e-mails, and users still to connect a device. Each part is null ' +
            'when the caller may not read it; counts stop at 10,000.',
          response: { 200: OverviewSchema, ...problems(401, 403) },
        },
      },
      async (request) => getOverview(ctx, request.actor!),
    );
  };
}
