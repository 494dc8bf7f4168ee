import { sql, type Transaction } from 'kysely';
import { findLastChangesByTargetIds, recordAudit } from '../audit/audit.service.ts';
import { lockInOrder } from '../changes/locks.ts';
import type { Applied, ItemOutcome, RunScope } from '../changes/runner.ts';
import { runItems } from '../changes/runner.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { type Executor, transaction } from '../db/database.ts';
import { insertMany } from '../db/insert-many.ts';
import type { DB } from '../db/schema.ts';
import {
  createGroupsCommand,
  deleteGroupsCommand,
  type GroupState,
  type GroupStateItem,
  groupNames,
  type MembershipState,
  setMembershipsCommand,
  snapshotGroup,
  updateGroupsCommand,
} from '../groups/groups.commands.ts';
import { findMemberIdsByGroupIdAndUserIds } from '../groups/groups.members.ts';
import { type Actor, authorize, can } from '../roles/policy.ts';
import {
  deleteUsersCommand,
  removeUsersCommand,
  restoreUsersCommand,
  setUsersCommand,
  snapshotUsers,
  type UserState,
  type UserStateItem,
} from '../users/users.commands.ts';
import { type UserReference, userReferences } from '../users/users.removal.ts';
import {
  type BatchResult,
  type BatchScope,
  type Failure,
  failureOfOutcome,
  type Handler,
  namesMoved,
  type Outcome,
  type RowChange,
  userChanges,
  verb,
  type WorkRow,
} from './bulk.apply.ts';
import { processBulkJob, REQUIRED_ACTION } from './bulk.job.ts';
import type { BulkType } from './csv/formats.ts';

/**
 * Undoing a bulk operation. The undo is an operation of its own (`undo`, with
 * `source_operation_id` naming the operation it undoes), whose rows are the succeeded rows of the
 * other with their recorded state before and after. Each row is brought from its state after back
 * to its state before, through the change engine's commands only (which authorize, audit with the
 * undo's operation id, count seats and queue e-mails as any change does):
 * - a user the operation created is removed; a user it removed is restored and given back its
 *   details, profiles, groups and admin roles; a user it edited gets back what the edit changed;
 * - a group it created is deleted; a group it edited gets back its description, admins, profiles
 *   (and a group an undo deleted is created again, for a redo);
 * - a membership it gave is taken, one it took is given back.
 * An item changed since by anyone else (its state now differs from the recorded state after, in
 * what the undo would touch) is a conflict: its row is skipped (counted apart from failures: the
 * undo did what it safely could), named with who changed it last, and the item is never
 * overwritten. A user deleted permanently cannot be brought back. Since an undo records its own
 * rows' states before and after, it can be undone in turn (redo).
 */

/** Error codes of undo. */
export const UndoErrorCodes = {
  notFinished: 'bulk.undo_not_finished',
  dryRun: 'bulk.undo_of_dry_run',
  alreadyUndone: 'bulk.already_undone',
  conflict: 'bulk.undo_conflict',
  notUndoable: 'bulk.undo_not_undoable',
  nothingToDelete: 'bulk.undo_nothing_to_delete',
  deletedForGood: 'bulk.undo_deleted_for_good',
} as const;

type Kind = 'user' | 'group' | 'membership';

const KINDS: Record<BulkType, Kind> = {
  'add-users': 'user',
  'edit-users': 'user',
  'remove-users': 'user',
  'add-groups': 'group',
  'edit-groups': 'group',
  'add-group-members': 'membership',
  'remove-group-members': 'membership',
};

/** What an undo row holds: the row of the undone operation's state before and after. */
interface UndoRecord {
  kind: 'undo';
  change: RowChange;
}

const sorted = (values: (string | null)[]) => [...values.map((value) => value ?? '')].sort().join('\n');

/** A user's fields an undo compares and sets, each as one comparable text. */
const USER_FIELDS = {
  firstName: (state: UserState) => state.firstName ?? '',
  lastName: (state: UserState) => state.lastName ?? '',
  country: (state: UserState) => state.country ?? '',
  email: (state: UserState) => state.email.toLowerCase(),
  status: (state: UserState) => (state.status === 'removed' ? 'removed' : 'present'),
  profiles: (state: UserState) => sorted(state.profileIds),
  groups: (state: UserState) => sorted(state.groupIds),
  adminRoles: (state: UserState) =>
    sorted(state.adminRoles.map((role, index) => `${role.role}|${state.adminRoleScopeIds[index] ?? ''}`)),
} as const;
type UserField = keyof typeof USER_FIELDS;

