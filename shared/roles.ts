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
