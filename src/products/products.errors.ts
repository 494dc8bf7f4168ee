import { registerConstraints } from '../db/constraint-errors.ts';

/** Error codes of products and product profiles. */
export const ProductErrorCodes = {
  productNameTaken: 'products.name_taken',
  profileNameTaken: 'product_profiles.name_taken',
  productNotFound: 'product_profiles.product_not_found',
  quantityBelowUsage: 'products.quantity_below_usage',
  profileGone: 'product_profiles.gone',
} as const;

registerConstraints({
  products__organization_id_name: {
    code: ProductErrorCodes.productNameTaken,
    status: 409,
    message: 'A product with this name already exists in the organization: choose another name.',
    field: 'body.name',
  },
  product_profiles__organization_id_name: {
    code: ProductErrorCodes.profileNameTaken,
    status: 409,
    message:
      'A product profile with this name already exists in the organization (profile names are unique): choose another name.',
    field: 'body.name',
  },
  // An assignment to a profile deleted at the same moment, whoever holds the assignment.
  ...Object.fromEntries(
    ['user_profiles__profile', 'group_profiles__profile', 'admin_role_assignments__profile'].map((name) => [
      name,
      {
        code: ProductErrorCodes.profileGone,
        status: 409,
        message:
          'The product profile was deleted while this change was being made: reload, and choose another profile.',
        field: 'profileId',
      },
    ]),
  ),
});
