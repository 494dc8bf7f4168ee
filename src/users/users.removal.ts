import { type Selectable, sql, type Transaction } from 'kysely';
import { type AuditEntry, recordAudit, recordAudits } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import type { DB, UsersTable } from '../db/schema.ts';
import { findNamedMembershipsByUserIds, leaveAllGroups, type NamedMembership } from '../groups/groups.members.ts';
import { dropUserLicenses, releaseRemovedUsersLicenses, settleLicenses } from '../licenses/licenses.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { revokeAllAdminRoles } from './users.admin-roles.ts';
import { UserErrorCodes } from './users.errors.ts';
import { takeAllProfiles } from './users.profiles.ts';
import { requireUser } from './users.service.ts';

/** What happens to a removed user's stored content. */
export type ContentAction = 'transfer-later' | 'transfer-now' | 'delete';

/**
 * Refuses a change that would leave the organization without an active system admin.
 * @param losing users about to lose their admin rights
 * @throws AppError `users.last_system_admin` (422)
 */
export async function assertSystemAdminRemains(
  trx: Transaction<DB>,
  organizationId: string,
  losing: string[],
): Promise<void> {
  const remaining = await trx
    .selectFrom('admin_role_assignments')
    .innerJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'admin_role_assignments.user_id')
        .onRef('users.organization_id', '=', 'admin_role_assignments.organization_id'),
    )
    .select(sql<number>`count(*)::int`.as('n'))
    .where('admin_role_assignments.organization_id', '=', organizationId)
    .where('admin_role_assignments.role', '=', 'system-admin')
    .where('users.status', '=', 'active')
    .where('users.id', 'not in', losing.length ? losing : ['00000000-0000-0000-0000-000000000000'])
    .executeTakeFirstOrThrow();
  if (remaining.n === 0) {
    throw new AppError(
      UserErrorCodes.lastSystemAdmin,
      422,
      'This would leave the organization without a system admin: make someone else a system admin first.',
    );
  }
}

async function moveContent(
  trx: Transaction<DB>,
  organizationId: string,
  fromUserId: string,
  toUserId: string,
): Promise<{ items: number; bytes: number }> {
  const source = await trx
    .deleteFrom('user_content')
    .where('organization_id', '=', organizationId)
    .where('user_id', '=', fromUserId)
    .returning(['items', 'bytes'])
    .executeTakeFirst();
  const moved = { items: Number(source?.items ?? 0), bytes: Number(source?.bytes ?? 0) };
  await sql`
    insert into user_content (organization_id, user_id, items, bytes) values (${organizationId}, ${toUserId}, ${moved.items}, ${moved.bytes})
    on conflict (organization_id, user_id) do update set
      items = user_content.items + excluded.items, bytes = user_content.bytes + excluded.bytes, updated_at = now()`.execute(
    trx,
  );
  return moved;
}

async function findTransferTarget(
  trx: Transaction<DB>,
  organizationId: string,
  email: string | undefined,
  excluded: string[],
) {
  const target = email
    ? await trx
        .selectFrom('users')
        .select(['id', 'email'])
        .where('organization_id', '=', organizationId)
        .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
        .where('status', '=', 'active')
        .executeTakeFirst()
    : undefined;
  if (!target || excluded.includes(target.id)) {
    throw new AppError(
      UserErrorCodes.transferTargetInvalid,
      422,
      'Content can be transferred only to an active user of the organization who is not being removed.',
      { errors: [{ field: 'body.transferTo', message: 'the e-mail of an active user who stays' }] },
    );
  }
  return target;
}

/** What a removal needs of a user the caller has locked (`for update`) in its transaction. */
export type LockedUser = Pick<Selectable<UsersTable>, 'id' | 'email' | 'status'>;

/**
 * Reads and locks (`for update`) every one of these users, in id order as every set-based change
 * locks users, so batches in flight never wait in a cycle.
 * @throws AppError 404 when one is not a user of the organization
 */
async function lockAllUsers(
  trx: Transaction<DB>,
  organizationId: string,
  ids: string[],
): Promise<Selectable<UsersTable>[]> {
  const users = await trx
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute();
  if (users.length !== ids.length) {
    throw notFound('User');
  }
  return users;
}

/**
 * Removes users from the organization: every profile, group membership and admin right is
 * revoked, sessions end, licenses are freed; the users stay as "Directory users" (status
 * removed) and can be restored. Their stored content is kept for transfer later, transferred now
 * to another user, or deleted.
 * @throws AppError 403; 404; 409 `users.already_removed`; 422 last system admin or bad transfer target
 */
