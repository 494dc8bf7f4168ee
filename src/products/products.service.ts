import { sql } from 'kysely';
import type { Product, ProductProfile } from '../../shared/api/products.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { keysetPage, namePosition, Positions } from '../core/paging.ts';
import { type Executor, transaction } from '../db/database.ts';
import { noteSeatLevels } from '../licenses/alerts.ts';
import { countSoleHolders, dropProductLicenses, releaseDirectLicenses } from '../licenses/licenses.ts';
import { type Actor, authorize, reachable } from '../roles/policy.ts';
import { ProductErrorCodes } from './products.errors.ts';
import {
  countUsersByProfileIds,
  findProductById,
  findProductsByOrganizationId,
  findProfileById,
  findProfileIdByProductIdAndProfileIds,
  findProfilesByOrganizationId,
} from './products.queries.ts';

/** A product as the API shows it. */
export type ProductView = Product;

/** A product profile as the API shows it. */
export type ProfileView = ProductProfile;

function presentProduct(row: {
  id: string;
  name: string;
  license_quantity: number;
  licenses_used: number;
  created_at: Date;
  updated_at: Date;
}): ProductView {
  return {
    id: row.id,
    name: row.name,
    licenseQuantity: row.license_quantity,
    licensesUsed: row.licenses_used,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function presentProfile(
  row: {
    id: string;
    product_id: string;
    product_name: string;
    name: string;
    description: string | null;
    services: string[];
    created_at: Date;
    updated_at: Date;
  },
  usersCount: number,
): ProfileView {
  return {
    id: row.id,
    productId: row.product_id,
    productName: row.product_name,
    name: row.name,
    description: row.description,
    services: row.services,
    usersCount,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * Lists the products the actor may see, by name, cursor-paged.
 * @throws AppError 403 without `product.read`
 */
export async function listProducts(
  ctx: AppContext,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined },
) {
  authorize(actor, 'product.read');
  return keysetPage(query, {
    position: Positions.nameId,
    read: (after, limit) =>
      findProductsByOrganizationId(ctx.db, actor.organizationId, reachable(actor, 'product.read'), { limit, after }),
    positionOf: namePosition,
    present: (page) => page.map(presentProduct),
  });
}

/**
 * Reads one product.
 * @throws AppError 404 when not in the organization; 403 outside the actor's scope
 */
export async function getProduct(ctx: AppContext, actor: Actor, productId: string): Promise<ProductView> {
  const row = await findProductById(ctx.db, actor.organizationId, productId);
  if (!row) {
    throw notFound('Product');
  }
  // A profile admin reads the product of its profiles, as the list shows it.
  const reach = reachable(actor, 'product.read');
  const ownProfile =
    reach !== 'all' && !reach.productIds.includes(productId) && reach.profileIds.length > 0
      ? await findProfileIdByProductIdAndProfileIds(ctx.db, actor.organizationId, productId, reach.profileIds)
      : undefined;
  authorize(actor, 'product.read', { productId, ...(ownProfile ? { profileId: ownProfile } : {}) });
  return presentProduct(row);
}

/**
 * Adds a product with its number of licenses (system admins).
 * @throws AppError 403; 409 `products.name_taken`
 */
export async function createProduct(ctx: AppContext, actor: Actor, input: { name: string; licenseQuantity: number }) {
  authorize(actor, 'product.manage');
  const row = await transaction(ctx.db, async (trx) => {
    const created = await trx
      .insertInto('products')
      .values({
        organization_id: actor.organizationId,
        name: input.name.trim(),
        license_quantity: input.licenseQuantity,
      })
      .returning(['id', 'name', 'license_quantity', 'licenses_used', 'created_at', 'updated_at'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'product.create',
      target: { type: 'product', id: created.id, label: created.name },
      after: { name: created.name, licenseQuantity: created.license_quantity },
    });
    return created;
  });
  return presentProduct(row);
}

/**
 * Renames a product or changes its number of licenses (system admins).
 * @throws AppError 403; 404; 409 `products.name_taken`
 */
export async function updateProduct(
  ctx: AppContext,
  actor: Actor,
  productId: string,
  patch: { name?: string | undefined; licenseQuantity?: number | undefined },
): Promise<ProductView> {
  authorize(actor, 'product.manage');
  const row = await transaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom('products')
      .select(['name', 'license_quantity', 'licenses_used', 'alert_level'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', productId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) {
      throw notFound('Product');
    }
    if (patch.licenseQuantity !== undefined && patch.licenseQuantity < before.licenses_used) {
      throw new AppError(
        ProductErrorCodes.quantityBelowUsage,
        422,
        `${before.licenses_used} users hold a license of ${before.name}: the quantity cannot go below that. Unassign users first.`,
        { errors: [{ field: 'body.licenseQuantity', message: `at least ${before.licenses_used}` }] },
      );
    }
    const updated = await trx
      .updateTable('products')
      .set({
        name: patch.name?.trim() ?? before.name,
        license_quantity: patch.licenseQuantity ?? before.license_quantity,
        updated_at: new Date(),
      })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', productId)
      .returning(['id', 'name', 'license_quantity', 'licenses_used', 'created_at', 'updated_at'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'product.update',
      target: { type: 'product', id: productId, label: updated.name },
      before: { name: before.name, licenseQuantity: before.license_quantity },
      after: { name: updated.name, licenseQuantity: updated.license_quantity },
    });
    if (updated.license_quantity !== before.license_quantity) {
      // Fewer seats can cross a threshold (alerted); more seats end the alerts, 110 % included.
      await noteSeatLevels(
        trx,
        actor.organizationId,
        [
          {
            id: updated.id,
            name: updated.name,
            quantity: updated.license_quantity,
            used: updated.licenses_used,
            missing: 0,
            stored: before.alert_level,
          },
        ],
        { keepDemandLevel: false },
      );
    }
    return updated;
  });
  return presentProduct(row);
}

/**
 * Deletes a product with its profiles and every grant scoped to them (system admins).
 * @throws AppError 403; 404
 */
export async function deleteProduct(ctx: AppContext, actor: Actor, productId: string): Promise<void> {
  authorize(actor, 'product.manage');
  await transaction(ctx.db, async (trx) => {
    await dropProductLicenses(trx, actor.organizationId, productId);
    const deleted = await trx
      .deleteFrom('products')
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', productId)
      .returning(['name', 'license_quantity'])
      .executeTakeFirst();
    if (!deleted) {
      throw notFound('Product');
    }
    await recordAudit(trx, actor, {
      action: 'product.delete',
      target: { type: 'product', id: productId, label: deleted.name },
      before: { name: deleted.name, licenseQuantity: deleted.license_quantity },
    });
  });
}

/**
 * Lists the product profiles the actor may see (optionally of one product), by name, cursor-paged.
 * @throws AppError 403 without `profile.read`
 */
export async function listProfiles(
  ctx: AppContext,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined; productId?: string | undefined },
) {
  authorize(actor, 'profile.read');
  return keysetPage(query, {
    position: Positions.nameId,
    read: (after, limit) =>
      findProfilesByOrganizationId(ctx.db, actor.organizationId, reachable(actor, 'profile.read'), {
        limit,
        after,
        productId: query.productId,
      }),
    positionOf: namePosition,
    present: async (page) => {
      const counts = await countUsersByProfileIds(
        ctx.db,
        actor.organizationId,
        page.map((row) => row.id),
      );
      return page.map((row) => presentProfile(row, counts.get(row.id) ?? 0));
    },
  });
}

/**
 * Reads one product profile.
 * @throws AppError 404; 403 outside the actor's scope
 */
export async function getProfile(ctx: AppContext, actor: Actor, profileId: string): Promise<ProfileView> {
  const row = await findProfileById(ctx.db, actor.organizationId, profileId);
  if (!row) {
    throw notFound('Product profile');
  }
  authorize(actor, 'profile.read', { productId: row.product_id, profileId });
  const counts = await countUsersByProfileIds(ctx.db, actor.organizationId, [profileId]);
  return presentProfile(row, counts.get(profileId) ?? 0);
}

/**
 * Adds a profile to a product (system admins; product admins of that product).
 * @throws AppError 403; 422 `product_profiles.product_not_found`; 409 `product_profiles.name_taken`
 */
export async function createProfile(
  ctx: AppContext,
  actor: Actor,
  input: { productId: string; name: string; description?: string | undefined; services?: string[] | undefined },
): Promise<ProfileView> {
  const id = await transaction(ctx.db, async (trx) => {
    const product = await findProductById(trx, actor.organizationId, input.productId);
    if (!product) {
      throw new AppError(
        ProductErrorCodes.productNotFound,
        422,
        `No product with id ${input.productId} in this organization.`,
        {
          errors: [
            {
              field: 'body.productId',
              message: 'unknown product: create it first or pick one of GET /api/v1/products',
            },
          ],
        },
      );
    }
    authorize(actor, 'profile.manage', { productId: product.id });
    const services = [...new Set((input.services ?? []).map((service) => service.trim()).filter(Boolean))];
    const created = await trx
      .insertInto('product_profiles')
      .values({
        organization_id: actor.organizationId,
        product_id: product.id,
        name: input.name.trim(),
        description: input.description?.trim() || null,
        services,
      })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'product_profile.create',
      target: { type: 'product_profile', id: created.id, label: created.name },
      after: { product: product.name, name: created.name, description: input.description?.trim() || null, services },
    });
    return created.id;
  });
  return getProfile(ctx, actor, id);
}

