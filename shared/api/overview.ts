/** The console's home: the shape GET /api/v1/overview answers with, and the capped counts other lists use. */
import { z } from 'zod';
import { BulkOperationSchema } from './bulk.ts';

/** A count that stops at 10,000: `exact` false reads "more than `total`". */
export const CappedCountSchema = z
  .object({
    total: z.number().int(),
    exact: z.boolean().meta({ description: 'false: there are more than `total` (counting stops there).' }),
  })
  .meta({ id: 'CappedCount' });
/** A count that stops at 10,000: `exact` false reads "more than `total`". */
export type CappedCount = z.infer<typeof CappedCountSchema>;

export const AlertLevelSchema = z
  .union([z.literal(0), z.literal(90), z.literal(100), z.literal(110)])
  .meta({ description: 'The highest seat-use threshold reached: 90, 100 or 110 (% of the seats), or 0.' });
/** A seat-use threshold reached (% of a product's licenses), or 0. */
export type AlertLevel = z.infer<typeof AlertLevelSchema>;

export const ProductSeatsSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  licenseQuantity: z.number().int(),
  licensesUsed: z.number().int(),
  lastRunDeficit: z
    .number()
    .int()
    .meta({ description: 'Licenses of the product that the latest bulk run could not assign.' }),
  level: AlertLevelSchema,
  alerted: AlertLevelSchema.meta({ description: 'The threshold the system admins were last e-mailed about.' }),
});
/** One product's seats on the overview. */
export type ProductSeats = z.infer<typeof ProductSeatsSchema>;

export const OverviewSchema = z
  .object({
    users: z
      .object({ active: CappedCountSchema, removed: CappedCountSchema })
      .nullable()
      .meta({ description: 'Null without `user.read`.' }),
    groups: CappedCountSchema.nullable().meta({ description: 'User groups; null without `group.read`.' }),
    licenses: z
      .object({
        products: z.array(ProductSeatsSchema),
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
/** GET /api/v1/overview: each part null when the admin may not read it. */
export type Overview = z.infer<typeof OverviewSchema>;