const GROUP_FIELDS = {
  name: (state: GroupState) => state.name.toLowerCase(),
  description: (state: GroupState) => state.description ?? '',
  profiles: (state: GroupState) => sorted(state.profiles.map((name) => name.toLowerCase())),
  admins: (state: GroupState) => sorted(state.admins),
  membersCount: (state: GroupState) => String(state.membersCount),
} as const;
type GroupField = keyof typeof GROUP_FIELDS;

/** The fields that differ between two states (all of them when either is missing). */
function differing<S, F extends string>(fields: Record<F, (state: S) => string>, a: S | null, b: S | null): F[] {
  const names = Object.keys(fields) as F[];
  if (!a || !b) {
    return names;
  }
  return names.filter((name) => fields[name](a) !== fields[name](b));
}

/** An item the undo brings back, or why it cannot. */
type Plan<S> =
  | { row: WorkRow; id: string; label: string; target: S | null; expected: S | null; touched: string[] }
  | { row: WorkRow; failure: Failure; conflict?: true };

const recordOf = (row: WorkRow) => (row.record as unknown as UndoRecord).change;

/** Who changed these items last, from the audit log (one query). */
function lastChanges(scope: BatchScope, ids: string[]): Promise<Map<string, { by: string; at: string }>> {
  return findLastChangesByTargetIds(scope.trx, scope.operation.organizationId, ids);
}

function conflict(label: string, last: { by: string; at: string } | undefined): Failure {
  const who = last ? ` by ${last.by} at ${last.at}` : '';
  return {
    outcome: {
      code: UndoErrorCodes.conflict,
      params: { item: label, ...(last ? { by: last.by, at: last.at } : {}) },
    },
    message: `${label} was changed since${who}: skipped, not overwritten. Change it by hand if needed.`,
  };
}

function notUndoable(label: string, why: string): Failure {
  return { outcome: { code: UndoErrorCodes.notUndoable, params: { item: label } }, message: `${label} ${why}` };
}

/**
 * Plans each row: the item's state now against its recorded state after, in the fields the undo
 * would touch. Conflicts are named with who changed the item last.
 */
async function planRows<S extends { id: string }, F extends string>(
  scope: BatchScope,
  rows: WorkRow[],
  fields: Record<F, (state: S) => string>,
  current: Map<string, S>,
  labelOf: (state: S) => string,
  gone: (state: S) => Failure | undefined,
  /** Whether an item the undone operation deleted can be made again (a group can; a user deleted for good cannot). */
  recreatable = true,
): Promise<Plan<S>[]> {
  const plans: Plan<S>[] = [];
  const conflicting: { row: WorkRow; id: string; label: string }[] = [];
  for (const row of rows) {
    const change = recordOf(row);
    const before = change.before as S | null;
    const after = change.after as S | null;
    const recorded = (after ?? before) as S;
    const id = recorded.id;
    const label = labelOf(recorded);
    const now = current.get(id) ?? null;
    const touched = differing(fields, before, after);
    if (after && !now) {
      plans.push({ row, failure: gone(after) ?? notUndoable(label, 'no longer exists: it cannot be brought back.') });
      continue;
    }
    if (!after && now) {
      conflicting.push({ row, id, label });
      continue;
    }
    if (!after && before && !recreatable) {
      plans.push({
        row,
        failure: {
          outcome: { code: UndoErrorCodes.deletedForGood, params: { item: label } },
          message: `${label} was deleted for good: it cannot be brought back.`,
        },
      });
      continue;
    }
    if (after && now && touched.some((field) => fields[field](now) !== fields[field](after))) {
      conflicting.push({ row, id, label });
      continue;
    }
    plans.push({ row, id, label, target: before, expected: now, touched });
  }
  const last = await lastChanges(
    scope,
    conflicting.map((entry) => entry.id),
  );
  for (const entry of conflicting) {
    plans.push({ row: entry.row, failure: conflict(entry.label, last.get(entry.id)), conflict: true });
  }
  return plans;
}

type Ready<S> = Extract<Plan<S>, { id: string }>;

/**
 * Applies the ready items through the engine's runner: each item all or nothing (its own
 * savepoint), set-based where the commands are; the commands run atomic inside it, so an item
 * failing splits the list until it is alone.
 */
async function applyReady<S>(
  scope: BatchScope,
  ready: Ready<S>[],
  applyAll: (run: RunScope, items: Ready<S>[]) => Promise<Applied<S>[]>,
): Promise<ItemOutcome<S>[]> {
  return runItems(
    scope.ctx,
    ready,
    async (run, item) => {
      const [only] = await applyAll(run, [item]);
      if (!only) {
        throw new Error('undo answered no item');
      }
      return only;
    },
    { applyAll },
  );
}

