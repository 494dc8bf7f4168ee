import type { Executor } from '../db/database.ts';
import type { ApiTokenKind } from '../db/schema.ts';
import type { Grant } from '../roles/policy.ts';

/** An API token with its role grants and creator, for listing. */
export interface ApiTokenListRow {
  id: string;
  name: string;
  tokenPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdByEmail: string | null;
  clientId: string | null;
  grants: Grant[];
}

/**
 * Lists an organization's API tokens (or SCIM tokens), newest first, with their grants.
 * @returns every token of that kind (an organization has few)
 */
export async function findApiTokensByOrganizationId(
  db: Executor,
  organizationId: string,
  kind: ApiTokenKind = 'api',
): Promise<ApiTokenListRow[]> {
  const tokens = await db
    .selectFrom('api_tokens')
    .leftJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'api_tokens.created_by_user_id')
        .onRef('users.organization_id', '=', 'api_tokens.organization_id'),
    )
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.token_prefix',
      'api_tokens.created_at',
      'api_tokens.last_used_at',
      'api_tokens.revoked_at',
      'api_tokens.client_id',
      'users.email',
    ])
    .where('api_tokens.organization_id', '=', organizationId)
    .where('api_tokens.kind', '=', kind)
    .orderBy('api_tokens.created_at', 'desc')
    .orderBy('api_tokens.id')
    .execute();
  const grants = await db
    .selectFrom('admin_role_assignments')
    .select(['api_token_id', 'role', 'product_id', 'profile_id', 'group_id'])
    .where('organization_id', '=', organizationId)
    .where('api_token_id', 'is not', null)
    .execute();
  return tokens.map((token) => ({
    id: token.id,
    name: token.name,
    tokenPrefix: token.token_prefix,
    createdAt: token.created_at,
    lastUsedAt: token.last_used_at,
    revokedAt: token.revoked_at,
    createdByEmail: token.email,
    clientId: token.client_id,
    grants: grants
      .filter((grant) => grant.api_token_id === token.id)
      .map((grant) => ({
        role: grant.role,
        productId: grant.product_id,
        profileId: grant.profile_id,
        groupId: grant.group_id,
      })),
  }));
}

/**
 * Finds which of `ids` name rows of `table` in the organization.
 * @returns the ids that exist there
 */
export async function findExistingScopeIds(
  db: Executor,
  organizationId: string,
  table: 'products' | 'product_profiles' | 'user_groups',
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) {
    return new Set();
  }
  const rows = await db
    .selectFrom(table)
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((row) => row.id));
}
