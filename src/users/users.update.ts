import { sql, type Transaction } from 'kysely';
import type { Locale } from '../../shared/contracts.ts';
import { recordAudits } from '../audit/audit.service.ts';
import { lockInOrder } from '../changes/locks.ts';
import { type ChangeSource, sourceOf } from '../changes/source.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import type { DB, UserRow } from '../db/schema.ts';
import { emailDomain, resolveDomainStandings } from '../domains/identity.ts';
import { joinGroups, leaveGroups } from '../groups/groups.members.ts';
import { type Membership, settleLicenses } from '../licenses/licenses.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { queueWelcomeMessages } from '../outbox/welcome.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { loadUserDetail, type UserDetailView } from './users.details.ts';
import { UserErrorCodes } from './users.errors.ts';
import { findGroupsByNames, findProfilesByNames } from './users.lookup.ts';
import { changeUserProfiles } from './users.profiles.ts';
import { findProductNamesByUserIds } from './users.queries.ts';
import { normalizeCountry, organizationLocale, requireUser } from './users.service.ts';

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
  /**
   * Take the user over: from now on managed by the actor's source (a directory sync adopting a
   * user added by hand, whom it then updates and may remove like the users it created).
   */
  manage?: boolean | undefined;
  /**
   * Release the user: no longer managed by a synchronizing source, hand-managed (the console) from
   * now on (a directory sync whose directory dropped the user under the `preserve` policy).
   */
  release?: boolean | undefined;
}

/** One user's edit inside a set-based change: the row read under lock, the patch, the field prefix. */
export interface UserEdit {
  user: UserRow;
  patch: UserPatch;
  /** Where the patch's fields are named in errors: `body` for a request, `items.3` for a command item. */
  field: string;
}

const DETAIL_KEYS = ['firstName', 'lastName', 'country', 'email'] as const;
const DIRECTORY_KEYS = ['username', 'alias', 'externalId', 'enterprise'] as const;
const touches = (patch: UserPatch, keys: readonly (keyof UserPatch)[]) =>
  keys.some((key) => key in patch && patch[key] !== undefined);

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
  if (touches(patch, DETAIL_KEYS) || touches(patch, DIRECTORY_KEYS)) {
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
    await editUsers(trx, actor, [{ user, patch, field: 'body' }]);
  });
  return loadUserDetail(ctx.db, actor.organizationId, userId);
}

/**
 * The writer of users' columns and of the edit of their direct profiles and groups, set-based for
 * any number of users (a statement per kind of change, not per user; only e-mail and directory
 * attribute changes, which come one user at a time, are written per user). The caller has read
 * and locked the users (in id order) and checked their versions. Rules: details of a trusted
 * domain's users are read-only; an e-mail moves only within domains this organization owns with
 * the same identity type; profiles and groups given or taken are authorized on their products and
 * groups, and removed users get none; licenses are recounted and welcome e-mails queued; every
 * attribute written is in the user's `user.update` audit event; the version moves with any change.
 * @throws AppError 403; 409 `users.read_only`, `users.removed`; 422 `users.email_not_changeable`,
 *   unknown names, removed users joining groups, `licenses.insufficient`
 */
