import { sql, type Transaction } from 'kysely';
import { ADMIN_ROLES, type AdminRole, ROLE_SCOPE, type ScopeKind } from '../../shared/roles.ts';
import { recordAudits } from '../audit/audit.service.ts';
import { deleteSessionsOfFormerAdmins } from '../auth/auth.service.ts';
import { attachInvitations } from '../auth/invitations.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import { insertManyReturning } from '../db/insert-many.ts';
import type { DB, UserRow } from '../db/schema.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { addRolesToQueuedWelcome } from '../outbox/welcome.ts';
import { findAdminRolesByUserIds, type HeldAdminRole, heldAdminRolesByUser, type Principal } from '../roles/grants.ts';
import { type Actor, authorize, type Grant } from '../roles/policy.ts';
import { assertSystemAdminRemains } from './users.removal.ts';
import { organizationLocale, requireUser } from './users.service.ts';
import { touchUsers } from './users.update.ts';

export const AdminRoleErrorCodes = {
  scopeRequired: 'admin_roles.scope_required',
  scopeNotAllowed: 'admin_roles.scope_not_allowed',
  scopeNotFound: 'admin_roles.scope_not_found',
  alreadyHeld: 'admin_roles.already_held',
  notHeld: 'admin_roles.not_held',
  userRemoved: 'admin_roles.user_removed',
} as const;

const SCOPE_TABLES = { product: 'products', profile: 'product_profiles', group: 'user_groups' } as const;

/** One admin role to grant, with the product, profile or group (id and name) of a scoped role. */
export interface AdminRoleGrant {
  role: AdminRole;
  scope: { id: string; name: string } | null;
}

/** The admin roles of one user to grant and to revoke. */
export interface AdminRoleChange {
  user: Pick<UserRow, 'id' | 'email' | 'status' | 'locale'>;
  grant: AdminRoleGrant[];
  revoke: HeldAdminRole[];
}

/** Identity of a grant (role and scope), for comparing held and wanted roles. */
const grantKey = (grant: AdminRoleGrant) => `${grant.role}|${grant.scope?.id ?? ''}`;

/**
 * What turns the roles a user holds into the wanted ones.
 * @param held the roles held now
 * @param wanted the full new set
 * @returns the roles to grant (wanted, not held) and to revoke (held, not wanted)
 */
export function diffAdminRoles(
  held: HeldAdminRole[],
  wanted: AdminRoleGrant[],
): { grant: AdminRoleGrant[]; revoke: HeldAdminRole[] } {
  const have = new Set(held.map(grantKey));
  const want = new Set(wanted.map(grantKey));
  const seen = new Set<string>();
  const grant = wanted.filter((role) => {
    const key = grantKey(role);
    const fresh = !have.has(key) && !seen.has(key);
    seen.add(key);
    return fresh;
  });
  return { grant, revoke: held.filter((role) => !want.has(grantKey(role))) };
}

/**
 * Admin roles given in parts, each part left out kept as the user holds it (the admin columns of a
 * CSV file, each of which may be absent).
 */
export interface AdminRolesInPart<Scope = { id: string; name: string }> {
  /** The roles the user holds; absent: those held now. A kind whose scopes are given implies its role. */
  roles?: AdminRole[] | undefined;
  /** Per kind of scope, the full set of scopes of that kind's role (empty: none); absent: those held now. */
  scopes?: Partial<Record<ScopeKind, Scope[]>> | undefined;
}

/**
 * The full set of admin roles a user ends with when given roles in part: a part left out keeps
 * what the user holds; a scoped role needs at least one scope.
 * @param held the roles held now (none for a new user)
 * @param part the roles and scopes given
 * @returns the wanted roles, or the first scoped role left without a scope
 */
export function completeAdminRoles(
  held: HeldAdminRole[],
  part: AdminRolesInPart,
): { roles: AdminRoleGrant[] } | { missingScope: { role: AdminRole; kind: ScopeKind; given: boolean } } {
  const roles: AdminRoleGrant[] = [];
  const listed = part.roles === undefined ? undefined : new Set(part.roles);
  for (const role of ADMIN_ROLES) {
    const kind = ROLE_SCOPE[role];
    const mine = held.filter((grant) => grant.role === role);
    if (kind === null) {
      if (listed ? listed.has(role) : mine.length > 0) {
        roles.push({ role, scope: null });
      }
      continue;
    }
    const named = part.scopes?.[kind];
    const covers = named ?? mine.flatMap((grant) => (grant.scope ? [grant.scope] : []));
    const holds = listed ? listed.has(role) || (named?.length ?? 0) > 0 : covers.length > 0;
    if (!holds) {
      continue;
    }
    if (covers.length === 0) {
      return { missingScope: { role, kind, given: named !== undefined } };
    }
    const seen = new Set<string>();
    for (const scope of covers) {
      if (!seen.has(scope.id)) {
        seen.add(scope.id);
        roles.push({ role, scope });
      }
    }
  }
  return { roles };
}

