import type { Session } from '../../shared/api/session.ts';
import type { AppContext } from '../context.ts';
import { type Actor, abilities } from '../roles/policy.ts';

/**
 * Presents the caller: identity, organization, roles with scope names, and abilities.
 * @param ctx the app
 * @param actor the caller
 * @param csrfToken the session's CSRF token (null for API tokens)
 * @param mfaEnrolmentRequired the session may only enrol a second factor
 * @returns the session view
 */
export async function presentSession(
  ctx: AppContext,
  actor: Actor,
  csrfToken: string | null,
  mfaEnrolmentRequired = false,
): Promise<Session> {
  const organization = await ctx.db
    .selectFrom('organizations')
    .select(['id', 'name', 'default_locale'])
    .where('id', '=', actor.organizationId)
    .executeTakeFirstOrThrow();
  const user =
    actor.type === 'user'
      ? await ctx.db
          .selectFrom('users')
          .select(['id', 'email', 'first_name', 'last_name', 'locale'])
          .where('organization_id', '=', actor.organizationId)
          .where('id', '=', actor.id)
          .executeTakeFirst()
      : undefined;
  const scopeIds = actor.grants
    .flatMap((grant) => [grant.productId, grant.profileId, grant.groupId])
    .filter((id) => id !== null);
  const names = new Map<string, string>();
  if (scopeIds.length > 0) {
    const rows = await ctx.db
      .selectFrom('products')
      .select(['id', 'name'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', scopeIds)
      .unionAll(
        ctx.db
          .selectFrom('product_profiles')
          .select(['id', 'name'])
          .where('organization_id', '=', actor.organizationId)
          .where('id', 'in', scopeIds),
      )
      .unionAll(
        ctx.db
          .selectFrom('user_groups')
          .select(['id', 'name'])
          .where('organization_id', '=', actor.organizationId)
          .where('id', 'in', scopeIds),
      )
      .execute();
    for (const row of rows) {
      names.set(row.id, row.name);
    }
  }
  return {
    csrfToken,
    actor: { type: actor.type === 'api_token' ? 'api_token' : 'user', id: actor.id, label: actor.label },
    user: user
      ? { id: user.id, email: user.email, firstName: user.first_name, lastName: user.last_name, locale: user.locale }
      : null,
    organization: { id: organization.id, name: organization.name, defaultLocale: organization.default_locale },
    roles: actor.grants.map((grant) => {
      const scope =
        (grant.productId && { type: 'product' as const, id: grant.productId }) ||
        (grant.profileId && { type: 'profile' as const, id: grant.profileId }) ||
        (grant.groupId && { type: 'group' as const, id: grant.groupId }) ||
        null;
      return { role: grant.role, scope: scope && { ...scope, name: names.get(scope.id) ?? '' } };
    }),
    abilities: abilities(actor).filter((action) => action !== 'console.signIn' || actor.type === 'user'),
    mfaEnrolmentRequired,
  };
}
