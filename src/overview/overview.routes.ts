import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BulkOperationSchema } from '../../shared/api/bulk.ts';
import type { AppContext } from '../context.ts';
import { problems } from '../core/schemas.ts';
import { getOverview } from './overview.service.ts';

/** A count that stops at 10,000: `exact` false reads "more than `total`". */
export const CappedCountSchema = z
  .object({
    total: z.number().int(),
    exact: z.boolean().meta({ description: 'false: there are more than `total` (counting stops there).' }),
  })
  .meta({ id: 'CappedCount' });

const LEVEL = z
  .union([z.literal(0), z.literal(90), z.literal(100), z.literal(110)])
  .meta({ description: 'The highest seat-use threshold reached: 90, 100 or 110 (% of the seats), or 0.' });

const OverviewSchema = z
  .object({
    users: z
      .object({ active: CappedCountSchema, removed: CappedCountSchema })
      .nullable()
      .meta({ description: 'Null without `user.read`.' }),
    groups: CappedCountSchema.nullable().meta({ description: 'User groups; null without `group.read`.' }),
    licenses: z
      .object({
        products: z.array(
          z.object({
            id: z.uuid(),
            name: z.string(),
            licenseQuantity: z.number().int(),
            licensesUsed: z.number().int(),
            lastRunDeficit: z
              .number()
              .int()
              .meta({ description: 'Licenses of the product that the latest bulk run could not assign.' }),
            level: LEVEL,
            alerted: LEVEL.meta({ description: 'The threshold the system admins were last e-mailed about.' }),
          }),
        ),
        lastRun: z
          .object({ id: z.uuid(), fileName: z.string(), finishedAt: z.iso.datetime() })
          .nullable()
          .meta({ description: 'The latest finished bulk operation (not a dry run), whose deficit is shown.' }),
      })
      .nullable()
      .meta({ description: 'Null without `product.read`.' }),
    bulk: z
      .array(BulkOperationSchema)
      .nullable()
      .meta({ description: 'The 5 latest bulk operations the actor sees; null without `bulk.run`.' }),
    outbox: z
      .object({
        queued: CappedCountSchema,
        failed: CappedCountSchema,
        held: z.boolean().meta({ description: 'A large backlog waits for Send all or Discard all.' }),
      })
      .nullable()
      .meta({ description: 'Null without `outbox.read`.' }),
    awaitingDevice: CappedCountSchema.extend({
      users: z.array(
        z.object({
          id: z.uuid(),
          email: z.string(),
          firstName: z.string().nullable(),
          lastName: z.string().nullable(),
          sentAt: z.iso.datetime().meta({ description: 'Their latest instructions e-mail.' }),
        }),
      ),
    })
      .nullable()
      .meta({
        description:
          'Users who were sent instructions and have connected no device (count, and the 5 sent to last); null without `device.read`.',
      }),
  })
  .meta({ id: 'Overview' });

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