/** The audit (and welcome e-mail) shape of a role: `{ role, scope: { type, id, name } }`. */
function auditOf(grant: AdminRoleGrant): Record<string, unknown> {
  const kind = ROLE_SCOPE[grant.role];
  return {
    role: grant.role,
    ...(kind ? { scope: { type: kind, id: grant.scope?.id, name: grant.scope?.name ?? null } } : {}),
  };
}

/**
 * Grants and revokes admin roles of users inside the caller's transaction, set-based (one delete
 * and one insert for all of them): every grant and revoke is audited (`admin_role.assign`,
 * `admin_role.revoke`), each user granted roles gets one welcome e-mail naming them, and revoking the last active system
 * admin is refused. The caller has checked that what it grants is not held (the unique index
 * refuses it otherwise) and that what it revokes is.
 * @param trx the caller's transaction
 * @param actor who changes the roles
 * @param changes per user, the roles to grant and to revoke
 * @throws AppError 403 without `adminRole.assign`; 409 `admin_roles.user_removed` for a grant to a
 *   removed user; 422 `users.last_system_admin`
 */
export async function applyAdminRoleChanges(
  trx: Transaction<DB>,
  actor: Actor,
  changes: AdminRoleChange[],
): Promise<void> {
  const active = changes.filter((change) => change.grant.length + change.revoke.length > 0);
  if (active.length === 0) {
    return;
  }
  authorize(actor, 'adminRole.assign');
  const removed = active.find((change) => change.grant.length > 0 && change.user.status === 'removed');
  if (removed) {
    throw new AppError(
      AdminRoleErrorCodes.userRemoved,
      409,
      `${removed.user.email} is removed: restore the user first.`,
    );
  }
  const revoked = active.flatMap((change) => change.revoke);
  if (revoked.length > 0) {
    await trx
      .deleteFrom('admin_role_assignments')
      .where('organization_id', '=', actor.organizationId)
      .where(
        'id',
        'in',
        revoked.map((role) => role.id),
      )
      .execute();
    if (revoked.some((role) => role.role === 'system-admin')) {
      await assertSystemAdminRemains(trx, actor.organizationId, []);
    }
    // Whoever lost their last admin role is signed out at once.
    await deleteSessionsOfFormerAdmins(
      trx,
      actor.organizationId,
      active.filter((change) => change.revoke.length > 0).map((change) => change.user.id),
    );
  }
  const granted = active.flatMap((change) => change.grant.map((grant) => ({ user: change.user, grant })));
  // The assignments' ids, by user and role: each grant's audit names the row it wrote.
  const grantedIds = new Map<string, string>();
  if (granted.length > 0) {
    const inserted = await insertManyReturning(
      trx,
      'admin_role_assignments',
      granted.map(({ user, grant }) => {
        const kind = ROLE_SCOPE[grant.role];
        const scopeId = grant.scope?.id ?? null;
        return {
          organization_id: actor.organizationId,
          user_id: user.id,
          role: grant.role,
          product_id: kind === 'product' ? scopeId : null,
          profile_id: kind === 'profile' ? scopeId : null,
          group_id: kind === 'group' ? scopeId : null,
        };
      }),
    );
    for (const row of inserted) {
      const scopeId = row.product_id ?? row.profile_id ?? row.group_id ?? '';
      grantedIds.set(`${row.user_id}|${row.role}|${scopeId}`, row.id);
    }
  }
  // Admin roles are part of the user an editor saw: each user's version moves with them.
  await touchUsers(
    trx,
    actor.organizationId,
    active.map((change) => change.user.id),
  );
  await recordAudits(trx, actor, [
    ...active.flatMap((change) =>
      change.revoke.map((role) => ({
        action: 'admin_role.revoke',
        target: { type: 'user', id: change.user.id, label: change.user.email },
        before: { id: role.id, ...auditOf(role) },
      })),
    ),
    ...granted.map(({ user, grant }) => ({
      action: 'admin_role.assign',
      target: { type: 'user', id: user.id, label: user.email },
      after: { id: grantedIds.get(`${user.id}|${grantKey(grant)}`) ?? null, ...auditOf(grant) },
    })),
  ]);
  if (granted.length > 0) {
    const fallbackLocale = await organizationLocale(trx, actor.organizationId);
    // One e-mail per user, naming every role the change gave them. A user added in this same
    // transaction (a bulk row with profiles and roles) already has a welcome e-mail queued, dated
    // with the transaction's `now()`: the roles join it instead of making a second one.
    const welcomed = active.filter((change) => change.grant.length > 0);
    const hasWelcome = new Set(
      await addRolesToQueuedWelcome(
        trx,
        actor.organizationId,
        welcomed.map((change) => ({ userId: change.user.id, roles: change.grant.map(auditOf) })),
      ),
    );
    await queueMessages(
      trx,
      actor.organizationId,
      welcomed
        .filter((change) => !hasWelcome.has(change.user.id))
        .map(({ user, grant }) => ({
          kind: 'welcome' as const,
          userId: user.id,
          to: user.email,
          locale: user.locale ?? fallbackLocale,
          data: { adminRoles: grant.map(auditOf) },
        })),
    );
    // An admin with no way to sign in yet gets a "set your password" link in that e-mail.
    await attachInvitations(
      trx,
      actor.organizationId,
      welcomed.map((change) => change.user.id),
    );
  }
}

