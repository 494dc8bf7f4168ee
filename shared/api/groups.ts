/** User groups: the shapes the groups' list, a group's page and the deletion preview answer with. */
import { z } from 'zod';
import { ManagedBySchema } from './users.ts';

export const GroupSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    membersCount: z.number().int(),
    profilesCount: z.number().int(),
    adminsCount: z.number().int(),
    version: z
      .number()
      .int()
      .meta({ description: 'Send back with PATCH; a changed version means someone else edited the group.' }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'UserGroup' });
/** A user group as lists show it (GET /api/v1/groups). */
export type Group = z.infer<typeof GroupSchema>;

export const GroupDetailSchema = GroupSchema.extend({
  profiles: z.array(z.object({ id: z.uuid(), name: z.string(), productId: z.uuid(), productName: z.string() })),
  admins: z.array(
    z.object({ id: z.uuid(), email: z.string(), firstName: z.string().nullable(), lastName: z.string().nullable() }),
  ),
  managedBy: ManagedBySchema,
}).meta({ id: 'UserGroupDetail' });
/** One group with its assigned profiles and its admins (GET /api/v1/groups/{id}). */
export type GroupDetail = z.infer<typeof GroupDetailSchema>;

export const GroupDeletionPreviewSchema = z.object({
  groups: z.array(z.object({ id: z.uuid(), name: z.string(), membersCount: z.number().int() })),
  losses: z
    .array(
      z.object({
        profileId: z.uuid(),
        profileName: z.string(),
        productName: z.string(),
        users: z.number().int(),
      }),
    )
    .meta({ description: 'Members who lose a profile that came only through the deleted groups.' }),
});
/** What deleting groups would take away (POST /api/v1/groups/deletion-preview). */
export type GroupDeletionPreview = z.infer<typeof GroupDeletionPreviewSchema>;

export const ProfileAssignmentSchema = z.object({
  assigned: z.number().int(),
  membersCount: z.number().int(),
  warning: z
    .string()
    .nullable()
    .meta({ description: "Said when the group is above the instance's warning size (the assignment still happened)." }),
});
/** What assigning profiles to a group answers. */
export type ProfileAssignment = z.infer<typeof ProfileAssignmentSchema>;
