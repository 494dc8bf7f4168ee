import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import { emailDomain, resolveDomainStandings } from '../domains/identity.ts';
import { joinGroups, leaveGroups } from '../groups/groups.members.ts';
import { AppError } from '../http/errors.ts';
import { syncLicenses } from '../licenses/licenses.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { loadUserDetail, type UserDetailView } from './users.details.ts';
import { UserErrorCodes } from './users.errors.ts';
import { findGroupsByNames, findProfilesByNames } from './users.lookup.ts';
import { changeUserProfiles } from './users.profiles.ts';
import { findProductNamesByUserIds } from './users.queries.ts';
import { normalizeCountry, queueWelcomeMessages, requireUser } from './users.service.ts';

/** The fields an edit may change; profiles and groups are the full new sets (by name). */
export interface UserPatch {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  country?: string | null | undefined;
  email?: string | undefined;
  profiles?: string[] | undefined;
  groups?: string[] | undefined;
  /** Directory attributes (SCIM): sign-in name, display name, the provider's id, enterprise data. */
  username?: string | undefined;
  alias?: string | undefined;
  externalId?: string | null | undefined;
  enterprise?: Record<string, unknown> | null | undefined;
  /** The version the editor saw (body `version` or `If-Match`): a stale one is refused. */
  version?: number | undefined;
}

/**
 * Edits a user: details (not for users of a trusted domain), e-mail (Enterprise/Federated users,
 * effective at once, the user is told at the new address), and the full sets of direct profiles
 * and group memberships. Every profile and group added or removed is checked against the actor's
 * scope; licenses are recounted; all in one transaction.
 * @throws AppError 403; 404; 409 `users.read_only`; 422 `users.email_not_changeable`, unknown
 *   names, `licenses.insufficient`; 409 `users.already_exists` for an e-mail taken
 */
