import type { IdentityType } from '../../shared/contracts.ts';
import { emailDomain } from '../domains/identity.ts';
import type { AccessGroup } from '../groups/groups.catalog.ts';
import type { HeldAdminRole } from '../roles/grants.ts';
import type { UserAccess } from '../users/users.access.ts';

/**
 * Usher's objects in the words of Adobe's User Management API. The field names are those Adobe's
 * clients read: user-sync `user_sync/engine/umapi.py` reads a user's `email`, `username`,
 * `domain`, `type`, `groups`, `firstname`, `lastname`, `country`; `groupName` of each group
 * (auto-creating user groups); umapi-client `connection.py` query_multiple reads `result`,
 * `users`/`groups`, `lastPage` and the X-* paging headers.
 */

/** Adobe's suffix of an organization id (`…@AdobeOrg`), accepted after Usher's id. */
const ADOBE_ORG_SUFFIX = /@adobeorg$/i;

/**
 * The organization id of a path, without Adobe's `@AdobeOrg` suffix.
 * @returns the id as Usher knows it
 */
export function organizationIdOf(param: string): string {
  return param.trim().replace(ADOBE_ORG_SUFFIX, '').toLowerCase();
}

/** Usher's identity type → Adobe's user `type`. */
export const UMAPI_TYPES: Record<IdentityType, 'adobeID' | 'enterpriseID' | 'federatedID'> = {
  personal: 'adobeID',
  enterprise: 'enterpriseID',
  federated: 'federatedID',
};

/** A user as Adobe's API shows it. */
export interface UmapiUser {
  id: string;
  email: string;
  status: 'active' | 'disabled';
  username: string;
  domain: string;
  firstname: string | null;
  lastname: string | null;
  country: string | null;
  type: 'adobeID' | 'enterpriseID' | 'federatedID';
  groups: string[];
}

/**
 * The admin pseudo-groups Adobe lists among a user's groups, which the sync tool uses to leave
 * admins alone (its `exclude_groups` option): `_org_admin`, `_deployment_admin`,
 * `_support_admin`, `_product_admin_<product>`, `_admin_<profile or group>`.
 * @returns the names, one per role held
 */
export function adminGroupNames(roles: HeldAdminRole[]): string[] {
  return roles.map((held) => {
    switch (held.role) {
      case 'system-admin':
        return '_org_admin';
      case 'deployment-admin':
        return '_deployment_admin';
      case 'support-admin':
        return '_support_admin';
      case 'product-admin':
        return `_product_admin_${held.scope?.name ?? ''}`;
      default:
        return `_admin_${held.scope?.name ?? ''}`;
    }
  });
}

/**
 * Presents a user with the names of its profiles, user groups (and, when asked, the profiles
 * that come through groups) and admin pseudo-groups as `groups`.
 * @returns the user in Adobe's shape
 */
export function presentUmapiUser(access: UserAccess): UmapiUser {
  const { user } = access;
  return {
    id: user.id,
    email: user.email,
    status: user.status === 'removed' ? 'disabled' : 'active',
    username: user.username,
    domain: emailDomain(user.email),
    firstname: user.first_name,
    lastname: user.last_name,
    country: user.country,
    type: UMAPI_TYPES[user.identity_type],
    groups: [
      ...new Set([
        ...access.profiles,
        ...access.groupProfiles,
        ...access.groups,
        ...adminGroupNames(access.adminRoles),
      ]),
    ],
  };
}

/** A product profile or user group as Adobe's groups listing shows it. */
export interface UmapiGroup {
  groupId: string;
  groupName: string;
  type: 'PRODUCT_PROFILE' | 'USER_GROUP';
  memberCount: number;
  productName?: string;
  licenseQuota?: string;
}

/**
 * Presents a profile or user group.
 * @returns the group in Adobe's shape
 */
export function presentUmapiGroup(group: AccessGroup): UmapiGroup {
  if (group.kind === 'profile') {
    return {
      groupId: group.id,
      groupName: group.name,
      type: 'PRODUCT_PROFILE',
      memberCount: group.memberCount,
      productName: group.productName ?? '',
      licenseQuota: String(group.licenseQuantity ?? 0),
    };
  }
  return { groupId: group.id, groupName: group.name, type: 'USER_GROUP', memberCount: group.memberCount };
}
