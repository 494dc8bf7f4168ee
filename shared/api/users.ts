/** Users: the shapes the users' list, details and paste preview answer with. */
import { z } from 'zod';
import { IDENTITY_TYPES, USER_STATUSES } from '../contracts.ts';
import { ADMIN_ROLES } from '../roles.ts';

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    username: z.string(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    country: z.string().nullable().meta({ description: 'ISO 3166-1 alpha-2.' }),
    alias: z.string().meta({ description: 'Display name; defaults to the mailbox part of the e-mail.' }),
    identityType: z.enum(IDENTITY_TYPES),
    status: z.enum(USER_STATUSES),
    products: z.array(z.string()).meta({ description: 'Names of the products whose license the user holds.' }),
    contentPending: z
      .boolean()
      .meta({ description: 'Removed, with stored content kept for transfer later ("Inactive users").' }),
    createdAt: z.iso.datetime(),
    version: z.int().meta({
      description:
        'Moves with every change to the user (details, profiles, groups, admin roles): send it back with an edit (`version` or `If-Match`) to refuse a stale one.',
    }),
  })
  .meta({ id: 'User' });
/** A user as lists show it (GET /api/v1/users). */
export type User = z.infer<typeof UserSchema>;

/** Who manages a user or a group (SPEC: the source that made it). */
export const ManagedBySchema = z
  .object({
    type: z.enum(['console', 'bulk', 'scim', 'directory_sync', 'umapi']),
    id: z.string().nullable().meta({
      description: "The bulk operation's, SCIM token's, directory's or integration's id; null for the console.",
    }),
    name: z.string().nullable().meta({ description: "The SCIM token's, directory's or integration's name." }),
  })
  .meta({
    id: 'ManagedBy',
    description:
      'The source that made it: the console or API, a bulk operation, a SCIM connection, a directory sync or an Adobe-API integration. A synchronizing source removes only what it manages.',
  });
/** Who manages a user or a group: the source that made it (the console or API, a file, a connection). */
export type ManagedBy = z.infer<typeof ManagedBySchema>;

export const ScopeSchema = z
  .object({ type: z.enum(['product', 'profile', 'group']), id: z.uuid(), name: z.string() })
  .nullable();

export const UserDetailSchema = UserSchema.extend({
  groups: z.array(z.object({ id: z.uuid(), name: z.string() })),
  profiles: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      productId: z.uuid(),
      productName: z.string(),
      via: z.string().meta({ description: '`direct`, or the name of the group that gives the profile.' }),
    }),
  ),
  adminRoles: z.array(z.object({ role: z.enum(ADMIN_ROLES), scope: ScopeSchema })),
  content: z.object({ items: z.number(), bytes: z.number() }),
  readOnlyReason: z
    .string()
    .nullable()
    .meta({ description: 'Why the details cannot be edited here (trusted domain), or null.' }),
  removedAt: z.iso.datetime().nullable(),
  adminSignIn: z
    .object({
      passwordSet: z.boolean().meta({ description: 'Whether the admin has set a password (from the invitation).' }),
      lastSignInAt: z.iso.datetime().nullable().meta({ description: 'The last console sign-in; null = never.' }),
    })
    .nullable()
    .meta({ description: 'How an admin signs in; null for users who hold no admin role.' }),
  managedBy: ManagedBySchema,
}).meta({ id: 'UserDetail' });
/** One user with profiles, groups, admin rights and content (GET /api/v1/users/{id}). */
export type UserDetail = z.infer<typeof UserDetailSchema>;

export const PastedRowSchema = z.object({
  line: z.number().int(),
  input: z.string(),
  email: z.string().nullable(),
  alias: z.string().nullable(),
  identityType: z.enum(IDENTITY_TYPES).nullable(),
  problem: z.enum(['not_an_email', 'duplicate', 'too_many', 'already_exists']).nullable(),
  message: z.string().nullable(),
});
/** One line of a pasted list, as POST /api/v1/users/paste-preview checked it. */
export type PastedRow = z.infer<typeof PastedRowSchema>;

export const PastePreviewSchema = z.object({
  rows: z.array(PastedRowSchema),
  accepted: z.number().int(),
});
/** The lines of a pasted list and how many of them can be added. */
export type PastePreview = z.infer<typeof PastePreviewSchema>;
