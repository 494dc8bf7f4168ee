import { ACTIONS, type Action, type AdminRole } from '../../shared/roles.ts';

/** The action names live in shared/ (the session's abilities name them); the policy stays here. */
export { ACTIONS, type Action };

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
