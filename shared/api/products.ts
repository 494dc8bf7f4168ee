/** Products and product profiles: the shapes their lists and pages answer with. */
import { z } from 'zod';

export const ProductSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    licenseQuantity: z.number().int().meta({ description: 'Licenses (seats) the organization has for the product.' }),
    licensesUsed: z.number().int().meta({
      description: 'Users holding any profile of the product, directly or through groups (one license each).',
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Product' });
/** A product and its licenses (GET /api/v1/products). */
export type Product = z.infer<typeof ProductSchema>;

export const ProfileSchema = z
  .object({
    id: z.uuid(),
    productId: z.uuid(),
    productName: z.string(),
    name: z.string().meta({ description: 'Unique in the organization; CSV files name profiles by it.' }),
    description: z.string().nullable(),
    services: z.array(z.string()).meta({ description: 'The services (entitlements) the profile enables.' }),
    usersCount: z.number().int().meta({ description: 'Users holding the profile, directly or through groups.' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'ProductProfile' });
/** A product profile (GET /api/v1/product-profiles). */
export type ProductProfile = z.infer<typeof ProfileSchema>;

export const LicenseDeficitSchema = z.object({
  productId: z.uuid(),
  productName: z.string(),
  licenseQuantity: z.number().int(),
  required: z.number().int().meta({ description: 'Licenses the change would bring the product to.' }),
  missing: z.number().int().meta({ description: 'How many more licenses the product needs.' }),
});
/** A product that would need more licenses than it has (`deficits` of a `licenses.insufficient` problem). */
export type LicenseDeficit = z.infer<typeof LicenseDeficitSchema>;
