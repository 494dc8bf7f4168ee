import { sql } from 'kysely';
import type { UserDetail } from '../../shared/api/users.ts';
import { ROLE_SCOPE } from '../../shared/roles.ts';
import { presentSource } from '../changes/source.ts';
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/database.ts';
import { emailDomain, resolveDomainStandings } from '../domains/identity.ts';
import { findAdminRolesByUserIds } from '../roles/grants.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { findProductNamesByUserIds } from './users.queries.ts';
import { presentUser, requireUser } from './users.service.ts';

/** A user with everything the details page shows. */
export type UserDetailView = UserDetail;

/**
 * Loads the details of a user: profiles (direct, and each group that gives one), groups, admin
 * roles with their scopes, stored content, and whether the details are read-only here.
 * @param db database or transaction
 * @returns the details
 */
export async function loadUserDetail(db: Executor, organizationId: string, userId: string): Promise<UserDetailView> {
  const user = await requireUser(db, organizationId, userId);
  const groups = await db
    .selectFrom('group_members')
    .innerJoin('user_groups', (join) =>
      join
        .onRef('user_groups.id', '=', 'group_members.group_id')
        .onRef('user_groups.organization_id', '=', 'group_members.organization_id'),
    )
    .select(['user_groups.id', 'user_groups.name'])
    .where('group_members.organization_id', '=', organizationId)
    .where('group_members.user_id', '=', userId)
    .orderBy(sql`lower(user_groups.name)`)
    .execute();
  const profiles = await sql<{ id: string; name: string; product_id: string; product_name: string; via: string }>`
    select pp.id, pp.name, pp.product_id, p.name as product_name, 'direct' as via
    from user_profiles up
    join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    where up.organization_id = ${organizationId} and up.user_id = ${userId}
    union all
    select pp.id, pp.name, pp.product_id, p.name as product_name, g.name as via
    from group_members gm
    join user_groups g on g.organization_id = gm.organization_id and g.id = gm.group_id
    join group_profiles gp on gp.organization_id = gm.organization_id and gp.group_id = gm.group_id
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    where gm.organization_id = ${organizationId} and gm.user_id = ${userId}
    order by name, via`.execute(db);
  const roles = (await findAdminRolesByUserIds(db, organizationId, [userId])).get(userId) ?? [];
  const content = await db
    .selectFrom('user_content')
    .select(['items', 'bytes'])
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const standing = (await resolveDomainStandings(db, organizationId, [emailDomain(user.email)])).get(
    emailDomain(user.email),
  );
  const products = await findProductNamesByUserIds(db, organizationId, [userId]);
  const credentials =
    roles.length > 0
      ? await db
          .selectFrom('admin_credentials')
          .select('last_sign_in_at')
          .where('organization_id', '=', organizationId)
          .where('user_id', '=', userId)
          .executeTakeFirst()
      : undefined;
  return {
    ...presentUser(user, products.get(userId) ?? []),
    groups,
    profiles: profiles.rows.map((row) => ({
      id: row.id,
      name: row.name,
      productId: row.product_id,
      productName: row.product_name,
      via: row.via,
    })),
    adminRoles: roles.map((held) => {
      const type = ROLE_SCOPE[held.role];
      return { role: held.role, scope: type && held.scope ? { type, ...held.scope } : null };
    }),
    content: { items: Number(content?.items ?? 0), bytes: Number(content?.bytes ?? 0) },
    readOnlyReason:
      standing?.ownership === 'trusted'
        ? `${emailDomain(user.email)} is owned by another organization that trusts this one: its users' details are managed there.`
        : null,
    removedAt: user.removed_at?.toISOString() ?? null,
    adminSignIn:
      roles.length > 0
        ? { passwordSet: credentials !== undefined, lastSignInAt: credentials?.last_sign_in_at?.toISOString() ?? null }
        : null,
    managedBy: await presentSource(db, organizationId, user),
  };
}

/**
 * A user's details for the console and API.
 * @throws AppError 403 without `user.read`; 404
 */
export async function getUserDetail(ctx: AppContext, actor: Actor, userId: string): Promise<UserDetailView> {
  authorize(actor, 'user.read');
  return loadUserDetail(ctx.db, actor.organizationId, userId);
}