/**
 * Inserts the grants of a principal that holds them from its creation: an organization's first
 * administrator, or a new API token (each audited by its creation's event; no welcome e-mail).
 * Every other grant goes through `applyAdminRoleChanges`.
 */
export async function insertGrants(
  trx: Transaction<DB>,
  organizationId: string,
  principal: Principal,
  grants: Grant[],
): Promise<void> {
  if (grants.length === 0) {
    return;
  }
  await trx
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

/**
 * Takes every admin role of users being removed (their sessions end with the removal). The
 * caller audits the removal with what this returns.
 * @returns per user, the roles taken, with their scopes' ids and names
 */
export async function revokeAllAdminRoles(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
): Promise<Map<string, HeldAdminRole[]>> {
  // One statement: the assignments are deleted and come back with their scopes' names.
  const rows = await sql<{
    id: string;
    user_id: string;
    role: HeldAdminRole['role'];
    scope_id: string | null;
    scope_name: string | null;
  }>`
    with gone as (
      delete from admin_role_assignments
      where organization_id = ${organizationId} and user_id = any(${userIds}::uuid[])
      returning id, user_id, role, product_id, profile_id, group_id)
    select gone.id, gone.user_id, gone.role,
      coalesce(gone.product_id, gone.profile_id, gone.group_id) as scope_id,
      coalesce(p.name, pp.name, g.name) as scope_name
    from gone
    left join products p on p.organization_id = ${organizationId} and p.id = gone.product_id
    left join product_profiles pp on pp.organization_id = ${organizationId} and pp.id = gone.profile_id
    left join user_groups g on g.organization_id = ${organizationId} and g.id = gone.group_id
    order by gone.role, coalesce(p.name, pp.name, g.name)`.execute(trx);
  return heldAdminRolesByUser(rows.rows);
}

/**
 * Grants or revokes one admin role (with its scope) of a user; granting queues a welcome e-mail.
 * Called by `changeAdminRolesCommand`, which reports the user's state before and after.
 * @throws AppError 403 without `adminRole.assign`; 400 for a missing or superfluous scope; 404;
 *   409 when already held / not held; 422 for a scope outside the organization or the last system admin
 */
export async function changeAdminRole(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  change: { grant: boolean; role: AdminRole; scopeId?: string | undefined },
): Promise<void> {
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
    let scope: AdminRoleGrant['scope'] = null;
    if (kind && change.scopeId) {
      const found = await trx
        .selectFrom(SCOPE_TABLES[kind])
        .select('name')
        .where('organization_id', '=', actor.organizationId)
        .where('id', '=', change.scopeId)
        .executeTakeFirst();
      if (!found) {
        throw new AppError(
          AdminRoleErrorCodes.scopeNotFound,
          422,
          `No ${kind} with id ${change.scopeId} in this organization.`,
          {
            errors: [{ field: 'body.scopeId', message: `unknown ${kind}` }],
          },
        );
      }
      scope = { id: change.scopeId, name: found.name };
    }
    const role: AdminRoleGrant = { role: change.role, scope };
    const held = ((await findAdminRolesByUserIds(trx, actor.organizationId, [userId])).get(userId) ?? []).find(
      (candidate) => grantKey(candidate) === grantKey(role),
    );
    if (change.grant) {
      if (held && user.status !== 'removed') {
        throw new AppError(AdminRoleErrorCodes.alreadyHeld, 409, `${user.email} already holds this role.`);
      }
      await applyAdminRoleChanges(trx, actor, [{ user, grant: [role], revoke: [] }]);
    } else {
      if (!held) {
        throw new AppError(AdminRoleErrorCodes.notHeld, 409, `${user.email} does not hold this role.`);
      }
      await applyAdminRoleChanges(trx, actor, [{ user, grant: [], revoke: [held] }]);
    }
  });
}
