import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DirectorySchema } from '../../shared/api/domains.ts';
import type { AppContext } from '../context.ts';
import { deleteById } from '../core/routes.ts';
import { IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import {
  createDirectory,
  deleteDirectory,
  getDirectory,
  listDirectories,
  updateDirectory,
} from './domains.directories.service.ts';
import { DirectoryIdentityType, DirectoryName } from './domains.schemas.ts';

const CreateDirectoryBody = z.strictObject({ name: DirectoryName, identityType: DirectoryIdentityType });
const PatchDirectoryBody = z.strictObject({
  name: DirectoryName.optional(),
  identityType: DirectoryIdentityType.optional().meta({
    description: 'Can change only while the directory has no claimed domain.',
  }),
});

/** Directories: sets of claimed domains with one identity type. */
export function directoriesRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Domains'];
    app.get(
      '/directories',
      {
        schema: {
          tags,
          summary: 'List directories',
          description: "The organization's directories by name, cursor-paged.",
          querystring: PageQuery,
          response: { 200: pageOf(DirectorySchema), ...problems(401, 403) },
        },
      },
      async (request) => listDirectories(ctx, request.actor!, request.query),
    );
    app.post(
      '/directories',
      {
        schema: {
          tags,
          summary: 'Add a directory',
          description:
            'Adds a directory with its identity type: `enterprise` (the organization manages the credentials) or `federated` (sign-in through its identity provider). System admins.',
          body: CreateDirectoryBody,
          response: { 201: DirectorySchema, ...problems(401, 403, 409) },
        },
      },
      async (request, reply) => reply.status(201).send(await createDirectory(ctx, request.actor!, request.body)),
    );
    app.get(
      '/directories/:id',
      {
        schema: {
          tags,
          summary: 'Get a directory',
          description: 'One directory.',
          params: IdParams,
          response: { 200: DirectorySchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getDirectory(ctx, request.actor!, request.params.id),
    );
    app.patch(
      '/directories/:id',
      {
        schema: {
          tags,
          summary: 'Update a directory',
          description:
            'Renames a directory, or changes its identity type while it has no claimed domain. System admins.',
          params: IdParams,
          body: PatchDirectoryBody,
          response: { 200: DirectorySchema, ...problems(401, 403, 404, 409, 422) },
        },
      },
      async (request) => updateDirectory(ctx, request.actor!, request.params.id, request.body),
    );
    deleteById(
      app,
      '/directories/:id',
      {
        tags,
        summary: 'Delete a directory',
        description:
          'Deletes a directory with the trust granted on it; its pending domains lose their directory. Refused while it has claimed domains. System admins.',
        done: 'Deleted.',
        problems: [401, 403, 404, 409],
      },
      (actor, id) => deleteDirectory(ctx, actor, id),
    );
  };
}