export async function editUsers(trx: Transaction<DB>, actor: Actor, edits: UserEdit[]): Promise<void> {
  if (edits.length === 0) {
    return;
  }
  if (edits.some((edit) => touches(edit.patch, DETAIL_KEYS) || touches(edit.patch, DIRECTORY_KEYS))) {
    authorize(actor, 'user.update');
  }
  const organizationId = actor.organizationId;
  const audits = new Map<string, { before: Record<string, unknown>; after: Record<string, unknown> }>(
    edits.map((edit) => [edit.user.id, { before: {}, after: {} }]),
  );
  const detailed = edits.filter((edit) => touches(edit.patch, DETAIL_KEYS));
  // The users' own columns changed, written once below together with the version move of users
  // whose profiles or groups changed: one update of each user's row (and its indexes), not two.
  const rows: Record<string, string | null>[] = [];
  if (detailed.length > 0) {
    const standings = await resolveDomainStandings(trx, organizationId, [
      ...detailed.map((edit) => emailDomain(edit.user.email)),
      ...detailed.flatMap((edit) => (edit.patch.email ? [emailDomain(edit.patch.email.trim())] : [])),
    ]);
    const mails: Parameters<typeof queueMessages>[2] = [];
    for (const { user, patch, field } of detailed) {
      if (standings.get(emailDomain(user.email))?.ownership === 'trusted') {
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
        set.country = normalizeCountry(patch.country, `${field}.country`);
      }
      if (patch.email !== undefined && patch.email.trim().toLowerCase() !== user.email.toLowerCase()) {
        const email = patch.email.trim();
        const target = standings.get(emailDomain(email));
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
            { errors: [{ field: `${field}.email`, message: 'not an e-mail this organization can give this user' }] },
          );
        }
        set.email = email;
        set.username = email;
      }
      const changed = Object.entries(set).filter(([key, value]) => user[key as keyof typeof user] !== value);
      if (changed.length === 0) {
        continue;
      }
      const audit = audits.get(user.id);
      for (const [key, value] of changed) {
        if (audit) {
          audit.before[key] = user[key as keyof typeof user];
          audit.after[key] = value;
        }
      }
      rows.push({ id: user.id, ...Object.fromEntries(changed) });
      if (set.email && changed.some(([key]) => key === 'email')) {
        mails.push({
          kind: 'email_changed',
          userId: user.id,
          to: set.email,
          locale: user.locale ?? (await organizationLocale(trx, organizationId)),
          data: { previousEmail: user.email, email: set.email },
        });
      }
    }
    await queueMessages(trx, organizationId, mails);
  }
  for (const { user, patch } of edits.filter((edit) => touches(edit.patch, DIRECTORY_KEYS))) {
    // Written by a directory (SCIM), one user at a time: not the details a trusted domain's owner
    // keeps, and audited like every other attribute.
    const audit = audits.get(user.id) ?? { before: {}, after: {} };
    const current = {
      username: (audit.after.username as string | undefined) ?? user.username,
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
      // The sign-in name written here is final: the e-mail change written below keeps it.
      const detail = rows.find((row) => row.id === user.id);
      if (detail) {
        delete detail.username;
      }
      await trx
        .updateTable('users')
        .set({
          username: wanted.username,
          alias: wanted.alias,
          external_id: wanted.externalId,
          enterprise: wanted.enterprise === null ? null : JSON.stringify(wanted.enterprise),
          updated_at: new Date(),
        })
        .where('organization_id', '=', organizationId)
        .where('id', '=', user.id)
        .execute();
      const columnOf = { username: 'username', alias: 'alias', externalId: 'external_id', enterprise: 'enterprise' };
      for (const key of changed) {
        audit.before[key] =
          key in audit.before ? audit.before[key] : (user[columnOf[key] as keyof typeof user] ?? null);
        audit.after[key] = wanted[key];
      }
    }
  }
  // Who manages the user from now on: the actor's source when it takes the user over, the console
  // when the user is released; one statement per new source, the change in each user's audit event.
  const source = sourceOf(actor);
  const hand: ChangeSource = { type: 'console', id: null };
  for (const [target, which] of [
    [source, (patch: UserPatch) => patch.manage === true],
    [hand, (patch: UserPatch) => patch.release === true && patch.manage !== true],
  ] as const) {
    const moving = edits.filter(
      ({ user, patch }) => which(patch) && (user.source_type !== target.type || user.source_id !== target.id),
    );
    if (moving.length === 0) {
      continue;
    }
    await trx
      .updateTable('users')
      .set({ source_type: target.type, source_id: target.id, updated_at: new Date() })
      .where('organization_id', '=', organizationId)
      .where(
        'id',
        'in',
        moving.map(({ user }) => user.id),
      )
      .execute();
    for (const { user } of moving) {
      const audit = audits.get(user.id);
      if (audit) {
        audit.before.managedBy = { type: user.source_type, id: user.source_id };
        audit.after.managedBy = target;
      }
    }
  }
  const entitled = edits.filter((edit) => edit.patch.profiles !== undefined || edit.patch.groups !== undefined);
  const entitledIds = entitled.map((edit) => edit.user.id);
  const productsBefore = await findProductNamesByUserIds(trx, organizationId, entitledIds);
  const moved = new Set<string>();
  const profiled = entitled.filter((edit) => edit.patch.profiles !== undefined);
  if (profiled.length > 0) {
    const wanted = await findProfilesByNames(
      trx,
      organizationId,
      profiled.map((edit) => [`${edit.field}.profiles`, edit.patch.profiles ?? []]),
    );
    const current = await sql<{ user_id: string; id: string; name: string; product_id: string }>`
      select up.user_id, pp.id, pp.name, pp.product_id from user_profiles up
      join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
      where up.organization_id = ${organizationId} and up.user_id = any(${profiled.map((edit) => edit.user.id)}::uuid[])`.execute(
      trx,
    );
    const changes = profiled.map(({ user, patch }) => {
      const mine = current.rows.filter((row) => row.user_id === user.id);
      const wantedOnes = [
        ...new Map(
          (patch.profiles ?? []).flatMap((name) => {
            const profile = wanted.get(name.trim().toLowerCase());
            return profile ? [[profile.id, profile] as const] : [];
          }),
        ).values(),
      ];
      const wantedIds = new Set(wantedOnes.map((profile) => profile.id));
      const currentIds = new Set(mine.map((profile) => profile.id));
      const give = wantedOnes.filter((profile) => !currentIds.has(profile.id));
      const take = mine
        .filter((profile) => !wantedIds.has(profile.id))
        .map((profile) => ({ id: profile.id, name: profile.name, productId: profile.product_id }));
      if (give.length + take.length > 0) {
        moved.add(user.id);
        const audit = audits.get(user.id);
        if (audit) {
          audit.before.profiles = named(mine);
          audit.after.profiles = named(wantedOnes);
        }
      }
      return { user, give, take };
    });
    await changeUserProfiles(trx, actor, changes);
  }
  const grouped = entitled.filter((edit) => edit.patch.groups !== undefined);
  // The memberships this edit inserts and deletes: counted with its direct profiles at the end.
  const joining: Membership[] = [];
  let left: Membership[] = [];
  if (grouped.length > 0) {
    const wanted = await findGroupsByNames(
      trx,
      organizationId,
      grouped.map((edit) => [`${edit.field}.groups`, edit.patch.groups ?? []]),
    );
    const current = await sql<{ user_id: string; id: string; name: string }>`
      select m.user_id, g.id, g.name from group_members m
      join user_groups g on g.organization_id = m.organization_id and g.id = m.group_id
      where m.organization_id = ${organizationId} and m.user_id = any(${grouped.map((edit) => edit.user.id)}::uuid[])`.execute(
      trx,
    );
    const leaving: { userId: string; groupId: string }[] = [];
    const joinField = new Map<string, string>();
    for (const { user, patch, field } of grouped) {
      const mine = current.rows.filter((row) => row.user_id === user.id);
      const wantedOnes = [
        ...new Map(
          (patch.groups ?? []).flatMap((name) => {
            const group = wanted.get(name.trim().toLowerCase());
            return group ? [[group.id, group] as const] : [];
          }),
        ).values(),
      ];
      const wantedIds = new Set(wantedOnes.map((group) => group.id));
      const currentIds = new Set(mine.map((group) => group.id));
      const added = wantedOnes.filter((group) => !currentIds.has(group.id));
      const removed = mine.filter((group) => !wantedIds.has(group.id));
      for (const group of added) {
        authorize(actor, 'group.members.addExisting', { groupId: group.id });
      }
      for (const group of removed) {
        authorize(actor, 'group.members.remove', { groupId: group.id });
      }
      joining.push(...added.map((group) => ({ userId: user.id, groupId: group.id })));
      leaving.push(...removed.map((group) => ({ userId: user.id, groupId: group.id })));
      joinField.set(user.id, `${field}.groups`);
      if (added.length + removed.length > 0) {
        moved.add(user.id);
        const audit = audits.get(user.id);
        if (audit) {
          audit.before.groups = named(mine);
          audit.after.groups = named(wantedOnes);
        }
      }
    }
    const touched = [...new Set([...leaving, ...joining].map((pair) => pair.groupId))].sort();
    if (touched.length > 0) {
      // The groups' rows (their members' version) are locked now, after the users, in the one
      // order (changes/locks.ts): edits in flight at once wait in turn, never in a cycle.
      await lockInOrder(trx, organizationId, { groups: { ids: touched, mode: 'no key update' } });
    }
    left = await leaveGroups(trx, organizationId, leaving);
    const joiners = [...new Set(joining.map((pair) => pair.userId))];
    await joinGroups(trx, actor, joining, (index) => joinField.get(joiners[index] ?? '') ?? 'groups');
  }
  // Profiles and groups are part of the user an editor saw: the row's version moves with them.
  const written = new Set(rows.map((row) => row.id));
  for (const id of moved) {
    if (!written.has(id)) {
      rows.push({ id });
    }
  }
  if (rows.length > 0) {
    // One statement for every user: a column not in a user's change keeps its value.
    await sql`
      update users u set
        first_name = case when v.changes ? 'first_name' then v.changes ->> 'first_name' else u.first_name end,
        last_name = case when v.changes ? 'last_name' then v.changes ->> 'last_name' else u.last_name end,
        country = case when v.changes ? 'country' then v.changes ->> 'country' else u.country end,
        email = case when v.changes ? 'email' then v.changes ->> 'email' else u.email end,
        username = case when v.changes ? 'username' then v.changes ->> 'username' else u.username end,
        updated_at = now()
      from (select (r ->> 'id')::uuid as id, r as changes from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) r) v
      where u.organization_id = ${organizationId} and u.id = v.id`.execute(trx);
  }
  if (moved.size > 0) {
    const ids = [...moved];
    await settleLicenses(trx, organizationId, { users: ids, joined: joining, left });
    await queueWelcomeMessages(trx, organizationId, ids, productsBefore);
  }
  await recordAudits(
    trx,
    actor,
    edits.flatMap(({ user }) => {
      const audit = audits.get(user.id);
      return audit && Object.keys(audit.after).length > 0
        ? [
            {
              action: 'user.update',
              target: { type: 'user', id: user.id, label: (audit.after.email as string | undefined) ?? user.email },
              before: audit.before,
              after: audit.after,
            },
          ]
        : [];
    }),
  );
}

