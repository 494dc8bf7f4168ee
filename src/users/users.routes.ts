import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PastePreviewSchema, UserDetailSchema, UserSchema } from '../../shared/api/users.ts';
import { IDENTITY_TYPES, LIMITS, USER_STATUSES } from '../../shared/contracts.ts';
import { ADMIN_ROLES } from '../../shared/roles.ts';
import type { AppContext } from '../context.ts';
import { AppError, HttpErrorCodes } from '../core/errors.ts';
import { IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import {
  changeAdminRolesCommand,
  createUsersCommand,
  deleteUsersCommand,
  removeUsersCommand,
  restoreUsersCommand,
  setUsersCommand,
} from './users.commands.ts';
import { getUserDetail, loadUserDetail } from './users.details.ts';
import { findMatchingUserIds } from './users.matching.ts';
import { PASTE_MAX_LINES, previewPastedList } from './users.paste.ts';
import { USER_SORTS } from './users.queries.ts';
import { settlePendingContent, setUserContent } from './users.removal.ts';
import { listUsers, presentUsersByIds } from './users.service.ts';

const name = z.string().trim().max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);
const names = z.array(z.string().trim().min(1).max(LIMITS.nameMax)).max(1000);
const email = z.email({ message: 'must be an e-mail address' }).max(LIMITS.emailMax);

const NewUser = z.strictObject({
  email,
  firstName: name.optional(),
  lastName: name.optional(),
  country: z.string().trim().max(10).optional().meta({ description: 'ISO 3166-1 alpha-2, e.g. PL.' }),
  alias: name.optional().meta({ description: 'Display name; defaults to the mailbox part of the e-mail.' }),
  profiles: names.optional().meta({ description: 'Product profile names to assign.' }),
  groups: names.optional().meta({ description: 'User group names to join (each brings its profiles).' }),
});

const AddUsersBody = z.strictObject({
  users: z.array(NewUser).min(1).max(PASTE_MAX_LINES),
  sendInstructions: z.boolean().optional().meta({ description: 'Also queue the installation-instructions e-mail.' }),
});

/**
 * The version an `If-Match` header names (`W/"3"`, `"3"` or `3`, as the user's ETag is written).
 * @throws AppError 400 for any other value
 */
function versionOfIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) {
    return undefined;
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) {
    throw new AppError(
      HttpErrorCodes.validationFailed,
      400,
      'If-Match must be the user\'s ETag, as GET /users/{id} sent it (W/"3").',
      {
        errors: [{ field: 'headers.if-match', message: 'not an ETag of a user' }],
      },
    );
  }
  return Number(match[1]);
}

const PatchUserBody = z.strictObject({
  firstName: name.nullable().optional(),
  lastName: name.nullable().optional(),
  country: z.string().trim().max(10).nullable().optional(),
  email: email.optional().meta({ description: 'Enterprise and Federated ID users only; effective at once.' }),
  profiles: names.optional().meta({ description: 'The full new set of directly assigned profiles (names).' }),
  groups: names.optional().meta({ description: 'The full new set of group memberships (names).' }),
  version: z.int().min(1).optional().meta({
    description: 'The version the edit was made on (as `If-Match` does): a stale one gets 409 with the current user.',
  }),
});

/** The users list's search and filters, shared by the list and its CSV export. */
export const UserFilterQuery = z.object({
  search: z.string().trim().max(LIMITS.emailMax).optional().meta({ description: 'Substring of the name or e-mail.' }),
  identityType: z.enum(IDENTITY_TYPES).optional(),
  status: z.enum(USER_STATUSES).optional(),
  group: z.string().max(LIMITS.nameMax).optional().meta({ description: 'Group id or name.' }),
  profile: z
    .string()
    .max(LIMITS.nameMax)
    .optional()
    .meta({ description: 'Profile id or name (held directly or through a group).' }),
  product: z.string().max(LIMITS.nameMax).optional().meta({ description: 'Product id or name (holds its license).' }),
  adminRole: z.enum(ADMIN_ROLES).optional(),
  contentPending: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .meta({ description: '`true`: removed users whose content waits for transfer ("Inactive users").' }),
});

const ListQuery = PageQuery.extend(UserFilterQuery.shape).extend({
  sort: z.enum(USER_SORTS).default('email').meta({
    description:
      'Sort order, `-` for descending: `email`, `name` (last name, then e-mail), `identityType` and `status` (then e-mail), `created` (creation time). Ties are ordered by id. A `cursor` is valid only with the sort it was made for (400 otherwise).',
  }),
});

