import { type AdminRole, ROLE_SCOPE } from '../../shared/roles.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import { AppError } from '../http/errors.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { loadUserDetail, type UserDetailView } from './users.details.ts';
import { assertSystemAdminRemains } from './users.removal.ts';
import { requireUser } from './users.service.ts';

export const AdminRoleErrorCodes = {
  scopeRequired: 'admin_roles.scope_required',
  scopeNotAllowed: 'admin_roles.scope_not_allowed',
  scopeNotFound: 'admin_roles.scope_not_found',
  alreadyHeld: 'admin_roles.already_held',
  notHeld: 'admin_roles.not_held',
  userRemoved: 'admin_roles.user_removed',
} as const;

const SCOPE_TABLES = { product: 'products', profile: 'product_profiles', group: 'user_groups' } as const;
const SCOPE_COLUMNS = { product: 'product_id', profile: 'profile_id', group: 'group_id' } as const;

/**
 * Grants or revokes one admin role (with its scope) of a user; granting queues a welcome e-mail.
 * @throws AppError 403 without `adminRole.assign`; 400 for a missing or superfluous scope; 404;
 *   409 when already held / not held; 422 for a scope outside the organization or the last system admin
 */
export async function changeAdminRole(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  change: { grant: boolean; role: AdminRole; scopeId?: string | undefined },
): Promise<UserDetailView> {
  authorize(actor, 'adminRole.assign');
  const kind = ROLE_SCOPE[change.role];
  if (kind && !change.scopeId) {
    throw new AppError(
      AdminRoleErrorCodes.scopeRequired,
      400,
      `The role ${change.role} needs the id of the ${kind} it covers.`,
      {
        errors: [{ field: 'body.scopeId', message: `the ${kind} id` }],
      },
    );
  }
  if (!kind && change.scopeId) {
    throw new AppError(
      AdminRoleErrorCodes.scopeNotAllowed,
      400,
      `The role ${change.role} covers the whole organization: remove scopeId.`,
      {
        errors: [{ field: 'body.scopeId', message: 'not allowed for this role' }],
      },
    );
  }
  await transaction(ctx.db, async (trx) => {
    const user = await requireUser(trx, actor.organizationId, userId);
    let scopeName: string | null = null;
    if (kind && change.scopeId) {
      const scope = await trx
        .selectFrom(SCOPE_TABLES[kind])
        .select('name')
        .where('organization_id', '=', actor.organizationId)
        .where('id', '=', change.scopeId)
        .executeTakeFirst();
      if (!scope) {
        throw new AppError(
          AdminRoleErrorCodes.scopeNotFound,
          422,
          `No ${kind} with id ${change.scopeId} in this organization.`,
          {
            errors: [{ field: 'body.scopeId', message: `unknown ${kind}` }],
          },
        );
      }
      scopeName = scope.name;
    }
    const column = kind ? SCOPE_COLUMNS[kind] : null;
    let existing = trx
      .selectFrom('admin_role_assignments')
      .select('id')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', '=', userId)
      .where('role', '=', change.role);
    if (column && change.scopeId) {
      existing = existing.where(column, '=', change.scopeId);
    }
    const held = await existing.executeTakeFirst();
    const audit = {
      role: change.role,
      ...(kind ? { scope: { type: kind, id: change.scopeId, name: scopeName } } : {}),
    };
    if (change.grant) {
      if (user.status === 'removed') {
        throw new AppError(AdminRoleErrorCodes.userRemoved, 409, `${user.email} is removed: restore the user first.`);
      }
      if (held) {
        throw new AppError(AdminRoleErrorCodes.alreadyHeld, 409, `${user.email} already holds this role.`);
      }
      await trx
        .insertInto('admin_role_assignments')
        .values({
          organization_id: actor.organizationId,
          user_id: userId,
          role: change.role,
          product_id: kind === 'product' ? (change.scopeId ?? null) : null,
          profile_id: kind === 'profile' ? (change.scopeId ?? null) : null,
          group_id: kind === 'group' ? (change.scopeId ?? null) : null,
        })
        .execute();
      await recordAudit(trx, actor, {
        action: 'admin_role.assign',
        target: { type: 'user', id: userId, label: user.email },
        after: audit,
      });
      const organization = await trx
        .selectFrom('organizations')
        .select('default_locale')
        .where('id', '=', actor.organizationId)
        .executeTakeFirstOrThrow();
      await queueMessages(trx, actor.organizationId, [
        {
          kind: 'welcome',
          userId,
          to: user.email,
          locale: user.locale ?? organization.default_locale,
          data: { adminRole: audit },
        },
      ]);
    } else {
      if (!held) {
        throw new AppError(AdminRoleErrorCodes.notHeld, 409, `${user.email} does not hold this role.`);
      }
      await trx.deleteFrom('admin_role_assignments').where('id', '=', held.id).execute();
      if (change.role === 'system-admin') {
        await assertSystemAdminRemains(trx, actor.organizationId, []);
      }
      await recordAudit(trx, actor, {
        action: 'admin_role.revoke',
        target: { type: 'user', id: userId, label: user.email },
        before: audit,
      });
    }
  });
  return loadUserDetail(ctx.db, actor.organizationId, userId);
}
