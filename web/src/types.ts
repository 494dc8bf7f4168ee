import type { ManagedBy } from '../../shared/api/users.ts';

export type { ApiToken, CreatedApiToken } from '../../shared/api/api-tokens.ts';
export type { AuditEvent } from '../../shared/api/audit.ts';
export type { CreatedIntegration, Integration, IntegrationSettings } from '../../shared/api/integrations.ts';
export type { Organization } from '../../shared/api/organizations.ts';
export type { Page } from '../../shared/api/page.ts';
export type { CreatedScimToken, ScimSettings, ScimToken } from '../../shared/api/scim.ts';
export type { MfaRequired, RoleGrant, Session } from '../../shared/api/session.ts';
export type { ManagedBy, PastedRow, PastePreview, User, UserDetail } from '../../shared/api/users.ts';

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