export async function removeUsers(
  ctx: AppContext,
  actor: Actor,
  input: {
    userIds: string[];
    contentAction: ContentAction;
    transferTo?: string | undefined;
    /** The users, already locked (`for update`) and read in the caller's transaction: not read again. */
    locked?: LockedUser[];
    /** Their memberships, read in the caller's transaction after locking them: not read again. */
    memberships?: NamedMembership[];
    /** Filled with the users' versions after the removal (the caller then need not read them). */
    versions?: Map<string, number>;
  },
): Promise<number> {
  authorize(actor, 'user.remove');
  const ids = [...new Set(input.userIds)];
  return transaction(ctx.db, async (trx) => {
    const wanted = new Set(ids);
    const users =
      input.locked && input.locked.length === ids.length && input.locked.every((user) => wanted.has(user.id))
        ? input.locked
        : await lockAllUsers(trx, actor.organizationId, ids);
    const already = users.filter((user) => user.status === 'removed');
    if (already.length > 0) {
      throw new AppError(
        UserErrorCodes.alreadyRemoved,
        409,
        `Already removed: ${already.map((user) => user.email).join(', ')}.`,
      );
    }
    const target =
      input.contentAction === 'transfer-now'
        ? await findTransferTarget(trx, actor.organizationId, input.transferTo, ids)
        : undefined;
    // What the users held, with ids and names, so the audit event is enough to give it back. The
    // last system admin is looked for only when one of them was a system admin (the count leaves
    // them out either way); refused, the caller's transaction rolls the revocation back.
    const held = await revokeAllAdminRoles(trx, actor.organizationId, ids);
    if ([...held.values()].some((roles) => roles.some((role) => role.role === 'system-admin'))) {
      await assertSystemAdminRemains(trx, actor.organizationId, ids);
    }
    const profiles = await takeAllProfiles(trx, actor.organizationId, ids);
    await trx
      .deleteFrom('sessions')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', 'in', ids)
      .execute();
    await trx
      .deleteFrom('admin_credentials')
      .where('organization_id', '=', actor.organizationId)
      .where('user_id', 'in', ids)
      .execute();
    const updated = await trx
      .updateTable('users')
      .set({
        status: 'removed',
        removed_at: new Date(),
        content_status: input.contentAction === 'transfer-later' ? 'pending' : null,
        updated_at: new Date(),
      })
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', ids)
      .returning(['id', 'version'])
      .execute();
    for (const row of updated) {
      input.versions?.set(row.id, row.version);
    }
    if (input.contentAction === 'delete') {
      await trx
        .deleteFrom('user_content')
        .where('organization_id', '=', actor.organizationId)
        .where('user_id', 'in', ids)
        .execute();
    }
    // The groups they leave, read now (no one joins a group without the user's lock, held here),
    // so the audit events are written before the groups' rows are locked.
    const groups = input.memberships ?? (await findNamedMembershipsByUserIds(trx, actor.organizationId, ids));
    const byUser = <R extends { user_id: string }>(rows: R[]) => {
      const map = new Map<string, R[]>();
      for (const row of rows) {
        const list = map.get(row.user_id);
        if (list) {
          list.push(row);
        } else {
          map.set(row.user_id, [row]);
        }
      }
      return map;
    };
    const profilesOf = byUser(profiles);
    const groupsOf = byUser(groups);
    const audits: AuditEntry[] = [];
    for (const user of users) {
      let content: Record<string, unknown> = { action: input.contentAction };
      if (target) {
        content = {
          ...content,
          to: target.email,
          ...(await moveContent(trx, actor.organizationId, user.id, target.id)),
        };
      }
      audits.push({
        action: 'user.remove',
        target: { type: 'user', id: user.id, label: user.email },
        before: {
          status: user.status,
          adminRoles: (held.get(user.id) ?? []).map((role) => ({ role: role.role, scope: role.scope })),
          profiles: (profilesOf.get(user.id) ?? []).map((row) => ({
            id: row.profile_id,
            name: row.profile_name,
            product: row.product_name,
          })),
          groups: (groupsOf.get(user.id) ?? []).map((row) => ({ id: row.group_id, name: row.group_name })),
        },
        after: { status: 'removed', content },
      });
    }
    await recordAudits(trx, actor, audits);
    // The groups last: leaving them locks the groups' rows (their members' version) until the
    // caller commits, and every change of those groups' members (another batch's removal) waits
    // for it meanwhile: only the memberships and the licenses are written under those locks.
    const left = await leaveAllGroups(
      trx,
      actor.organizationId,
      ids,
      groups.map((row) => row.group_id),
    );
    await amendLeftGroups(trx, actor.organizationId, groups, left);
    // A removed user holds no license: every product they held, directly or through the groups
    // just left, is freed (counted after the groups' locks, as every change counts).
    await releaseRemovedUsersLicenses(
      trx,
      actor.organizationId,
      ids,
      left.map((row) => ({ userId: row.user_id, groupId: row.group_id })),
    );
    return users.length;
  });
}

