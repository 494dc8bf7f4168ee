/**
 * The server's answers as the console reads them: every shape is declared once, as a zod schema in
 * shared/api/, and only its type is imported here (nothing of zod reaches the bundle).
 */
export type { ApiToken, CreatedApiToken } from '../../shared/api/api-tokens.ts';
export type { AuditEvent } from '../../shared/api/audit.ts';
export type { Group, GroupDeletionPreview, GroupDetail } from '../../shared/api/groups.ts';
export type { CreatedIntegration, Integration, IntegrationSettings } from '../../shared/api/integrations.ts';
export type { Organization } from '../../shared/api/organizations.ts';
export type { Page } from '../../shared/api/page.ts';
export type { Product, ProductProfile } from '../../shared/api/products.ts';
export type { CreatedScimToken, ScimSettings, ScimToken } from '../../shared/api/scim.ts';
export type { MfaRequired, RoleGrant, Session } from '../../shared/api/session.ts';
export type { ManagedBy, PastedRow, PastePreview, User, UserDetail } from '../../shared/api/users.ts';