function userWords(scope: BatchScope, from: UserState, to: UserState | null): Outcome[] {
  if (!to) {
    return [];
  }
  const outcomes: Outcome[] = [];
  if (from.status !== 'removed' && to.status === 'removed') {
    return [{ code: verb(scope, 'remove_user'), params: { email: from.email } }];
  }
  if (from.status === 'removed' && to.status !== 'removed') {
    outcomes.push({ code: verb(scope, 'restore_user'), params: { email: to.email } });
  }
  outcomes.push(...userChanges(scope, from, to));
  return outcomes;
}

/** Users: removed (created by the operation), restored with what they lost, or set back. */
async function undoUsers(scope: BatchScope, rows: WorkRow[]): Promise<BatchResult> {
  const { trx, actor, operation } = scope;
  const ids = rows.map((row) => {
    const change = recordOf(row);
    return ((change.after ?? change.before) as UserState).id;
  });
  // The check and the write see the same state: the users are locked by the read of their rows, in
  // id order as every set-based change locks them, before their profiles, groups and roles are
  // read, so an edit in flight is either committed before the check (and is a conflict) or waits
  // until the undo's batch has committed.
  const current = await snapshotUsers(trx, operation.organizationId, ids, { lock: true });
  const plans = await planRows<UserState, UserField>(
    scope,
    rows,
    USER_FIELDS,
    current,
    (state) => state.email,
    () => undefined,
    false,
  );
  const { ready, failed, skipped } = split(plans);
  const setItem = (plan: Ready<UserState>, all: boolean): UserStateItem => {
    const target = plan.target as UserState;
    const touched = new Set(all ? Object.keys(USER_FIELDS) : plan.touched);
    return {
      user: { id: plan.id },
      ...(touched.has('firstName') ? { firstName: target.firstName } : {}),
      ...(touched.has('lastName') ? { lastName: target.lastName } : {}),
      ...(touched.has('country') ? { country: target.country } : {}),
      ...(touched.has('email') ? { email: target.email } : {}),
      ...(touched.has('profiles') ? { profiles: target.profiles } : {}),
      ...(touched.has('groups') ? { groups: target.groups } : {}),
      ...(touched.has('adminRoles')
        ? { adminRoles: target.adminRoles.map((role) => ({ role: role.role, scope: role.scope })) }
        : {}),
    };
  };
  const deleted = new Set<string>();
  const kept = new Map<string, UserReference>();
  const outcomes = await applyReady(scope, ready, async (run, items) => {
    const remove = items.filter(
      (plan) => !plan.target || (plan.target.status === 'removed' && plan.expected?.status !== 'removed'),
    );
    const restore = items.filter(
      (plan) => plan.target && plan.target.status !== 'removed' && plan.expected?.status === 'removed',
    );
    const set = items.filter((plan) => !remove.includes(plan) && !restore.includes(plan));
    // Users removed: their states were read under lock by the check, and the state after is the
    // command's (derived, not read again). The users restored or set back are read once after.
    const removedAfter = new Map<string, UserState | null>();
    // Users the operation created, deleted for good when the admin chose so and nothing else
    // refers to them; the others stay removed, saying what refers to them.
    const deleting = operation.deleteCreatedUsers ? remove.filter((plan) => !plan.target) : [];
    if (remove.length > 0) {
      const removed = await removeUsersCommand(
        run.ctx,
        actor,
        remove.map((plan) => ({ user: { id: plan.id } })),
        {
          atomic: true,
          states: new Map(remove.flatMap((plan) => (plan.expected ? [[plan.id, plan.expected]] : []))),
        },
      );
      for (const [index, plan] of remove.entries()) {
        const outcome = removed[index];
        removedAfter.set(plan.id, outcome && outcome.status !== 'failed' ? (outcome.after ?? null) : null);
      }
    }
    if (deleting.length > 0) {
      const references = await userReferences(
        run.trx,
        operation.organizationId,
        deleting.map((plan) => plan.id),
      );
      const free = deleting.filter((plan) => !references.has(plan.id));
      if (free.length > 0) {
        await deleteUsersCommand(
          run.ctx,
          actor,
          free.map((plan) => ({ user: { id: plan.id } })),
          { atomic: true },
        );
      }
      for (const plan of deleting) {
        const reference = references.get(plan.id);
        if (reference) {
          kept.set(plan.id, reference);
        } else {
          removedAfter.set(plan.id, null);
          deleted.add(plan.id);
          kept.delete(plan.id);
        }
      }
    }
    if (restore.length > 0) {
      await restoreUsersCommand(
        run.ctx,
        actor,
        restore.map((plan) => ({ user: { id: plan.id } })),
        { atomic: true },
      );
    }
    const sets = [...restore.map((plan) => setItem(plan, true)), ...set.map((plan) => setItem(plan, false))];
    if (sets.length > 0) {
      await setUsersCommand(run.ctx, actor, sets, { atomic: true });
    }
    const after = await snapshotUsers(
      run.trx,
      operation.organizationId,
      items.filter((plan) => !removedAfter.has(plan.id)).map((plan) => plan.id),
    );
    for (const [id, state] of removedAfter) {
      if (state) {
        after.set(id, state);
      }
    }
    return items.map((plan) => ({
      status: 'applied',
      code: 'bulk.undone',
      params: { item: plan.label },
      before: plan.expected,
      after: after.get(plan.id) ?? null,
    }));
  });
  return collect(ready, outcomes, { failed, skipped }, (plan, outcome) => {
    if (!plan.expected) {
      return [];
    }
    if (deleted.has(plan.id)) {
      return [{ code: verb(scope, 'delete_user'), params: { email: plan.expected.email } }];
    }
    const reference = kept.get(plan.id);
    return [
      ...userWords(scope, plan.expected, outcome.after),
      ...(reference
        ? [{ code: verb(scope, 'keep_user'), params: { email: plan.expected.email, reason: reference } }]
        : []),
    ];
  });
}

