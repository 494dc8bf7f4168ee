import type { IdentityType, UserStatus } from '../../shared/contracts.ts';
import type { AdminRole } from '../../shared/roles.ts';

export type { ApiToken, CreatedApiToken } from '../../shared/api/api-tokens.ts';
export type { AuditEvent } from '../../shared/api/audit.ts';
export type { CreatedIntegration, Integration, IntegrationSettings } from '../../shared/api/integrations.ts';
export type { Organization } from '../../shared/api/organizations.ts';
export type { Page } from '../../shared/api/page.ts';
export type { CreatedScimToken, ScimSettings, ScimToken } from '../../shared/api/scim.ts';
export type { MfaRequired, RoleGrant, Session } from '../../shared/api/session.ts';

/** A user as lists show it (GET /api/v1/users). */
export interface User {
  id: string;
  email: string;
  username: string;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  alias: string;
  identityType: IdentityType;
  status: UserStatus;
  /** Names of the products whose license the user holds. */
  products: string[];
  /** Removed, with stored content kept for transfer later ("Inactive users"). */
  contentPending: boolean;
  createdAt: string;
  /** Moves with every change to the user; PATCH sends it back so a concurrent change is noticed. */
  version: number;
}

/** One user with profiles, groups, admin rights and content (GET /api/v1/users/{id}). */
export interface UserDetail extends User {
  groups: { id: string; name: string }[];
  /** `via` is `direct` or the name of the group that gives the profile. */
  profiles: { id: string; name: string; productId: string; productName: string; via: string }[];
  adminRoles: { role: AdminRole; scope: { type: 'product' | 'profile' | 'group'; id: string; name: string } | null }[];
  content: { items: number; bytes: number };
  /** Why the details cannot be edited (trusted domain), or null. */
  readOnlyReason: string | null;
  removedAt: string | null;
  /** How an admin signs in; null for users without admin roles. */
  adminSignIn: { passwordSet: boolean; lastSignInAt: string | null } | null;
  managedBy: ManagedBy;
}

/** Who manages a user or a group: the source that made it (the console or API, a file, a connection). */
export interface ManagedBy {
  type: 'console' | 'bulk' | 'scim' | 'directory_sync' | 'umapi';
  id: string | null;
  /** The SCIM token's, directory's or integration's name. */
  name: string | null;
}

/** One line of a pasted list, as POST /api/v1/users/paste-preview checked it. */
export interface PastedRow {
  line: number;
  input: string;
  email: string | null;
  alias: string | null;
  identityType: IdentityType | null;
  problem: null | 'not_an_email' | 'duplicate' | 'too_many' | 'already_exists';
  message: string | null;
}

export interface Product {
  id: string;
  name: string;
  licenseQuantity: number;
  licensesUsed: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProductProfile {
  id: string;
  productId: string;
  productName: string;
  name: string;
  description: string | null;
  services: string[];
  usersCount: number;
  createdAt: string;
  updatedAt: string;
}

/** A user group as lists show it (GET /api/v1/groups). */
export interface Group {
  id: string;
  name: string;
  description: string | null;
  membersCount: number;
  profilesCount: number;
  adminsCount: number;
  /** Changes with every edit; PATCH sends it back so a concurrent change is noticed. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** One group with its assigned profiles and its admins (GET /api/v1/groups/{id}). */
export interface GroupDetail extends Group {
  profiles: { id: string; name: string; productId: string; productName: string }[];
  admins: { id: string; email: string; firstName: string | null; lastName: string | null }[];
  managedBy: ManagedBy;
}

/** What deleting groups would take away (POST /api/v1/groups/deletion-preview). */
export interface GroupDeletionPreview {
  groups: { id: string; name: string; membersCount: number }[];
  /** Members who lose a profile that came only through the deleted groups. */
  losses: { profileId: string; profileName: string; productName: string; users: number }[];
}
