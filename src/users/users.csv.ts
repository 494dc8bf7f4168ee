import { sql } from 'kysely';
import type { IdentityType } from '../../shared/contracts.ts';
import { type AdminRole, ROLE_SCOPE, type ScopeKind } from '../../shared/roles.ts';
import type { Executor } from '../db/database.ts';
import { emailDomain } from '../domains/identity.ts';
import { findAdminRolesByUserIds } from '../roles/grants.ts';
import { applyUserFilter, type UserFilter } from './users.queries.ts';

/** The columns of a user CSV file, in Adobe Admin Console's order and spelling (SPEC section 2). */
export const USER_CSV_HEADERS = [
  'Identity Type',
  'Username',
  'Domain',
  'Email',
  'First Name',
  'Last Name',
  'Country Code',
  'ID',
  'Product Configurations',
  'Admin Roles',
  'Product Configurations Administered',
  'User Groups',
  'User Groups Administered',
  'Products Administered',
  'Contracts Administered',
  'Developer Access',
  'Auto Assigned Products',
];

export const IDENTITY_TYPE_LABELS: Record<IdentityType, string> = {
  personal: 'Personal ID',
  enterprise: 'Enterprise ID',
  federated: 'Federated ID',
};

export const ADMIN_ROLE_LABELS: Record<AdminRole, string> = {
  'system-admin': 'System Admin',
  'product-admin': 'Product Admin',
  'profile-admin': 'Product Profile Admin',
  'group-admin': 'User Group Admin',
  'support-admin': 'Support Admin',
  'deployment-admin': 'Deployment Admin',
};

const PAGE = 1000;

/**
 * The user CSV rows of the users a filter selects (as the users list filters them; `{}` for all,
 * `{ groupId }` for a group's members), read a thousand at a time by id (keyset), with each
 * page's profiles, groups and admin rights loaded in three set queries: memory stays flat however
 * many users there are.
 * @param db database
 * @param organizationId the tenant
 * @param filter which users
 * @returns CSV rows in USER_CSV_HEADERS order
 */
export async function* userCsvRows(db: Executor, organizationId: string, filter: UserFilter): AsyncGenerator<string[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const query = applyUserFilter(
      db
        .selectFrom('users')
        .select([
          'users.id',
          'users.email',
          'users.username',
          'users.first_name',
          'users.last_name',
          'users.country',
          'users.identity_type',
        ])
        .where('users.organization_id', '=', organizationId)
        .where('users.id', '>', after),
      organizationId,
      filter,
    );
    const users = await query.orderBy('users.id').limit(PAGE).execute();
    if (users.length === 0) {
      return;
    }
    const ids = users.map((user) => user.id);
    const profiles = await sql<{ user_id: string; name: string }>`
      select up.user_id, pp.name from user_profiles up
      join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
      where up.organization_id = ${organizationId} and up.user_id = any(${ids}::uuid[]) order by pp.name`.execute(db);
    const groups = await sql<{ user_id: string; name: string }>`
      select gm.user_id, g.name from group_members gm
      join user_groups g on g.organization_id = gm.organization_id and g.id = gm.group_id
      where gm.organization_id = ${organizationId} and gm.user_id = any(${ids}::uuid[]) order by g.name`.execute(db);
    const grants = await findAdminRolesByUserIds(db, organizationId, ids);
    const of = <T extends { user_id: string }>(rows: T[], id: string) => rows.filter((row) => row.user_id === id);
    const list = (values: (string | null)[]) => [...new Set(values.filter((value) => value !== null))].join(',');
    for (const user of users) {
      const mine = grants.get(user.id) ?? [];
      const scopes = (kind: ScopeKind) =>
        list(mine.map((grant) => (ROLE_SCOPE[grant.role] === kind ? (grant.scope?.name ?? null) : null)));
      yield [
        IDENTITY_TYPE_LABELS[user.identity_type],
        user.username,
        emailDomain(user.email),
        user.email,
        user.first_name ?? '',
        user.last_name ?? '',
        user.country ?? '',
        user.id,
        list(of(profiles.rows, user.id).map((row) => row.name)),
        list(mine.map((grant) => ADMIN_ROLE_LABELS[grant.role])),
        scopes('profile'),
        list(of(groups.rows, user.id).map((row) => row.name)),
        scopes('group'),
        scopes('product'),
        '',
        '',
        '',
      ];
    }
    after = ids.at(-1) ?? after;
    if (users.length < PAGE) {
      return;
    }
  }
}