/** Groups: deleted (created by the operation), created again (deleted by an undo), or set back. */
async function undoGroups(scope: BatchScope, rows: WorkRow[]): Promise<BatchResult> {
  const { trx, actor, operation } = scope;
  const current = new Map<string, GroupState>();
  // Locked before they are read (a change of a group's details, profiles, admins or members
  // writes its row), so no change comes between the check and the undo's write; the admins it
  // may give back first, in the one lock order (changes/locks.ts).
  const recorded = rows.flatMap((row) => {
    const change = recordOf(row);
    return [change.before, change.after].filter((state) => state !== null && state !== undefined) as GroupState[];
  });
  await lockInOrder(trx, operation.organizationId, {
    users: { ids: recorded.flatMap((state) => state.admins ?? []), mode: 'share' },
    groups: { ids: recorded.map((state) => state.id), mode: 'update' },
  });
  for (const row of rows) {
    const change = recordOf(row);
    const id = ((change.after ?? change.before) as GroupState).id;
    const state = await snapshotGroup(trx, operation.organizationId, id);
    if (state) {
      current.set(id, state);
    }
  }
  const plans = await planRows<GroupState, GroupField>(
    scope,
    rows,
    GROUP_FIELDS,
    current,
    (state) => state.name,
    () => undefined,
  );
  const { ready, failed, skipped } = split(plans);
  const outcomes = await applyReady(scope, ready, async (run, items) => {
    const remove = items.filter((plan) => !plan.target);
    const create = items.filter((plan) => plan.target && !plan.expected);
    const update = items.filter((plan) => plan.target && plan.expected);
    if (remove.length > 0) {
      await deleteGroupsCommand(
        run.ctx,
        actor,
        remove.map((plan) => ({ group: { id: plan.id } })),
        { atomic: true },
      );
    }
    const created = new Map<Ready<GroupState>, string>();
    if (create.length > 0) {
      const made = await createGroupsCommand(
        run.ctx,
        actor,
        create.map((plan) => {
          const target = plan.target as GroupState;
          return {
            name: target.name,
            ...(target.description ? { description: target.description } : {}),
            profiles: target.profiles,
            admins: target.admins,
          };
        }),
        { atomic: true },
      );
      for (const [index, plan] of create.entries()) {
        created.set(plan, made[index]?.after?.id ?? plan.id);
      }
    }
    if (update.length > 0) {
      const items: GroupStateItem[] = update.map((plan) => {
        const target = plan.target as GroupState;
        const touched = new Set(plan.touched);
        return {
          group: { id: plan.id },
          ...(touched.has('description') ? { description: target.description } : {}),
          ...(touched.has('admins') ? { admins: target.admins } : {}),
          ...(touched.has('profiles') ? { profiles: target.profiles } : {}),
        };
      });
      await updateGroupsCommand(run.ctx, actor, items, { atomic: true });
    }
    const states: Applied<GroupState>[] = [];
    for (const plan of items) {
      const id = created.get(plan) ?? plan.id;
      states.push({
        status: 'applied',
        code: 'bulk.undone',
        params: { item: plan.label },
        before: plan.expected,
        after: plan.target ? await snapshotGroup(run.trx, operation.organizationId, id) : null,
      });
    }
    return states;
  });
  return collect(ready, outcomes, { failed, skipped }, (plan, outcome) => {
    if (!outcome.after) {
      return [{ code: verb(scope, 'delete_group'), params: { group: plan.label } }];
    }
    if (!plan.expected) {
      return [{ code: verb(scope, 'add_group'), params: { group: plan.label } }];
    }
    return [
      ...(plan.touched.some((field) => field === 'description' || field === 'admins')
        ? [{ code: verb(scope, 'update_group'), params: { group: plan.label } }]
        : []),
      ...namesMoved(scope, 'profile', plan.expected.profiles, outcome.after.profiles),
    ];
  });
}

