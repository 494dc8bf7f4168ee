import { z } from 'zod';
import { LOCALES } from '../../shared/contracts.ts';
import { ADMIN_ROLES } from '../../shared/roles.ts';
import type { AppContext } from '../context.ts';
import { ACTIONS } from '../roles/permissions.ts';
import { type Actor, abilities } from '../roles/policy.ts';

export const RoleGrantSchema = z
  .object({
    role: z.enum(ADMIN_ROLES),
    scope: z
      .object({
        type: z.enum(['product', 'profile', 'group']),
        id: z.uuid(),
        name: z.string(),
      })
      .nullable()
      .meta({ description: 'The product, profile or group a scoped role covers; null for unscoped roles.' }),
  })
  .meta({ id: 'RoleGrant', description: 'One admin role held, with its scope.' });

export const SessionViewSchema = z
  .object({
    csrfToken: z
      .string()
      .nullable()
      .meta({ description: 'Send back as `X-CSRF-Token` on cookie-authenticated writes; null for API tokens.' }),
    actor: z.object({
      type: z.enum(['user', 'api_token']),
      id: z.uuid(),
      label: z.string().meta({ description: "The admin's e-mail or the token's name." }),
    }),
    user: z
      .object({
        id: z.uuid(),
        email: z.string(),
        firstName: z.string().nullable(),
        lastName: z.string().nullable(),
        locale: z
          .enum(LOCALES)
          .nullable()
          .meta({ description: "The admin's console language; null = organization default." }),
      })
      .nullable(),
    organization: z.object({ id: z.uuid(), name: z.string(), defaultLocale: z.enum(LOCALES) }),
    roles: z.array(RoleGrantSchema),
    abilities: z.array(z.enum(ACTIONS)).meta({ description: 'Actions the caller may do (scoped ones per target).' }),
    mfaEnrolmentRequired: z.boolean().meta({
      description:
        'The organization requires a second factor and this admin has none: until one is enrolled, only ' +
        'enrolment, the session and sign-out work.',
    }),
  })
  .meta({ id: 'Session', description: 'Who is signed in, in which organization, and what they may do.' });
export type SessionView = z.infer<typeof SessionViewSchema>;

export const MfaRequiredSchema = z
  .object({
    mfaRequired: z.literal(true),
    methods: z
      .array(z.enum(['totp', 'webauthn', 'recovery_code']))
      .meta({ description: 'How the second factor can be given: POST /api/v1/auth/mfa/verify.' }),
  })
  .meta({ id: 'MfaRequired', description: 'The password was right; the sign-in waits for the second factor.' });

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
): Promise<SessionView> {
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
