import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProductSchema, ProfileSchema } from '../../shared/api/products.ts';
import { LIMITS } from '../../shared/contracts.ts';
import type { AppContext } from '../context.ts';
import { deleteById } from '../core/routes.ts';
import { IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import {
  createProduct,
  createProfile,
  deleteProduct,
  deleteProfile,
  getProduct,
  getProfile,
  listProducts,
  listProfiles,
  updateProduct,
  updateProfile,
} from './products.service.ts';

const name = z.string().trim().min(1, 'must not be empty').max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);
const licenseQuantity = z
  .number()
  .int('must be a whole number')
  .min(0, 'must be 0 or more')
  .max(100_000_000)
  .meta({ description: 'Number of licenses (seats).' });
const services = z.array(z.string().trim().min(1).max(LIMITS.nameMax)).max(200);

const CreateProductBody = z.strictObject({ name, licenseQuantity });
const PatchProductBody = z.strictObject({ name: name.optional(), licenseQuantity: licenseQuantity.optional() });
const CreateProfileBody = z.strictObject({
  productId: z.uuid().meta({ description: 'The product the profile configures.' }),
  name,
  description: z.string().trim().max(LIMITS.nameMax).optional(),
  services: services.optional(),
});
const PatchProfileBody = z.strictObject({
  name: name.optional(),
  description: z.string().trim().max(LIMITS.nameMax).nullable().optional(),
  services: services.optional(),
});

/** Products (license quantities) and their product profiles. */
export function productsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Products'];
    app.get(
      '/products',
      {
        schema: {
          tags,
          summary: 'List products',
          description: 'Products the caller may see (product admins: theirs), by name, cursor-paged.',
          querystring: PageQuery,
          response: { 200: pageOf(ProductSchema), ...problems(401, 403) },
        },
      },
      async (request) => listProducts(ctx, request.actor!, request.query),
    );
    app.post(
      '/products',
      {
        schema: {
          tags,
          summary: 'Add a product',
          description: 'Adds a product with its number of licenses (system admins).',
          body: CreateProductBody,
          response: { 201: ProductSchema, ...problems(401, 403, 409) },
        },
      },
      async (request, reply) => reply.status(201).send(await createProduct(ctx, request.actor!, request.body)),
    );
    app.get(
      '/products/:id',
      {
        schema: {
          tags,
          summary: 'Get a product',
          description: 'One product.',
          params: IdParams,
          response: { 200: ProductSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getProduct(ctx, request.actor!, request.params.id),
    );
    app.patch(
      '/products/:id',
      {
        schema: {
          tags,
          summary: 'Update a product',
          description: 'Renames a product or changes its number of licenses (system admins).',
          params: IdParams,
          body: PatchProductBody,
          response: { 200: ProductSchema, ...problems(401, 403, 404, 409, 422) },
        },
      },
      async (request) => updateProduct(ctx, request.actor!, request.params.id, request.body),
    );
    deleteById(
      app,
      '/products/:id',
      {
        tags,
        summary: 'Delete a product',
        description: 'Deletes a product, its profiles and the admin rights scoped to them (system admins).',
        done: 'Deleted.',
        problems: [401, 403, 404],
      },
      (actor, id) => deleteProduct(ctx, actor, id),
    );

    app.get(
      '/product-profiles',
      {
        schema: {
          tags,
          summary: 'List product profiles',
          description: 'Profiles the caller may see (optionally of one product), by name, cursor-paged.',
          querystring: PageQuery.extend({
            productId: z.uuid().optional().meta({ description: "Only this product's profiles." }),
          }),
          response: { 200: pageOf(ProfileSchema), ...problems(401, 403) },
        },
      },
      async (request) => listProfiles(ctx, request.actor!, request.query),
    );
    app.post(
      '/product-profiles',
      {
        schema: {
          tags,
          summary: 'Add a product profile',
          description: 'Adds a profile to a product (system admins; product admins of that product).',
          body: CreateProfileBody,
          response: { 201: ProfileSchema, ...problems(401, 403, 409, 422) },
        },
      },
      async (request, reply) => reply.status(201).send(await createProfile(ctx, request.actor!, request.body)),
    );
    app.get(
      '/product-profiles/:id',
      {
        schema: {
          tags,
          summary: 'Get a product profile',
          description: 'One product profile with its product.',
          params: IdParams,
          response: { 200: ProfileSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getProfile(ctx, request.actor!, request.params.id),
    );
    app.patch(
      '/product-profiles/:id',
      {
        schema: {
          tags,
          summary: 'Update a product profile',
          description:
            "Changes a profile's name, description or services (system admins; product admins of its product).",
          params: IdParams,
          body: PatchProfileBody,
          response: { 200: ProfileSchema, ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => updateProfile(ctx, request.actor!, request.params.id, request.body),
    );
    deleteById(
      app,
      '/product-profiles/:id',
      {
        tags,
        summary: 'Delete a product profile',
        description:
          'Deletes a profile and the admin rights scoped to it (system admins; product admins of its product).',
        done: 'Deleted.',
        problems: [401, 403, 404],
      },
      (actor, id) => deleteProfile(ctx, actor, id),
    );
  };
}