/**
 * Changes a profile's name, description or services (system admins; product admins of its product).
 * @throws AppError 403; 404; 409 `product_profiles.name_taken`
 */
export async function updateProfile(
  ctx: AppContext,
  actor: Actor,
  profileId: string,
  patch: { name?: string | undefined; description?: string | null | undefined; services?: string[] | undefined },
): Promise<ProfileView> {
  await transaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom('product_profiles')
      .select(['product_id', 'name', 'description', 'services'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', profileId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) {
      throw notFound('Product profile');
    }
    authorize(actor, 'profile.manage', { productId: before.product_id, profileId });
    const after = {
      name: patch.name?.trim() ?? before.name,
      description: patch.description === undefined ? before.description : patch.description?.trim() || null,
      services:
        patch.services === undefined
          ? before.services
          : [...new Set(patch.services.map((service) => service.trim()).filter(Boolean))],
    };
    await trx
      .updateTable('product_profiles')
      .set({ ...after, updated_at: new Date() })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', profileId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'product_profile.update',
      target: { type: 'product_profile', id: profileId, label: after.name },
      before: { name: before.name, description: before.description, services: before.services },
      after,
    });
  });
  return getProfile(ctx, actor, profileId);
}

/**
 * Deletes a profile; every grant scoped to it goes with it (system admins; product admins of its product).
 * @throws AppError 403; 404
 */
