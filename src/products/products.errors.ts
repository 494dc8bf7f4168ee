/** Error codes of products and product profiles. */
export const ProductErrorCodes = {
  productNameTaken: 'products.name_taken',
  profileNameTaken: 'product_profiles.name_taken',
  productNotFound: 'product_profiles.product_not_found',
  quantityBelowUsage: 'products.quantity_below_usage',
  profileGone: 'product_profiles.gone',
} as const;
