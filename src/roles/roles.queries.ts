import type { Executor } from '../db/database.ts';
import type { Grant } from './policy.ts';

const GRANT_COLUMNS = ['role', 'product_id', 'profile_id', 'group_id'] as const;

function toGrant(row: {
  role: Grant['role'];
  product_id: string | null;
  profile_id: string | null;
  group_id: string | null;
}): Grant {
  return { role: row.role, productId: row.product_id, profileId: row.profile_id, groupId: row.group_id };
}

/** Whose grants: an administrator or an API token. */
export type Principal = { userId: string } | { apiTokenId: string };

/**
 * The admin roles a user or an API token holds in its organization (a token holds one role,
 * possibly over several scopes).
 * @returns the grants (empty for a user who is not an admin)
 */
export async function findGrantsByPrincipal(
  db: Executor,
  organizationId: string,
  principal: Principal,
): Promise<Grant[]> {
  const query = db
    .selectFrom('admin_role_assignments')
    .select(GRANT_COLUMNS)
    .where('organization_id', '=', organizationId);
  const rows = await ('userId' in principal
    ? query.where('user_id', '=', principal.userId)
    : query.where('api_token_id', '=', principal.apiTokenId)
  ).execute();
  return rows.map(toGrant);
}

/** Inserts grants for one principal (a user or a token). */
export async function insertGrants(
  db: Executor,
  organizationId: string,
  principal: Principal,
  grants: Grant[],
): Promise<void> {
  if (grants.length === 0) {
    return;
  }
  await db
    .insertInto('admin_role_assignments')
    .values(
      grants.map((grant) => ({
        organization_id: organizationId,
        user_id: 'userId' in principal ? principal.userId : null,
        api_token_id: 'apiTokenId' in principal ? principal.apiTokenId : null,
        role: grant.role,
        product_id: grant.productId,
        profile_id: grant.profileId,
        group_id: grant.groupId,
      })),
    )
    .execute();
}