export async function deleteProfile(ctx: AppContext, actor: Actor, profileId: string): Promise<void> {
  await transaction(ctx.db, async (trx) => {
    const row = await findProfileById(trx, actor.organizationId, profileId);
    if (!row) {
      throw notFound('Product profile');
    }
    authorize(actor, 'profile.manage', { productId: row.product_id, profileId });
    // Its holders may lose the product's license: keep them for the recount after the delete.
    await sql`create temporary table deleted_profile_holders on commit drop as
      select user_id from user_profiles where organization_id = ${actor.organizationId} and profile_id = ${profileId}
      union
      select gm.user_id from group_profiles gp
      join group_members gm on gm.organization_id = gp.organization_id and gm.group_id = gp.group_id
      where gp.organization_id = ${actor.organizationId} and gp.profile_id = ${profileId}`.execute(trx);
    await trx
      .deleteFrom('product_profiles')
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', profileId)
      .execute();
    // Those who held it directly keep the product's direct license only through another profile
    // of it; then every holder left with no source of the product frees its seat.
    const holders = sql`select user_id from deleted_profile_holders`;
    await releaseDirectLicenses(trx, actor.organizationId, holders, row.product_id);
    await countSoleHolders(trx, actor.organizationId, {
      members: holders,
      through: [],
      productIds: [row.product_id],
      sign: -1,
    });
    await recordAudit(trx, actor, {
      action: 'product_profile.delete',
      target: { type: 'product_profile', id: profileId, label: row.name },
      before: { product: row.product_name, name: row.name, description: row.description, services: row.services },
    });
  });
}

/**
 * Products' names by id, read for another capability (a bulk row refused for want of seats names
 * the products).
 * @returns name per id found
 */
export async function findProductNamesByIds(
  db: Executor,
  organizationId: string,
  ids: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('products')
    .select(['id', 'name'])
    .where('organization_id', '=', organizationId)
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((row) => [row.id, row.name]));
}