type Membership = MembershipState & { id: string };

/** Memberships: taken back, or given back. */
async function undoMemberships(scope: BatchScope, rows: WorkRow[]): Promise<BatchResult> {
  const { trx, actor, operation } = scope;
  const asMembership = (state: unknown): Membership | null => {
    const value = state as MembershipState | null;
    return value ? { ...value, id: `${value.groupId}|${value.userId}` } : null;
  };
  const recorded = rows.map((row) => asMembership(recordOf(row).after) as Membership);
  const groupIds = [...new Set(recorded.map((state) => state.groupId))];
  // Every change of a group's members writes the group's row (its members' version): locking the
  // groups before reading the memberships keeps any such change out of the check and the write;
  // the users it may put back in first, in the one lock order (changes/locks.ts).
  await lockInOrder(trx, operation.organizationId, {
    users: { ids: recorded.map((state) => state.userId), mode: 'share' },
    groups: { ids: groupIds, mode: 'update' },
  });
  const names = await groupNames(trx, operation.organizationId, groupIds);
  const current = new Map<string, Membership>();
  for (const groupId of groupIds) {
    if (!names.has(groupId)) {
      continue;
    }
    const users = recorded.filter((state) => state.groupId === groupId).map((state) => state.userId);
    const isMember = new Set(await findMemberIdsByGroupIdAndUserIds(trx, operation.organizationId, groupId, users));
    for (const userId of users) {
      const id = `${groupId}|${userId}`;
      current.set(id, { id, groupId, group: names.get(groupId) ?? '', userId, member: isMember.has(userId) });
    }
  }
  const wrapped = rows.map((row) => ({
    ...row,
    record: {
      kind: 'undo',
      change: { before: asMembership(recordOf(row).before), after: asMembership(recordOf(row).after) },
    } as unknown as WorkRow['record'],
  }));
  const plans = await planRows<Membership, 'member'>(
    scope,
    wrapped,
    { member: (state) => String(state.member) },
    current,
    (state) => state.group,
    () => undefined,
  );
  const { ready, failed, skipped } = split(plans);
  const outcomes = await applyReady(scope, ready, async (run, items) => {
    await setMembershipsCommand(
      run.ctx,
      actor,
      items.map((plan) => {
        const target = plan.target as Membership;
        return { group: { id: target.groupId }, userId: target.userId, member: target.member };
      }),
      { atomic: true },
    );
    // Stored as the membership commands report it, without the key the comparison used.
    const bare = (state: Membership | null) => {
      if (!state) {
        return null;
      }
      const { id: _key, ...membership } = state;
      return membership as Membership;
    };
    return items.map((plan) => ({
      status: 'applied',
      code: 'bulk.undone',
      params: { item: plan.label },
      before: bare(plan.expected),
      after: bare(plan.target),
    }));
  });
  return collect(ready, outcomes, { failed, skipped }, (plan) => [
    { code: verb(scope, plan.target?.member ? 'add_member' : 'remove_member'), params: { group: plan.label } },
  ]);
}

/** Plans split into the items to apply, those that cannot be undone, and conflicts (skipped, not failed). */
function split<S>(plans: Plan<S>[]): {
  ready: Ready<S>[];
  failed: Map<number, Failure>;
  skipped: Map<number, Failure>;
} {
  const ready: Ready<S>[] = [];
  const failed = new Map<number, Failure>();
  const skipped = new Map<number, Failure>();
  for (const plan of plans) {
    if ('failure' in plan) {
      (plan.conflict ? skipped : failed).set(plan.row.rowNumber, plan.failure);
    } else {
      ready.push(plan);
    }
  }
  return { ready, failed, skipped };
}