/** "Select all N matching": the users list's search and filters, as its query string sends them. */
export const MatchingBody = z.strictObject(UserFilterQuery.shape).meta({
  description:
    'Every user the users list shows for this search and filters (as its query parameters), at most 10,000; instead of ids.',
});

const RemoveBody = z
  .strictObject({
    userIds: z.array(z.uuid()).min(1).max(10_000).optional(),
    matching: MatchingBody.optional(),
    contentAction: z
      .enum(['transfer-later', 'transfer-now', 'delete'])
      .default('transfer-later')
      .meta({ description: "What happens to the users' stored content." }),
    transferTo: email
      .optional()
      .meta({ description: 'With transfer-now: the e-mail of the user who receives the content.' }),
  })
  .refine((body) => (body.userIds === undefined) !== (body.matching === undefined), {
    message: 'send either userIds or matching',
    path: ['userIds'],
  });

const RoleBody = z.strictObject({
  role: z.enum(ADMIN_ROLES),
  scopeId: z.uuid().optional().meta({ description: 'The product, profile or group id of a scoped role.' }),
});

/**
 * Users: list, add, paste-a-list preview, details, edit, remove, restore, delete, content, admin
 * roles. Changes are translations: the request becomes the items of a command of the change
 * engine, run all or nothing (`atomic`: a failure is answered as the error it is), and the
 * response is read back.
 */
