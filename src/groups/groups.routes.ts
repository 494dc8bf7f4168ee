import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  GroupDeletionPreviewSchema,
  GroupDetailSchema,
  GroupSchema,
  ProfileAssignmentSchema,
} from '../../shared/api/groups.ts';
import { UserSchema } from '../../shared/api/users.ts';
import { GROUP_SORTS, LIMITS } from '../../shared/contracts.ts';
import type { AppContext } from '../context.ts';
import { csvStream } from '../core/csv.ts';
import { countedPageOf, IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { USER_CSV_HEADERS, userCsvRows } from '../users/users.csv.ts';
import { listUsers } from '../users/users.service.ts';
import {
  createGroupsCommand,
  deleteGroupsCommand,
  type GroupStateItem,
  updateGroupsCommand,
} from './groups.commands.ts';
import { getGroup, listGroups, MAX_NEW_USERS_PER_SAVE, previewGroupDeletion } from './groups.service.ts';

const groupName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);
const description = z.string().trim().max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);
const NewUser = z.strictObject({
  email: z.email({ message: 'must be an e-mail address' }).max(LIMITS.emailMax),
  firstName: z.string().trim().max(LIMITS.nameMax).optional(),
  lastName: z.string().trim().max(LIMITS.nameMax).optional(),
  country: z.string().trim().max(10).optional(),
});
const AddUsersBody = z.strictObject({
  userIds: z.array(z.uuid()).max(250_000).optional().meta({ description: 'Existing users of the organization.' }),
  newUsers: z
    .array(NewUser)
    .max(MAX_NEW_USERS_PER_SAVE)
    .optional()
    .meta({ description: `New users to create and add, at most ${MAX_NEW_USERS_PER_SAVE} per save.` }),
});
const GroupIds = z.strictObject({ groupIds: z.array(z.uuid()).min(1).max(1000) });
const GroupParams = z.object({ id: z.uuid() });

/**
 * User groups: list, create, edit, delete (with preview), members, admins, profiles, CSV export.
 * Changes are translations: the request becomes one item of a command of the change engine, run
 * all or nothing (a failure is answered as the error it is), and the response is read back.
 */
