import type { AdminRole } from '../../shared/roles.ts';

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
  // they may not assign profiles; anyone else needs \`profile.assign\` on each profile the group gives.
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

/**
 * How far a role's permission reaches: `all` of the organization, or only targets inside the
 * grant's scope (its product, profile or group).
 */
export type Reach = 'all' | 'scoped';

/** The permission table: what each role may do (SPEC section 1, roles as in the seed consoles). */
export const ROLE_PERMISSIONS: Record<AdminRole, Partial<Record<Action, Reach>>> = {
  'system-admin': Object.fromEntries(ACTIONS.map((action) => [action, 'all'])),
  'product-admin': {
    'console.signIn': 'all',
    'self.update': 'all',
    'organization.read': 'all',
    'user.read': 'all',
    'user.create': 'all',
    'product.read': 'scoped',
    'profile.read': 'scoped',
    'profile.manage': 'scoped',
    'profile.assign': 'scoped',
    'adminRole.read': 'all',
    'group.read': 'all',
    'group.members.addExisting': 'all',
    'device.read': 'all',
    'bulk.run': 'all',
  },
  'profile-admin': {
    'console.signIn': 'all',
    'self.update': 'all',
    'organization.read': 'all',
    'user.read': 'all',
    'product.read': 'scoped',
    'profile.read': 'scoped',
    'profile.assign': 'scoped',
    'group.read': 'all',
  },
  'group-admin': {
    'console.signIn': 'all',
    'self.update': 'all',
    'organization.read': 'all',
    'user.read': 'all',
    'group.read': 'scoped',
    'group.members.addExisting': 'scoped',
    'group.members.addNew': 'scoped',
    'group.members.remove': 'scoped',
    'group.members.grantProfiles': 'scoped',
    // Adding and unassigning their group's members by CSV (seed 001).
    'bulk.run': 'scoped',
    'scim.provision': 'scoped',
  },
  'support-admin': {
    'console.signIn': 'all',
    'self.update': 'all',
    'organization.read': 'all',
    'domain.read': 'all',
    'user.read': 'all',
    'group.read': 'all',
    'product.read': 'all',
    'profile.read': 'all',
    'adminRole.read': 'all',
    'device.read': 'all',
  },
  'deployment-admin': {
    'console.signIn': 'all',
    'self.update': 'all',
    'organization.read': 'all',
    'user.read': 'all',
    'product.read': 'all',
    'device.read': 'all',
    'device.disconnect': 'all',
    'instructions.send': 'all',
  },
};