export async function updateUser(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  patch: UserPatch,
): Promise<UserDetailView> {
  const touchesDetails = ['firstName', 'lastName', 'country', 'email'].some(
    (key) => key in patch && patch[key as keyof UserPatch] !== undefined,
  );
  const touchesDirectory = ['username', 'alias', 'externalId', 'enterprise'].some(
    (key) => key in patch && patch[key as keyof UserPatch] !== undefined,
  );
  if (touchesDetails || touchesDirectory) {
    authorize(actor, 'user.update');
  }
  await transaction(ctx.db, async (trx) => {
    // Locked for the whole edit: a removal or another edit of this user waits, so nothing changes
    // between what this edit reads and what it writes.
    const user = await requireUser(trx, actor.organizationId, userId, { lock: true });
    if (patch.version !== undefined && patch.version !== user.version) {
      throw new AppError(
        UserErrorCodes.versionConflict,
        409,
        `Someone else changed ${user.email} since you opened it: reload the user and make your change again.`,
        { extra: { currentVersion: user.version, current: await loadUserDetail(trx, actor.organizationId, userId) } },
      );
    }
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    if (touchesDetails) {
      const standing = (await resolveDomainStandings(trx, actor.organizationId, [emailDomain(user.email)])).get(
        emailDomain(user.email),
      );
      if (standing?.ownership === 'trusted') {
        throw new AppError(
          UserErrorCodes.readOnly,
          409,
          `${user.email} belongs to a domain owned by another organization: its details can only be edited there. Profiles and groups can still be changed.`,
        );
      }
      const set: Record<string, string | null> = {};
      if (patch.firstName !== undefined) {
        set.first_name = patch.firstName?.trim() || null;
      }
      if (patch.lastName !== undefined) {
        set.last_name = patch.lastName?.trim() || null;
      }
      if (patch.country !== undefined) {
        set.country = normalizeCountry(patch.country, 'body.country');
      }
      if (patch.email !== undefined && patch.email.trim().toLowerCase() !== user.email.toLowerCase()) {
        const email = patch.email.trim();
        const target = (await resolveDomainStandings(trx, actor.organizationId, [emailDomain(email)])).get(
          emailDomain(email),
        );
        if (
          user.identity_type === 'personal' ||
          target?.ownership !== 'owned' ||
          target.identityType !== user.identity_type
        ) {
          throw new AppError(
            UserErrorCodes.emailNotChangeable,
            422,
            user.identity_type === 'personal'
              ? 'A Personal ID belongs to its user: its e-mail cannot be changed by the organization.'
              : `The new e-mail must be in a domain this organization owns with the same identity type (${user.identity_type}).`,
            { errors: [{ field: 'body.email', message: 'not an e-mail this organization can give this user' }] },
          );
        }
        set.email = email;
        set.username = email;
      }
      const changed = Object.entries(set).filter(([key, value]) => user[key as keyof typeof user] !== value);
      if (changed.length > 0) {
        await trx
          .updateTable('users')
          .set({ ...Object.fromEntries(changed), updated_at: new Date() })
          .where('organization_id', '=', actor.organizationId)
          .where('id', '=', userId)
          .execute();
        for (const [key, value] of changed) {
          before[key] = user[key as keyof typeof user];
          after[key] = value;
        }
        if (set.email && changed.some(([key]) => key === 'email')) {
          const organization = await trx
            .selectFrom('organizations')
            .select('default_locale')
            .where('id', '=', actor.organizationId)
            .executeTakeFirstOrThrow();
          await queueMessages(trx, actor.organizationId, [
            {
              kind: 'email_changed',
              userId,
              to: set.email,
              locale: user.locale ?? organization.default_locale,
              data: { previousEmail: user.email, email: set.email },
            },
          ]);
        }
      }
    }
    if (touchesDirectory) {
      // Written by a directory (SCIM): not the details a trusted domain's owner keeps, and
      // audited like every other attribute.
      const current = {
        username: (after.username as string | undefined) ?? user.username,
        alias: user.alias,
        externalId: user.external_id,
        enterprise: user.enterprise ?? null,
      };
      const wanted = {
        username: patch.username ?? current.username,
        alias: patch.alias ?? current.alias,
        externalId: patch.externalId === undefined ? current.externalId : patch.externalId,
        enterprise: patch.enterprise === undefined ? current.enterprise : patch.enterprise,
      };
      const changed = (Object.keys(current) as (keyof typeof current)[]).filter(
        (key) => JSON.stringify(current[key]) !== JSON.stringify(wanted[key]),
      );
      if (changed.length > 0) {
        await trx
          .updateTable('users')
          .set({
            username: wanted.username,
            alias: wanted.alias,
            external_id: wanted.externalId,
            enterprise: wanted.enterprise === null ? null : JSON.stringify(wanted.enterprise),
            updated_at: new Date(),
          })
          .where('organization_id', '=', actor.organizationId)
          .where('id', '=', userId)
          .execute();
        const columnOf = { username: 'username', alias: 'alias', externalId: 'external_id', enterprise: 'enterprise' };
        for (const key of changed) {
          before[key] = key in before ? before[key] : (user[columnOf[key] as keyof typeof user] ?? null);
          after[key] = wanted[key];
        }
      }
    }
    const productsBefore = await findProductNamesByUserIds(trx, actor.organizationId, [userId]);
    let entitlementsChanged = false;
    if (patch.profiles !== undefined) {
      const wanted = await findProfilesByNames(trx, actor.organizationId, [['body.profiles', patch.profiles]]);
      const current = await trx
        .selectFrom('user_profiles')
        .innerJoin('product_profiles', (join) =>
          join
            .onRef('product_profiles.id', '=', 'user_profiles.profile_id')
            .onRef('product_profiles.organization_id', '=', 'user_profiles.organization_id'),
        )
        .select(['product_profiles.id', 'product_profiles.name', 'product_profiles.product_id'])
        .where('user_profiles.organization_id', '=', actor.organizationId)
        .where('user_profiles.user_id', '=', userId)
        .execute();
      const wantedIds = new Set([...wanted.values()].map((profile) => profile.id));
      const currentIds = new Set(current.map((profile) => profile.id));
      const added = [...wanted.values()].filter((profile) => !currentIds.has(profile.id));
      const removed = current.filter((profile) => !wantedIds.has(profile.id));
      await changeUserProfiles(trx, actor, user, {
        give: added,
        take: removed.map((profile) => ({ id: profile.id, name: profile.name, productId: profile.product_id })),
      });
      if (added.length + removed.length > 0) {
        entitlementsChanged = true;
        before.profiles = current.map((profile) => profile.name).sort();
        after.profiles = [...wanted.values()].map((profile) => profile.name).sort();
      }
    }
    if (patch.groups !== undefined) {
      const wanted = await findGroupsByNames(trx, actor.organizationId, [['body.groups', patch.groups]]);
      const current = await trx
        .selectFrom('group_members')
        .innerJoin('user_groups', (join) =>
          join
            .onRef('user_groups.id', '=', 'group_members.group_id')
            .onRef('user_groups.organization_id', '=', 'group_members.organization_id'),
        )
        .select(['user_groups.id', 'user_groups.name'])
        .where('group_members.organization_id', '=', actor.organizationId)
        .where('group_members.user_id', '=', userId)
        .execute();
      const wantedIds = new Set([...wanted.values()].map((group) => group.id));
      const currentIds = new Set(current.map((group) => group.id));
      const added = [...wanted.values()].filter((group) => !currentIds.has(group.id));
      const removed = current.filter((group) => !wantedIds.has(group.id));
      for (const group of added) {
        authorize(actor, 'group.members.addExisting', { groupId: group.id });
      }
      for (const group of removed) {
        authorize(actor, 'group.members.remove', { groupId: group.id });
      }
      await leaveGroups(
        trx,
        actor.organizationId,
        userId,
        removed.map((group) => group.id),
      );
      await joinGroups(
        trx,
        actor,
        userId,
        added.map((group) => group.id),
        'body.groups',
      );
      if (added.length + removed.length > 0) {
        entitlementsChanged = true;
        before.groups = current.map((group) => group.name).sort();
        after.groups = [...wanted.values()].map((group) => group.name).sort();
      }
    }
    if (entitlementsChanged) {
      await syncLicenses(trx, actor.organizationId, [userId]);
      await queueWelcomeMessages(trx, actor.organizationId, [userId], productsBefore);
      // Profiles and groups are part of the user an editor saw: the row's version moves with them.
      await trx
        .updateTable('users')
        .set({ updated_at: new Date() })
        .where('organization_id', '=', actor.organizationId)
        .where('id', '=', userId)
        .execute();
    }
    if (Object.keys(after).length > 0) {
      await recordAudit(trx, actor, {
        action: 'user.update',
        target: { type: 'user', id: userId, label: (after.email as string | undefined) ?? user.email },
        before,
        after,
      });
    }
  });
  return loadUserDetail(ctx.db, actor.organizationId, userId);
}