/**
 * Sets right the groups a removal's audit events say the users left, when a member's removal
 * (which locks only the group) took one of those memberships between their read and the
 * removal's own (rare: the events are written before the groups are locked).
 */
async function amendLeftGroups(
  trx: Transaction<DB>,
  organizationId: string,
  read: NamedMembership[],
  left: { user_id: string; group_id: string }[],
): Promise<void> {
  const taken = new Set(left.map((row) => `${row.user_id}|${row.group_id}`));
  const gone = read.filter((row) => !taken.has(`${row.user_id}|${row.group_id}`));
  for (const userId of new Set(gone.map((row) => row.user_id))) {
    const groups = read
      .filter((row) => row.user_id === userId && taken.has(`${row.user_id}|${row.group_id}`))
      .map((row) => ({ id: row.group_id, name: row.group_name }));
    await sql`update audit_events set before = jsonb_set(before, '{groups}', ${JSON.stringify(groups)}::jsonb)
      where organization_id = ${organizationId} and action = 'user.remove' and target_id = ${userId}
        and at = now() and before ? 'groups'`.execute(trx);
  }
}

/**
 * Restores removed users (without the rights they had), set-based: a few statements for any
 * number of users.
 * @throws AppError 403; 404; 409 `users.not_removed`
 */
export async function restoreUsers(ctx: AppContext, actor: Actor, userIds: string[]): Promise<void> {
  authorize(actor, 'user.remove');
  const ids = [...new Set(userIds)];
  if (ids.length === 0) {
    return;
  }
  await transaction(ctx.db, async (trx) => {
    const users = await lockAllUsers(trx, actor.organizationId, ids);
    const present = users.filter((user) => user.status !== 'removed');
    if (present.length > 0) {
      throw new AppError(
        UserErrorCodes.notRemoved,
        409,
        `${present.map((user) => user.email).join(', ')} ${present.length === 1 ? 'is' : 'are'} not removed.`,
      );
    }
    await trx
      .updateTable('users')
      .set({ status: 'active', removed_at: null, content_status: null, updated_at: new Date() })
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', ids)
      .execute();
    // Removal took every profile and group, and nothing gives a removed user one; counting makes
    // restored users' licenses match what they hold, whatever older data says.
    await settleLicenses(trx, actor.organizationId, { users: ids, restored: ids });
    await recordAudits(
      trx,
      actor,
      users.map((user) => ({
        action: 'user.restore',
        target: { type: 'user', id: user.id, label: user.email },
        before: { status: 'removed' },
        after: { status: 'active' },
      })),
    );
  });
}

/**
 * Erases a removed user and their content for good. The audit event keeps only the id.
 * @throws AppError 403; 404; 409 `users.not_removed` (remove first)
 */
export async function deleteUserPermanently(ctx: AppContext, actor: Actor, userId: string): Promise<void> {
  await deleteRemovedUsers(ctx, actor, [userId]);
}

/**
 * Erases removed users and their content for good, set-based (a few statements for any number of
 * users). The audit events keep only the ids.
 * @throws AppError 403; 404; 409 `users.not_removed` (remove first)
 */
export async function deleteRemovedUsers(ctx: AppContext, actor: Actor, userIds: string[]): Promise<void> {
  authorize(actor, 'user.delete');
  const ids = [...new Set(userIds)];
  if (ids.length === 0) {
    return;
  }
  await transaction(ctx.db, async (trx) => {
    const users = await lockAllUsers(trx, actor.organizationId, ids);
    const active = users.filter((user) => user.status !== 'removed');
    if (active.length > 0) {
      throw new AppError(
        UserErrorCodes.notRemoved,
        409,
        `Only a removed user can be deleted permanently: remove ${active.map((user) => user.email).join(', ')} first.`,
      );
    }
    await dropUserLicenses(trx, actor.organizationId, ids);
    await trx.deleteFrom('users').where('organization_id', '=', actor.organizationId).where('id', 'in', ids).execute();
    await recordAudits(
      trx,
      actor,
      ids.map((id) => ({ action: 'user.delete', target: { type: 'user', id, label: null } })),
    );
  });
}

