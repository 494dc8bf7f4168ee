import type { Client } from './client.ts';
import type { TestInstance } from './instance.ts';

/**
 * Creates a product with its profiles through the API.
 * @returns the product id and profile ids by name
 */
export async function createProductWithProfiles(
  admin: Client,
  name: string,
  licenseQuantity: number,
  profileNames: string[],
): Promise<{ productId: string; profiles: Record<string, string> }> {
  const product = await admin.post<{ id: string }>('/api/v1/products', { name, licenseQuantity });
  if (product.status !== 201) {
    throw new Error(`product ${name}: ${product.text}`);
  }
  const profiles: Record<string, string> = {};
  for (const profileName of profileNames) {
    const profile = await admin.post<{ id: string }>('/api/v1/product-profiles', {
      productId: product.body.id,
      name: profileName,
    });
    profiles[profileName] = profile.body.id;
  }
  return { productId: product.body.id, profiles };
}

/**
 * Creates a user group with profiles directly in the database (the groups API is its own capability).
 * @returns the group id
 */
export async function createGroupWithProfiles(
  instance: TestInstance,
  organizationId: string,
  name: string,
  profileIds: string[],
): Promise<string> {
  const db = instance.app.ctx.db;
  const group = await db
    .insertInto('user_groups')
    .values({ organization_id: organizationId, name, description: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (profileIds.length > 0) {
    await db
      .insertInto('group_profiles')
      .values(
        profileIds.map((profileId) => ({ organization_id: organizationId, group_id: group.id, profile_id: profileId })),
      )
      .execute();
  }
  return group.id;
}
