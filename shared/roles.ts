/**
 * Administrator roles (SPEC section 1) and which of them are scoped, and to what.
 * Shared by the server's policy and the console's role pickers.
 */
export const ADMIN_ROLES = [
  'system-admin',
  'product-admin',
  'profile-admin',
  'group-admin',
  'support-admin',
  'deployment-admin',
] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** What a scoped role's scope ids name. */
export type ScopeKind = 'product' | 'profile' | 'group';

/** The scope kind of each role; `null` for roles that cover the whole organization. */
export const ROLE_SCOPE: Record<AdminRole, ScopeKind | null> = {
  'system-admin': null,
  'product-admin': 'product',
  'profile-admin': 'profile',
  'group-admin': 'group',
  'support-admin': null,
  'deployment-admin': null,
};

/**
 * Everything an administrator can be allowed to do, as `resource.action`. Later capabilities use
 * the actions already listed here; an action that is not in this list cannot be authorized.
 */
export const ACTIONS = [
  'console.signIn',
  'self.update',
  'organization.read',
  'organization.update',
  'domain.read',
  'domain.manage',
  'apiToken.read',
  'apiToken.create',
  'apiToken.revoke',
  'audit.read',
  'adminRole.read',
  'adminRole.assign',
  'user.read',
  'user.create',
  'user.update',
  'user.remove',
  'user.delete',
  'product.read',
  'product.manage',
  'profile.read',
  'profile.manage',
  'profile.assign',
  'group.read',
  'group.manage',
  'group.members.addExisting',
  'group.members.addNew',
  'group.members.remove',
  // Giving a group's profiles by making users members: a group admin of that group may, although
  // they may not assign profiles; anyone else needs `profile.assign` on each profile the group gives.
  'group.members.grantProfiles',
  'device.read',
  'device.disconnect',
  'instructions.send',
  'bulk.run',
  // Seeing every bulk operation of the organization, not only one's own.
  'bulk.readAll',
  // Provisioning through SCIM (a group admin: its groups' members only).
  'scim.provision',
  'outbox.read',
  'outbox.retry',
  // Discarding queued e-mails (one, by filter, or a held backlog).
  'outbox.discard',
] as const;
export type Action = (typeof ACTIONS)[number];