/** Why a user cannot be deleted without losing more than the user: what refers to them. */
export type UserReference = 'devices' | 'content' | 'sign-in' | 'activity';

/**
 * What refers to each of these users besides their own rows: a connected device, stored content,
 * a way to sign in (password or second factor), or a trace of their own doing (an audit event,
 * a bulk operation or an API token of theirs). One query.
 * @returns user id → the first reference found (users nothing refers to are absent)
 */
export async function userReferences(
  db: Transaction<DB>,
  organizationId: string,
  userIds: string[],
): Promise<Map<string, UserReference>> {
  const found = new Map<string, UserReference>();
  if (userIds.length === 0) {
    return found;
  }
  const ids = [...new Set(userIds)];
  const rows = await sql<{ id: string; reference: UserReference | null }>`
    select u.id, case
      when u.id in (select user_id from devices where organization_id = ${organizationId} and user_id = any(${ids}::uuid[]))
        then 'devices'
      when u.id in (select user_id from user_content where organization_id = ${organizationId}
        and user_id = any(${ids}::uuid[]) and items > 0)
        then 'content'
      when u.id in (select user_id from admin_credentials where user_id = any(${ids}::uuid[]))
        or u.id in (select user_id from mfa_factors where organization_id = ${organizationId} and user_id = any(${ids}::uuid[]))
        then 'sign-in'
      when u.id::text in (select actor_id from audit_events where organization_id = ${organizationId}
          and actor_id = any(${ids}::text[]))
        or u.id::text in (select initiator_id::text from bulk_operations where organization_id = ${organizationId})
        or u.id in (select created_by_user_id from api_tokens where organization_id = ${organizationId}
          and created_by_user_id is not null)
        then 'activity'
      end as reference
    from users u
    where u.organization_id = ${organizationId} and u.id = any(${ids}::uuid[])`.execute(db);
  for (const row of rows.rows) {
    if (row.reference) {
      found.set(row.id, row.reference);
    }
  }
  return found;
}

/**
 * Sets a user's stored content (items and bytes), as the content service reports it.
 * @throws AppError 403; 404
 */
export async function setUserContent(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  content: { items: number; bytes: number },
): Promise<void> {
  authorize(actor, 'user.update');
  await transaction(ctx.db, async (trx) => {
    const user = await requireUser(trx, actor.organizationId, userId);
    await sql`
      insert into user_content (organization_id, user_id, items, bytes) values (${actor.organizationId}, ${userId}, ${content.items}, ${content.bytes})
      on conflict (organization_id, user_id) do update set items = excluded.items, bytes = excluded.bytes, updated_at = now()`.execute(
      trx,
    );
    await recordAudit(trx, actor, {
      action: 'user.content_set',
      target: { type: 'user', id: userId, label: user.email },
      after: content,
    });
  });
}

/**
 * Ends a pending content decision of a removed user: transfer to another user, or delete.
 * @throws AppError 403; 404; 409 `users.no_pending_content`; 422 bad target
 */
export async function settlePendingContent(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  to: string | null,
): Promise<void> {
  authorize(actor, 'user.remove');
  await transaction(ctx.db, async (trx) => {
    const user = await requireUser(trx, actor.organizationId, userId);
    if (user.content_status !== 'pending') {
      throw new AppError(UserErrorCodes.noPendingContent, 409, `${user.email} has no content waiting for a decision.`);
    }
    let after: Record<string, unknown> = { action: 'delete' };
    if (to) {
      const target = await findTransferTarget(trx, actor.organizationId, to, [userId]);
      after = {
        action: 'transfer',
        to: target.email,
        ...(await moveContent(trx, actor.organizationId, userId, target.id)),
      };
    } else {
      await trx
        .deleteFrom('user_content')
        .where('organization_id', '=', actor.organizationId)
        .where('user_id', '=', userId)
        .execute();
    }
    await trx
      .updateTable('users')
      .set({ content_status: null })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', userId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'user.content_settle',
      target: { type: 'user', id: userId, label: user.email },
      before: { content: 'pending' },
      after,
    });
  });
}