/** The batch's result: applied rows with their words and states, failed and skipped rows with why. */
function collect<S>(
  ready: Ready<S>[],
  outcomes: ItemOutcome<S>[],
  { failed, skipped }: { failed: Map<number, Failure>; skipped: Map<number, Failure> },
  words: (plan: Ready<S>, outcome: ItemOutcome<S>) => Outcome[],
): BatchResult {
  const applied = new Map<number, Outcome[]>();
  const changes = new Map<number, RowChange>();
  for (const outcome of outcomes) {
    const plan = ready[outcome.index];
    if (!plan) {
      continue;
    }
    if (outcome.status === 'failed') {
      failed.set(plan.row.rowNumber, failureOfOutcome(outcome));
      continue;
    }
    const worded = words(plan, outcome);
    applied.set(plan.row.rowNumber, worded.length > 0 ? worded : [{ code: 'bulk.unchanged', params: {} }]);
    // What the undo did, kept so that it can be undone in turn (redo).
    changes.set(plan.row.rowNumber, { before: outcome.before, after: outcome.after });
  }
  return { applied, failed, skipped, changes };
}

/** Applies an undo operation's rows, of the kind of the operation undone. */
export const UNDO_HANDLER: Handler = {
  // Not asked: an undo's batches go one at a time or several at once as its type's files do.
  serial: true,
  apply(scope, rows) {
    switch (KINDS[scope.operation.type]) {
      case 'user':
        return undoUsers(scope, rows);
      case 'group':
        return undoGroups(scope, rows);
      case 'membership':
        return undoMemberships(scope, rows);
    }
  },
};

/**
 * Starts the undo of a finished operation: a new operation (a dry run, or for real) whose rows are
 * the succeeded rows of the other. Who may run the operation may undo it (the same policy checks
 * as its upload); an undo can itself be undone.
 * @returns the new operation's id
 * @throws AppError 403; 404; 409 not finished, a dry run, already undone
 */
export async function undoBulkOperation(
  ctx: AppContext,
  actor: Actor,
  operationId: string,
  options: {
    dryRun: boolean;
    /** Delete for good, instead of removing, the users the operation created that nothing else refers to. */
    deleteCreatedUsers?: boolean;
  },
): Promise<string> {
  authorize(actor, 'bulk.run');
  let query = ctx.db
    .selectFrom('bulk_operations')
    .selectAll()
    .where('organization_id', '=', actor.organizationId)
    .where('id', '=', operationId);
  if (!can(actor, 'bulk.readAll')) {
    query = query.where('initiator_id', '=', actor.id);
  }
  const source = await query.executeTakeFirst();
  if (!source) {
    throw notFound('Bulk operation');
  }
  const type = source.type as BulkType;
  const target = source.group_id ? { groupId: source.group_id } : undefined;
  authorize(actor, 'bulk.run', target);
  authorize(actor, REQUIRED_ACTION[type], target);
  const deleteCreatedUsers = options.deleteCreatedUsers === true;
  if (deleteCreatedUsers) {
    authorize(actor, 'user.delete');
    if (KINDS[type] !== 'user') {
      throw new AppError(
        UndoErrorCodes.nothingToDelete,
        422,
        'Only the undo of an operation that added users can delete them: leave deleteCreatedUsers out.',
        { errors: [{ field: 'body.deleteCreatedUsers', message: 'only for operations of users (add-users)' }] },
      );
    }
  }
  if (source.dry_run) {
    throw new AppError(
      UndoErrorCodes.dryRun,
      409,
      'A dry run changed nothing, so there is nothing to undo: undo the operation that ran for real.',
    );
  }
  if (!source.finished_at || source.status === 'queued' || source.status === 'running') {
    throw new AppError(
      UndoErrorCodes.notFinished,
      409,
      'The operation has not finished: wait for it to finish (or cancel it), then undo it.',
    );
  }
  if (source.source_sync_run_id) {
    // The undo of a directory-sync run: who may run the sync may undo it, or redo it.
    authorize(actor, 'domain.manage');
  }
  return transaction(ctx.db, async (trx) => {
    // One undo at a time per operation: the operation's row is locked while the undo is created.
    await trx.selectFrom('bulk_operations').select('id').where('id', '=', operationId).forUpdate().execute();
    return createUndoOperation(
      ctx,
      trx,
      actor,
      {
        type,
        fileName: source.file_name,
        groupId: source.group_id,
        groupName: source.group_name,
        delimiter: source.delimiter,
        header: source.header,
        undoes: { operationId },
      },
      { dryRun: options.dryRun, deleteCreatedUsers },
      async (undoId) => {
        const inserted = await sql`
          insert into bulk_operation_rows (organization_id, operation_id, row_number, cells, record, key, status)
          select organization_id, ${undoId}::uuid, row_number, cells,
            jsonb_build_object('kind', 'undo', 'change', changes), key, 'pending'
          from bulk_operation_rows
          where operation_id = ${operationId} and status = 'succeeded' and changes is not null`.execute(trx);
        return Number(inserted.numAffectedRows ?? 0);
      },
    );
  });
}

