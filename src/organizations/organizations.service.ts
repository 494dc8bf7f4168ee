import type { Transaction } from 'kysely';
import type { DownloadLinks, Organization } from '../../shared/api/organizations.ts';
import { DEVICE_PLATFORMS, type DevicePlatform, type Locale } from '../../shared/contracts.ts';
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from '../../shared/password-policy.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { hashPassword } from '../auth/secrets.ts';
import type { AppContext } from '../context.ts';
import { AppError, HttpErrorCodes, notFound } from '../core/errors.ts';
import type { Executor } from '../db/database.ts';
import { transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { findGrantsByPrincipal } from '../roles/grants.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { insertGrants } from '../users/users.admin-roles.ts';
import { insertFirstAdmin } from '../users/users.service.ts';

/** The first organization and its first system admin. */
export interface NewOrganization {
  organizationName: string;
  email: string;
  password: string;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  locale?: Locale | undefined;
}

/**
 * Creates an organization and its first system admin (a user with a password and the
 * system-admin role), all audited in the new organization, inside the caller's transaction.
 * @param trx the transaction
 * @param input organization name and the admin's details
 * @param origin the address it came from (`null` when from the command line or start-up)
 * @returns the ids created and the new admin as an actor
 */
export async function createOrganizationWithAdmin(
  trx: Transaction<DB>,
  input: NewOrganization,
  origin: { ip: string | null; userAgent: string | null; via: string },
): Promise<{ organizationId: string; userId: string; actor: Actor }> {
  const weak = passwordProblem(input.password, { email: input.email });
  if (weak) {
    const message = `The password ${PASSWORD_PROBLEM_MESSAGES[weak]}.`;
    throw new AppError(HttpErrorCodes.validationFailed, 400, message, { errors: [{ field: 'password', message }] });
  }
  const organization = await trx
    .insertInto('organizations')
    .values({ name: input.organizationName.trim(), default_locale: input.locale ?? 'en' })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
  const email = input.email.trim();
  const userId = await insertFirstAdmin(trx, organization.id, {
    email,
    firstName: input.firstName,
    lastName: input.lastName,
    locale: input.locale,
  });
  await trx
    .insertInto('admin_credentials')
    .values({ user_id: userId, organization_id: organization.id, password_hash: await hashPassword(input.password) })
    .execute();
  const grant = { role: 'system-admin' as const, productId: null, profileId: null, groupId: null };
  await insertGrants(trx, organization.id, { userId }, [grant]);
  const actor: Actor = {
    type: origin.ip === null ? 'system' : 'user',
    id: origin.ip === null ? 'system' : userId,
    label: origin.ip === null ? `usher ${origin.via}` : email,
    organizationId: organization.id,
    grants: [grant],
    sourceIp: origin.ip,
    userAgent: origin.userAgent,
  };
  await recordAudit(trx, actor, {
    action: 'organization.create',
    target: { type: 'organization', id: organization.id, label: organization.name },
    after: { name: organization.name, via: origin.via },
  });
  await recordAudit(trx, actor, {
    action: 'user.create',
    target: { type: 'user', id: userId, label: email },
    after: { email, identityType: 'personal' },
  });
  await recordAudit(trx, actor, {
    action: 'admin_role.assign',
    target: { type: 'user', id: userId, label: email },
    after: { role: 'system-admin' },
  });
  return {
    organizationId: organization.id,
    userId,
    actor: { ...actor, type: 'user', id: userId, label: email },
  };
}

/**
 * Reads the actor's organization.
 * @throws AppError 403 without `organization.read`
 */
export async function getOrganization(ctx: AppContext, actor: Actor): Promise<Organization> {
  authorize(actor, 'organization.read');
  const row = await ctx.db
    .selectFrom('organizations')
    .select([
      'id',
      'name',
      'default_locale',
      'require_mfa',
      'sso_only',
      'break_glass_user_id',
      'device_download_links',
      'created_at',
    ])
    .where('id', '=', actor.organizationId)
    .executeTakeFirst();
  if (!row) {
    throw notFound('Organization');
  }
  return {
    id: row.id,
    name: row.name,
    defaultLocale: row.default_locale,
    requireMfa: row.require_mfa,
    ssoOnly: row.sso_only,
    breakGlassUserId: row.break_glass_user_id,
    deviceDownloadLinks: row.device_download_links,
    createdAt: row.created_at.toISOString(),
  };
}

/** The links after a patch: a URL sets a platform's link, null removes it, absent keeps it. */
function mergeLinks(
  before: DownloadLinks,
  patch: Partial<Record<DevicePlatform, string | null | undefined>> | undefined,
): DownloadLinks {
  const merged: DownloadLinks = {};
  for (const platform of DEVICE_PLATFORMS) {
    const link = patch?.[platform] === undefined ? before[platform] : patch[platform];
    if (link) {
      merged[platform] = link;
    }
  }
  return merged;
}

/**
 * Changes the organization's name, default language or "require a second factor for every admin"
 * (system admins), audited.
 * @throws AppError 403 without `organization.update`
 */
export async function updateOrganization(
  ctx: AppContext,
  actor: Actor,
  patch: {
    name?: string | undefined;
    defaultLocale?: Locale | undefined;
    requireMfa?: boolean | undefined;
    ssoOnly?: boolean | undefined;
    breakGlassUserId?: string | null | undefined;
    deviceDownloadLinks?: Partial<Record<DevicePlatform, string | null | undefined>> | undefined;
  },
): Promise<Organization> {
  authorize(actor, 'organization.update');
  await transaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom('organizations')
      .select(['name', 'default_locale', 'require_mfa', 'sso_only', 'break_glass_user_id', 'device_download_links'])
      .where('id', '=', actor.organizationId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const after = {
      name: patch.name?.trim() ?? before.name,
      default_locale: patch.defaultLocale ?? before.default_locale,
      require_mfa: patch.requireMfa ?? before.require_mfa,
      sso_only: patch.ssoOnly ?? before.sso_only,
      break_glass_user_id: patch.breakGlassUserId === undefined ? before.break_glass_user_id : patch.breakGlassUserId,
      device_download_links: mergeLinks(before.device_download_links, patch.deviceDownloadLinks),
    };
    if (after.break_glass_user_id && after.break_glass_user_id !== before.break_glass_user_id) {
      const grants = await findGrantsByPrincipal(trx, actor.organizationId, { userId: after.break_glass_user_id });
      if (!grants.some((grant) => grant.role === 'system-admin')) {
        const message = 'must be the user id of a system admin of this organization';
        throw new AppError('organizations.break_glass_not_system_admin', 422, `breakGlassUserId ${message}.`, {
          errors: [{ field: 'body.breakGlassUserId', message }],
        });
      }
    }
    await trx
      .updateTable('organizations')
      .set({ ...after, device_download_links: JSON.stringify(after.device_download_links), updated_at: new Date() })
      .where('id', '=', actor.organizationId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'organization.update',
      target: { type: 'organization', id: actor.organizationId, label: after.name },
      before: {
        name: before.name,
        defaultLocale: before.default_locale,
        requireMfa: before.require_mfa,
        ssoOnly: before.sso_only,
        breakGlassUserId: before.break_glass_user_id,
        deviceDownloadLinks: before.device_download_links,
      },
      after: {
        name: after.name,
        defaultLocale: after.default_locale,
        requireMfa: after.require_mfa,
        ssoOnly: after.sso_only,
        breakGlassUserId: after.break_glass_user_id,
        deviceDownloadLinks: after.device_download_links,
      },
    });
  });
  return getOrganization(ctx, actor);
}

/**
 * Organizations' default locales (id, default_locale) as a relation for another capability to join
 * in one statement, aliased by the caller (`.innerJoin(organizationLocales(db).as('org'), …)`).
 * @returns the subquery
 */
export function organizationLocales(db: Executor) {
  return db.selectFrom('organizations').select(['id', 'default_locale']);
}
