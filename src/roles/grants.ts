import { type Expression, type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Grant } from './policy.ts';

const GRANT_COLUMNS = ['role', 'product_id', 'profile_id', 'group_id'] as const;

/** A grant as the database stores it. */
export interface GrantRow {
  role: Grant['role'];
  product_id: string | null;
  profile_id: string | null;
  group_id: string | null;
}

/**
 * A stored grant as the policy reads it.
 * @returns the grant
 */
export function toGrant(row: GrantRow): Grant {
  return { role: row.role, productId: row.product_id, profileId: row.profile_id, groupId: row.group_id };
}

/**
 * The grants of an API token as a JSON array of {@link GrantRow}, as an expression for a caller
 * that reads them in the statement that authenticates the token (one statement per request).
 * @param organizationId the token's organization (an expression: a column of the caller's query)
 * @param apiTokenId the token's id (likewise)
 * @returns a scalar subquery (an empty array for a token with no role)
 */
export function apiTokenGrantsJson(
  organizationId: Expression<string>,
  apiTokenId: Expression<string>,
): RawBuilder<GrantRow[]> {
  return sql<GrantRow[]>`(
    select coalesce(json_agg(json_build_object(
      'role', a.role, 'product_id', a.product_id, 'profile_id', a.profile_id, 'group_id', a.group_id)), '[]'::json)
    from admin_role_assignments a
    where a.organization_id = ${organizationId} and a.api_token_id = ${apiTokenId})`;
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

/** One admin role a user holds, with the product, profile or group it covers. */
export interface HeldAdminRole {
  /** The assignment's id. */
  id: string;
  role: Grant['role'];
  /** The scope (id and current name) of a scoped role; null for organization-wide roles. */
  scope: { id: string; name: string } | null;
}

/**
 * The admin roles of users, with their scopes' names, in one query.
 * @param db database or transaction
 * @param organizationId the tenant
 * @param userIds the users
 * @returns user id → roles held (users without roles are absent)
 */
export async function findAdminRolesByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<Map<string, HeldAdminRole[]>> {
  if (userIds.length === 0) {
    return new Map();
  }
  const rows = await db
    .selectFrom('admin_role_assignments as a')
    .leftJoin('products as p', (join) =>
      join.onRef('p.organization_id', '=', 'a.organization_id').onRef('p.id', '=', 'a.product_id'),
    )
    .leftJoin('product_profiles as pp', (join) =>
      join.onRef('pp.organization_id', '=', 'a.organization_id').onRef('pp.id', '=', 'a.profile_id'),
    )
    .leftJoin('user_groups as g', (join) =>
      join.onRef('g.organization_id', '=', 'a.organization_id').onRef('g.id', '=', 'a.group_id'),
    )
    .select([
      'a.id',
      'a.user_id',
      'a.role',
      sql<string | null>`coalesce(a.product_id, a.profile_id, a.group_id)`.as('scope_id'),
      sql<string | null>`coalesce(p.name, pp.name, g.name)`.as('scope_name'),
    ])
    .where('a.organization_id', '=', organizationId)
    .where('a.user_id', 'in', userIds)
    .orderBy('a.role')
    .orderBy(sql`coalesce(p.name, pp.name, g.name)`)
    .execute();
  return heldAdminRolesByUser(rows);
}

/**
 * Groups assignment rows (each with its scope's id and name, as `findAdminRolesByUserIds` and a
 * removal's revocation read them) by user, in the rows' order.
 * @param rows assignments of users; rows without a user (an API token's) are left out
 * @returns user id → roles held (users without roles are absent)
 */
export function heldAdminRolesByUser(
  rows: {
    id: string;
    user_id: string | null;
    role: HeldAdminRole['role'];
    scope_id: string | null;
    scope_name: string | null;
  }[],
): Map<string, HeldAdminRole[]> {
  const held = new Map<string, HeldAdminRole[]>();
  for (const row of rows) {
    if (row.user_id === null) {
      continue;
    }
    const list = held.get(row.user_id) ?? [];
    list.push({
      id: row.id,
      role: row.role,
      scope: row.scope_id === null ? null : { id: row.scope_id, name: row.scope_name ?? '' },
    });
    held.set(row.user_id, list);
  }
  return held;
}