export function usersRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Users'];
    app.get(
      '/users',
      {
        schema: {
          tags,
          summary: 'List users',
          description: "The organization's users, searched, filtered and sorted, cursor-paged at any size.",
          querystring: ListQuery,
          response: { 200: pageOf(UserSchema), ...problems(401, 403) },
        },
      },
      async (request) => listUsers(ctx, request.actor!, request.query),
    );
    app.post(
      '/users',
      {
        schema: {
          tags,
          summary: 'Add users',
          description:
            "Adds users with their profiles and groups, all or nothing. The identity type follows the e-mail's domain. " +
            'Refused with the deficit when licenses would run out.',
          body: AddUsersBody,
          response: { 201: z.object({ items: z.array(UserSchema) }), ...problems(401, 403, 409, 422) },
        },
      },
      async (request, reply) => {
        const outcomes = await createUsersCommand(ctx, request.actor!, request.body.users, {
          atomic: true,
          field: 'body.users',
          sendInstructions: request.body.sendInstructions ?? false,
        });
        const ids = outcomes.map((outcome) => outcome.after?.id ?? '');
        return reply.status(201).send({ items: await presentUsersByIds(ctx.db, request.actor!.organizationId, ids) });
      },
    );
    app.post(
      '/users/paste-preview',
      {
        schema: {
          tags,
          summary: 'Check a pasted list of e-mails',
          description: `Checks up to ${PASTE_MAX_LINES} e-mails, one per line, without adding anyone: each line's e-mail, alias and identity type, or its problem.`,
          body: z.strictObject({ text: z.string().max(1_000_000) }),
          response: {
            200: PastePreviewSchema,
            ...problems(401, 403),
          },
        },
      },
      async (request) => previewPastedList(ctx, request.actor!, request.body.text),
    );
    app.post(
      '/users/remove',
      {
        schema: {
          tags,
          summary: 'Remove users',
          description:
            'Revokes every profile, group membership and admin right of the users, who move to Directory users (status removed); ' +
            'their content is kept for transfer later, transferred now, or deleted. The users are chosen by `userIds`, or by ' +
            '`matching`: the users list\'s search and filters ("select all N matching"; removed users left out).',
          body: RemoveBody,
          response: { 200: z.object({ removed: z.number().int() }), ...problems(401, 403, 404, 409, 422) },
        },
      },
      async (request) => {
        const { contentAction, transferTo, matching } = request.body;
        const userIds = matching
          ? await findMatchingUserIds(ctx, request.actor!, matching, { skipRemoved: true, field: 'body.matching' })
          : [...new Set(request.body.userIds)];
        if (userIds.length === 0) {
          return { removed: 0 };
        }
        const outcomes = await removeUsersCommand(
          ctx,
          request.actor!,
          userIds.map((id) => ({ user: { id }, contentAction, transferTo })),
          { atomic: true },
        );
        return { removed: outcomes.length };
      },
    );
    app.get(
      '/users/:id',
      {
        schema: {
          tags,
          summary: 'Get a user',
          description: 'A user with profiles (direct and through which group), groups, admin roles and content.',
          params: IdParams,
          response: { 200: UserDetailSchema, ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const user = await getUserDetail(ctx, request.actor!, request.params.id);
        reply.header('etag', `W/"${user.version}"`);
        return user;
      },
    );
    app.patch(
      '/users/:id',
      {
        schema: {
          tags,
          summary: 'Edit a user',
          description:
            'Changes details, e-mail (Enterprise/Federated), and the full sets of direct profiles and groups.',
          params: IdParams,
          body: PatchUserBody,
          response: { 200: UserDetailSchema, ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const version = request.body.version ?? versionOfIfMatch(request.headers['if-match']);
        await setUsersCommand(
          ctx,
          request.actor!,
          [{ ...request.body, user: { id: request.params.id }, ...(version === undefined ? {} : { version }) }],
          { atomic: true },
        );
        const user = await loadUserDetail(ctx.db, request.actor!.organizationId, request.params.id);
        reply.header('etag', `W/"${user.version}"`);
        return user;
      },
    );
    app.delete(
      '/users/:id',
      {
        schema: {
          tags,
          summary: 'Delete a removed user permanently',
          description: 'Erases a removed user and their content, with no way back; the audit log keeps only the id.',
          params: IdParams,
          response: { 204: z.null().meta({ description: 'Deleted.' }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await deleteUsersCommand(ctx, request.actor!, [{ user: { id: request.params.id } }], { atomic: true });
        return reply.status(204).send(null);
      },
    );
    app.post(
      '/users/:id/restore',
      {
        schema: {
          tags,
          summary: 'Restore a removed user',
          description: 'Brings a removed user back as active, without the rights they had.',
          params: IdParams,
          response: { 200: UserDetailSchema, ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => {
        await restoreUsersCommand(ctx, request.actor!, [{ user: { id: request.params.id } }], { atomic: true });
        return getUserDetail(ctx, request.actor!, request.params.id);
      },
    );
    app.put(
      '/users/:id/content',
      {
        schema: {
          tags,
          summary: "Set a user's stored content",
          description: 'Records how many items and bytes the user has stored.',
          params: IdParams,
          body: z.strictObject({ items: z.number().int().min(0), bytes: z.number().int().min(0) }),
          response: { 200: UserDetailSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        await setUserContent(ctx, request.actor!, request.params.id, request.body);
        return getUserDetail(ctx, request.actor!, request.params.id);
      },
    );
    app.post(
      '/users/:id/content/transfer',
      {
        schema: {
          tags,
          summary: "Transfer a removed user's content",
          description: 'Moves the content kept for transfer later to an active user.',
          params: IdParams,
          body: z.strictObject({ to: email }),
          response: { 200: UserDetailSchema, ...problems(401, 403, 404, 409, 422) },
        },
      },
      async (request) => {
        await settlePendingContent(ctx, request.actor!, request.params.id, request.body.to);
        return getUserDetail(ctx, request.actor!, request.params.id);
      },
    );
    app.delete(
      '/users/:id/content',
      {
        schema: {
          tags,
          summary: "Delete a removed user's content",
          description: 'Deletes the content kept for transfer later.',
          params: IdParams,
          response: { 204: z.null().meta({ description: 'Deleted.' }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await settlePendingContent(ctx, request.actor!, request.params.id, null);
        return reply.status(204).send(null);
      },
    );
    for (const [method, grant] of [
      ['post', true],
      ['delete', false],
    ] as const) {
      app[method](
        '/users/:id/admin-roles',
        {
          schema: {
            tags,
            summary: grant ? 'Grant an admin role' : 'Revoke an admin role',
            description: grant
              ? 'Makes the user an administrator with this role (and scope); queues a welcome e-mail.'
              : 'Takes one admin role (and scope) from the user; the last system admin cannot be revoked.',
            params: IdParams,
            body: RoleBody,
            response: { 200: UserDetailSchema, ...problems(401, 403, 404, 409, 422) },
          },
        },
        async (request) => {
          await changeAdminRolesCommand(
            ctx,
            request.actor!,
            [{ user: { id: request.params.id }, grant, ...request.body }],
            { atomic: true },
          );
          return loadUserDetail(ctx.db, request.actor!.organizationId, request.params.id);
        },
      );
    }
  };
}