export function groupsRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    /** Applies one change to one group; answers the counts of what it did (added, removed, assigned…). */
    const change = async (actor: Actor, groupId: string, item: Omit<GroupStateItem, 'group'>) => {
      const [outcome] = await updateGroupsCommand(ctx, actor, [{ ...item, group: { id: groupId } }], { atomic: true });
      return outcome?.params ?? {};
    };
    const tags = ['User groups'];
    const deleted = z.object({ deleted: z.number().int() });
    app.get(
      '/groups',
      {
        schema: {
          tags,
          summary: 'List user groups',
          description:
            'Groups by name, A to Z or Z to A (group admins: theirs), with member, profile and admin counts; cursor-paged.',
          querystring: PageQuery.extend({
            search: z.string().trim().max(LIMITS.nameMax).optional(),
            sort: z.enum(GROUP_SORTS).default('name').meta({
              description:
                'Sort order: `name` (A to Z) or `-name` (Z to A). A `cursor` is valid only with the sort it was made for (400 otherwise).',
            }),
          }),
          response: { 200: countedPageOf(GroupSchema), ...problems(401, 403) },
        },
      },
      async (request) => listGroups(ctx, request.actor!, request.query),
    );
    app.post(
      '/groups',
      {
        schema: {
          tags,
          summary: 'Create a user group',
          description: 'Creates a group; the name is unique in the organization (system admins).',
          body: z.strictObject({ name: groupName, description: description.optional() }),
          response: { 201: GroupDetailSchema, ...problems(401, 403, 409) },
        },
      },
      async (request, reply) => {
        const [created] = await createGroupsCommand(ctx, request.actor!, [request.body], { atomic: true });
        return reply.status(201).send(await getGroup(ctx, request.actor!, created?.after?.id ?? ''));
      },
    );
    app.get(
      '/groups/:id',
      {
        schema: {
          tags,
          summary: 'Get a user group',
          description: 'A group with its assigned profiles and its admins.',
          params: IdParams,
          response: { 200: GroupDetailSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getGroup(ctx, request.actor!, request.params.id),
    );
    app.patch(
      '/groups/:id',
      {
        schema: {
          tags,
          summary: 'Rename a user group or change its description',
          description: 'With `version`, refused with 409 when someone else changed the group meanwhile.',
          params: IdParams,
          body: z.strictObject({
            name: groupName.optional(),
            description: description.nullable().optional(),
            version: z.number().int().optional(),
          }),
          response: { 200: GroupDetailSchema, ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => {
        await change(request.actor!, request.params.id, request.body);
        return getGroup(ctx, request.actor!, request.params.id);
      },
    );
    app.post(
      '/groups/deletion-preview',
      {
        schema: {
          tags,
          summary: 'Preview deleting user groups',
          description: 'How many members of these groups would lose which profiles.',
          body: GroupIds,
          response: {
            200: GroupDeletionPreviewSchema,
            ...problems(401, 403, 404),
          },
        },
      },
      async (request) => previewGroupDeletion(ctx, request.actor!, request.body.groupIds),
    );
    app.post(
      '/groups/delete',
      {
        schema: {
          tags,
          summary: 'Delete user groups',
          description: 'Deletes groups; members stay and lose the profiles that came only from them.',
          body: GroupIds,
          response: { 200: deleted, ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        const items = [...new Set(request.body.groupIds)].map((id) => ({ group: { id } }));
        return { deleted: (await deleteGroupsCommand(ctx, request.actor!, items, { atomic: true })).length };
      },
    );
    app.delete(
      '/groups/:id',
      {
        schema: {
          tags,
          summary: 'Delete a user group',
          description: 'Deletes one group; members stay and lose the profiles that came only from it.',
          params: IdParams,
          response: { 204: z.null().meta({ description: 'Deleted.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await deleteGroupsCommand(ctx, request.actor!, [{ group: { id: request.params.id } }], { atomic: true });
        return reply.status(204).send(null);
      },
    );
    app.get(
      '/groups/:id/members',
      {
        schema: {
          tags,
          summary: "List a group's members",
          description: 'The members, searched and cursor-paged like the users list.',
          params: IdParams,
          querystring: PageQuery.extend({ search: z.string().trim().max(LIMITS.emailMax).optional() }),
          response: { 200: pageOf(UserSchema), ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        await getGroup(ctx, request.actor!, request.params.id);
        return listUsers(ctx, request.actor!, { ...request.query, group: request.params.id, sort: 'email' });
      },
    );
    app.post(
      '/groups/:id/members',
      {
        schema: {
          tags,
          summary: 'Add users to a group',
          description:
            'Adds existing users by id and creates new users by e-mail (at most 10 per save). Product admins may add ' +
            'existing users only.',
          params: IdParams,
          body: AddUsersBody,
          response: {
            200: z.object({ added: z.number().int(), created: z.number().int() }),
            ...problems(401, 403, 404, 409, 422),
          },
        },
      },
      async (request) => {
        const counts = await change(request.actor!, request.params.id, {
          members: { add: request.body.userIds, addNew: request.body.newUsers },
        });
        return { added: Number(counts.added ?? 0), created: Number(counts.created ?? 0) };
      },
    );
    app.post(
      '/groups/:id/members/remove',
      {
        schema: {
          tags,
          summary: 'Remove users from a group',
          description: 'Members removed lose the profiles that came only through this group.',
          params: IdParams,
          body: z.strictObject({ userIds: z.array(z.uuid()).min(1).max(250_000) }),
          response: { 200: z.object({ removed: z.number().int() }), ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        const counts = await change(request.actor!, request.params.id, { members: { remove: request.body.userIds } });
        return { removed: Number(counts.removed ?? 0) };
      },
    );
    app.delete(
      '/groups/:id/members/:userId',
      {
        schema: {
          tags,
          summary: 'Remove one user from a group',
          description: 'The member loses the profiles that came only through this group.',
          params: GroupParams.extend({ userId: z.uuid() }),
          response: { 204: z.null().meta({ description: 'Removed.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await change(request.actor!, request.params.id, { members: { remove: [request.params.userId] } });
        return reply.status(204).send(null);
      },
    );
    app.get(
      '/groups/:id/members.csv',
      {
        schema: {
          tags,
          summary: "Export a group's members as CSV",
          description: 'The members in the user CSV format, so the file can be uploaded into another group.',
          params: IdParams,
          produces: ['text/csv'],
          response: { 200: z.any().meta({ description: 'The CSV file.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const group = await getGroup(ctx, request.actor!, request.params.id);
        authorize(request.actor!, 'user.read');
        const safeName = group.name.replace(/[^\p{L}\p{N} _-]+/gu, '_').slice(0, 80);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${encodeURIComponent(safeName)}-members.csv"`)
          .send(csvStream(USER_CSV_HEADERS, userCsvRows(ctx.db, request.actor!.organizationId, { groupId: group.id })));
      },
    );
    app.post(
      '/groups/:id/admins',
      {
        schema: {
          tags,
          summary: 'Add group admins',
          description: 'Makes existing users, or new users by e-mail (at most 10 per save), admins of the group.',
          params: IdParams,
          body: AddUsersBody,
          response: { 200: GroupDetailSchema, ...problems(401, 403, 404, 409, 422) },
        },
      },
      async (request) => {
        const { userIds, newUsers } = request.body;
        await change(request.actor!, request.params.id, { adminsChange: { add: userIds, addNew: newUsers } });
        return getGroup(ctx, request.actor!, request.params.id);
      },
    );
    app.delete(
      '/groups/:id/admins/:userId',
      {
        schema: {
          tags,
          summary: 'Remove a group admin',
          description: 'Takes the group-admin right for this group from the user.',
          params: GroupParams.extend({ userId: z.uuid() }),
          response: { 200: GroupDetailSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => {
        await change(request.actor!, request.params.id, { adminsChange: { remove: [request.params.userId] } });
        return getGroup(ctx, request.actor!, request.params.id);
      },
    );
    app.post(
      '/groups/:id/profiles',
      {
        schema: {
          tags,
          summary: 'Assign product profiles to a group',
          description:
            "Every member gets the profiles (one license per product and user). Warns above the instance's warning " +
            'size and refuses above its guard.',
          params: IdParams,
          body: z.strictObject({ profileIds: z.array(z.uuid()).min(1).max(200) }),
          response: {
            200: ProfileAssignmentSchema,
            ...problems(401, 403, 404, 409, 422),
          },
        },
      },
      async (request) => {
        const counts = await change(request.actor!, request.params.id, {
          profilesChange: { assign: request.body.profileIds },
        });
        return {
          assigned: Number(counts.assigned ?? 0),
          membersCount: Number(counts.membersCount ?? 0),
          warning: counts.warning === undefined ? null : String(counts.warning),
        };
      },
    );
    app.delete(
      '/groups/:id/profiles/:profileId',
      {
        schema: {
          tags,
          summary: 'Unassign a product profile from a group',
          description: 'Members keep the profile only if they hold it directly or through another group.',
          params: GroupParams.extend({ profileId: z.uuid() }),
          response: { 204: z.null().meta({ description: 'Unassigned.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await change(request.actor!, request.params.id, { profilesChange: { unassign: [request.params.profileId] } });
        return reply.status(204).send(null);
      },
    );
  };
}