/** Profiles or groups as the audit records them: id and name, by name (so undo can find them). */
function named(items: { id: string; name: string }[]): { id: string; name: string }[] {
  return items
    .map(({ id, name }) => ({ id, name }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Moves the version of users whose profiles, groups or admin roles changed: those are part of the
 * user an editor saw, so a stale edit of any of them is refused.
 */
export async function touchUsers(trx: Transaction<DB>, organizationId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) {
    return;
  }
  await trx
    .updateTable('users')
    .set({ updated_at: new Date() })
    .where('organization_id', '=', organizationId)
    .where('id', 'in', userIds)
    .execute();
}

/**
 * Sets a signed-in administrator's own console language, audited as `user.preferences_update`.
 * The caller authorizes `self.update`; only a user actor has preferences.
 */
export async function setOwnLocale(trx: Transaction<DB>, actor: Actor, locale: Locale | null): Promise<void> {
  const before = await trx
    .selectFrom('users')
    .select('locale')
    .where('organization_id', '=', actor.organizationId)
    .where('id', '=', actor.id)
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('users')
    .set({ locale, updated_at: new Date() })
    .where('organization_id', '=', actor.organizationId)
    .where('id', '=', actor.id)
    .execute();
  await recordAudits(trx, actor, [
    {
      action: 'user.preferences_update',
      target: { type: 'user', id: actor.id, label: actor.label },
      before: { locale: before.locale },
      after: { locale },
    },
  ]);
}