/** What an undo undoes: a bulk operation, or a directory-sync run. */
type Undoes = { operationId: string } | { syncRunId: string };

/** One row of an undo: an item's recorded state before and after, with the cells its results show. */
export interface UndoRowInput {
  rowNumber: number;
  cells: string[];
  key: string | null;
  change: RowChange;
}

/**
 * Creates an undo operation (in the caller's transaction, which has locked what it undoes) and
 * queues it: refused when what it undoes is already undone for real; its rows are written by
 * `insertRows`, which answers how many it wrote.
 * @returns the new operation's id
 * @throws AppError 409 already undone
 */
async function createUndoOperation(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  source: {
    type: BulkType;
    fileName: string;
    groupId: string | null;
    groupName: string | null;
    delimiter: string;
    header: string[];
    undoes: Undoes;
  },
  options: { dryRun: boolean; deleteCreatedUsers: boolean },
  insertRows: (operationId: string) => Promise<number>,
): Promise<string> {
  const undoes = source.undoes;
  if ('syncRunId' in undoes) {
    // One undo at a time per run, whether started from the run or from its preview's page.
    await sql`select pg_advisory_xact_lock(hashtext(${`sync-run-undo:${undoes.syncRunId}`}))`.execute(trx);
  }
  const undone = await trx
    .selectFrom('bulk_operations')
    .select(['id', 'initiator_label'])
    .where('organization_id', '=', actor.organizationId)
    .$if('operationId' in undoes, (query) =>
      query.where('source_operation_id', '=', 'operationId' in undoes ? undoes.operationId : ''),
    )
    .$if('syncRunId' in undoes, (query) =>
      query.where('source_sync_run_id', '=', 'syncRunId' in undoes ? undoes.syncRunId : ''),
    )
    .where('undo', '=', true)
    .where('dry_run', '=', false)
    .where('status', 'not in', ['failed', 'cancelled'])
    .executeTakeFirst();
  if (undone) {
    const what = 'operationId' in undoes ? 'operation' : 'sync run';
    throw new AppError(
      UndoErrorCodes.alreadyUndone,
      409,
      `The ${what} is already undone (by ${undone.initiator_label}, operation ${undone.id}): undo that operation to redo it.`,
    );
  }
  const operation = await trx
    .insertInto('bulk_operations')
    .values({
      organization_id: actor.organizationId,
      type: source.type,
      file_name: source.fileName,
      dry_run: options.dryRun,
      group_id: source.groupId,
      group_name: source.groupName,
      initiator_type: actor.type,
      initiator_id: actor.id,
      initiator_label: actor.label,
      delimiter: source.delimiter,
      header: source.header,
      source_operation_id: 'operationId' in undoes ? undoes.operationId : null,
      source_sync_run_id: 'syncRunId' in undoes ? undoes.syncRunId : null,
      undo: true,
      delete_created_users: options.deleteCreatedUsers,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const rows = await insertRows(operation.id);
  await trx.updateTable('bulk_operations').set({ total_rows: rows }).where('id', '=', operation.id).execute();
  await recordAudit(trx, actor, {
    action: 'bulk.create',
    target: { type: 'bulk_operation', id: operation.id, label: source.fileName },
    after: {
      type: source.type,
      dryRun: options.dryRun,
      rows,
      ...('operationId' in undoes ? { undoes: undoes.operationId } : { undoesSyncRun: undoes.syncRunId }),
      ...(options.deleteCreatedUsers ? { deleteCreatedUsers: true } : {}),
    },
  });
  await ctx.jobs.send(processBulkJob, { operationId: operation.id }, { trx, singletonKey: operation.id });
  return operation.id;
}

/** A directory-sync run to undo, as its adapter reads it. */
export interface SyncRunToUndo {
  id: string;
  /** Shown as the undo's file name: the directory and when the run started. */
  label: string;
  /** Writes the run's applied outcomes, with their states, as the undo's rows (a page at a time). */
  rows: (write: (rows: UndoRowInput[]) => Promise<void>) => Promise<void>;
}

/** The header of a sync-run undo's rows (its results CSV). */
export const SYNC_UNDO_HEADER = ['E-mail', 'DN', 'Action'];

/**
 * Starts the undo of a directory-sync run that ran for real: a new operation of users (a dry run,
 * or for real) whose rows are the run's applied outcomes with the states it recorded, applied by
 * the same undo handler as a bulk operation's undo. The caller (the sync adapter) has authorized
 * the actor as one who may run the sync, found the run finished and locked it in `ctx.db`'s
 * transaction (`trx`). Users the run created are removed, details set back, memberships and profiles it
 * gave taken and those it took given back, users it removed restored; an item changed since by
 * anyone else is a conflict, listed and skipped.
 * @returns the new operation's id
 * @throws AppError 409 already undone
 */
export async function undoSyncRunOperation(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  run: SyncRunToUndo,
  options: { dryRun: boolean },
): Promise<string> {
  authorize(actor, 'domain.manage');
  return createUndoOperation(
    ctx,
    trx,
    actor,
    {
      type: 'edit-users',
      fileName: run.label,
      groupId: null,
      groupName: null,
      delimiter: ',',
      header: SYNC_UNDO_HEADER,
      undoes: { syncRunId: run.id },
    },
    { dryRun: options.dryRun, deleteCreatedUsers: false },
    async (operationId) => {
      let count = 0;
      await run.rows(async (rows) => {
        count += rows.length;
        await insertMany(
          trx,
          'bulk_operation_rows',
          rows.map((row) => ({
            organization_id: actor.organizationId,
            operation_id: operationId,
            row_number: row.rowNumber,
            cells: row.cells,
            record: { kind: 'undo', change: row.change },
            key: row.key,
            status: 'pending',
          })),
        );
      });
      return count;
    },
  );
}

/** Who undid an operation, and when: its latest finished undo that ran for real. */
export interface UndoneBy {
  operationId: string;
  label: string;
  at: string;
}

/**
 * Who undid each of these operations (one query).
 * @returns operation id → its undo (operations not undone are absent)
 */
export async function undoneBy(ctx: AppContext, organizationId: string, ids: string[]): Promise<Map<string, UndoneBy>> {
  return latestUndoOf(ctx.db, organizationId, 'source_operation_id', ids);
}

/**
 * Who undid each of these directory-sync runs (one query): the latest finished undo that ran for real.
 * @returns run id → its undo (runs not undone are absent)
 */
export async function syncRunsUndoneBy(
  db: Executor,
  organizationId: string,
  runIds: string[],
): Promise<Map<string, UndoneBy>> {
  return latestUndoOf(db, organizationId, 'source_sync_run_id', runIds);
}

/** The latest finished undo that ran for real of each source (an operation or a sync run). */
async function latestUndoOf(
  db: Executor,
  organizationId: string,
  source: 'source_operation_id' | 'source_sync_run_id',
  ids: string[],
): Promise<Map<string, UndoneBy>> {
  const found = new Map<string, UndoneBy>();
  if (ids.length === 0) {
    return found;
  }
  const rows = await db
    .selectFrom('bulk_operations')
    .select(['id', `${source} as source`, 'initiator_label', 'finished_at'])
    .where('organization_id', '=', organizationId)
    .where(source, 'in', ids)
    .where('undo', '=', true)
    .where('dry_run', '=', false)
    .where('status', 'in', ['completed', 'completed_with_errors'])
    .orderBy('finished_at', 'asc')
    .execute();
  for (const row of rows) {
    if (row.source && row.finished_at) {
      found.set(row.source, { operationId: row.id, label: row.initiator_label, at: row.finished_at.toISOString() });
    }
  }
  return found;
}

/**
 * Runs the preview of a directory-sync run's undo for real: a new undo of the run, with the
 * preview's rows (the states the run recorded), planned again against the state of now.
 * @returns the new operation's id
 * @throws AppError 403; 409 already undone
 */
export async function runSyncUndoPreviewForReal(
  ctx: AppContext,
  actor: Actor,
  preview: { id: string; fileName: string; sourceSyncRunId: string },
): Promise<string> {
  authorize(actor, 'domain.manage');
  return transaction(ctx.db, (trx) =>
    createUndoOperation(
      ctx,
      trx,
      actor,
      {
        type: 'edit-users',
        fileName: preview.fileName,
        groupId: null,
        groupName: null,
        delimiter: ',',
        header: SYNC_UNDO_HEADER,
        undoes: { syncRunId: preview.sourceSyncRunId },
      },
      { dryRun: false, deleteCreatedUsers: false },
      async (operationId) => {
        const inserted = await sql`
          insert into bulk_operation_rows (organization_id, operation_id, row_number, cells, record, key, status)
          select organization_id, ${operationId}::uuid, row_number, cells, record, key, 'pending'
          from bulk_operation_rows where operation_id = ${preview.id}`.execute(trx);
        return Number(inserted.numAffectedRows ?? 0);
      },
    ),
  );
}
