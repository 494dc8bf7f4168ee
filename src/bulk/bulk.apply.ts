import type { Transaction } from 'kysely';
import type { BulkOutcome } from '../../shared/api/bulk.ts';
import type { AdminRole, ScopeKind } from '../../shared/roles.ts';
import { resolveNames } from '../changes/names.ts';
import { resolveForChange } from '../changes/resolution.ts';
import type { ItemOutcome } from '../changes/runner.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { constraintError } from '../db/constraint-errors.ts';
import type { DB, UserRow } from '../db/schema.ts';
import { emailDomain } from '../domains/identity.ts';
import {
  createGroupsCommand,
  type GroupState,
  type GroupStateItem,
  groupNames,
  type MembershipItem,
  membersAmong,
  setMembershipsCommand,
  updateGroupsCommand,
} from '../groups/groups.commands.ts';
import { productsByGroup } from '../groups/groups.members.ts';
import type { LicenseDeficit } from '../licenses/licenses.ts';
import { findProductNamesByIds } from '../products/products.service.ts';
import { type Actor, can } from '../roles/policy.ts';
import { type AdminRoleGrant, completeAdminRoles } from '../users/users.admin-roles.ts';
import {
  createUsersCommand,
  type RemoveUserItem,
  removeUsersCommand,
  setUsersCommand,
  type UserState,
  type UserStateItem,
} from '../users/users.commands.ts';
import { ADMIN_ROLE_LABELS } from '../users/users.csv.ts';
import { findUsersByLogins } from '../users/users.lookup.ts';
import { normalizeCountry } from '../users/users.service.ts';
import {
  ADMIN_COLUMNS_TEXT,
  ADMIN_ROLES_COLUMN,
  adminRolesPartOf,
  findAdminScopeNames,
  hasAdminColumns,
  missingScopeProblem,
  resolvedPart,
} from './bulk.admin-roles.ts';
import type { BulkType, GroupRecord, IdentityType, UserRecord } from './csv/formats.ts';

/** One outcome of a row, as a code with parameters (the console translates it). */
export type Outcome = BulkOutcome;

/** Why a row was not applied. */
export interface Failure {
  outcome: Outcome;
  message: string;
  /** Licenses the row would have needed, per product, for the deficit report. */
  deficits?: LicenseDeficit[];
}

/** A row to apply. */
export interface WorkRow {
  rowNumber: number;
  record: UserRecord | GroupRecord;
}

/** What a batch of rows is applied with. */
export interface BatchScope {
  /** The app, with `db` set to the batch's transaction, so services join it. */
  ctx: AppContext;
  trx: Transaction<DB>;
  actor: Actor;
  operation: {
    id: string;
    type: BulkType;
    dryRun: boolean;
    groupId: string | null;
    organizationId: string;
    /** An undo deletes for good the users the undone operation created, where nothing else refers to them. */
    deleteCreatedUsers?: boolean;
  };
  /** Products found to have no seat left during this run: rows needing them fail at once. */
  exhausted: Set<string>;
}

/** What applying a batch gives: outcomes of applied rows, and rows refused before any change. */
export interface BatchResult {
  applied: Map<number, Outcome[]>;
  failed: Map<number, Failure>;
  /** Rows left alone on purpose, not failed (an undo's conflicts): counted as skipped. */
  skipped?: Map<number, Failure>;
  /** Per applied row, its state before and after (the change engine's outcome), kept for undo. */
  changes?: Map<number, RowChange>;
}

/** An applied row's state before and after its change. */
export interface RowChange {
  before: unknown;
  after: unknown;
}

/**
 * How a type of operation applies rows: a batch at a time through the change engine's commands
 * (the engine's runner keeps each row all or nothing); `serial` types go one batch at a time even
 * where several could be in flight.
 */
export interface Handler {
  serial: boolean;
  apply(scope: BatchScope, rows: WorkRow[]): Promise<BatchResult>;
}

/** Past tense of each change, for outcomes of applied and undone rows (`bulk.added_user`; the console translates the codes). */
const DONE: Record<string, string> = {
  add_user: 'added_user',
  update_user: 'updated_user',
  remove_user: 'removed_user',
  delete_user: 'deleted_user',
  keep_user: 'kept_user',
  restore_user: 'restored_user',
  add_group: 'added_group',
  update_group: 'updated_group',
  delete_group: 'deleted_group',
  add_member: 'added_member',
  remove_member: 'removed_member',
  assign_profile: 'assigned_profile',
  unassign_profile: 'unassigned_profile',
  grant_role: 'granted_role',
  revoke_role: 'revoked_role',
};

/** A change's outcome code: what it would do in a dry run (`bulk.would_add_user`), else what it did (`bulk.added_user`). */
export const verb = (scope: BatchScope, change: string) =>
  scope.operation.dryRun ? `bulk.would_${change}` : `bulk.${DONE[change] ?? change}`;

/**
 * Turns any error of a row into its failure: licenses into a license outcome with deficits,
 * refusals into "not allowed", the rest into the error's own message, with field details.
 * @returns the failure
 */
export function failureOf(thrown: unknown): Failure {
  const error = constraintError(thrown) ?? thrown;
  if (error instanceof AppError) {
    const details = error.errors?.map((problem) => problem.message).join('; ');
    const message = details && !error.message.includes(details) ? `${error.message} (${details})` : error.message;
    if (error.code === 'licenses.insufficient') {
      const deficits = (error.extra?.deficits as LicenseDeficit[] | undefined) ?? [];
      return {
        outcome: {
          code: 'bulk.licenses_insufficient',
          params: {
            product: deficits.map((deficit) => deficit.productName).join(', '),
            needed: deficits[0]?.missing ?? 1,
          },
        },
        message: `Not assigned: ${deficits.map((deficit) => `no license of ${deficit.productName} left`).join('; ') || error.message}. Add licenses to the product or free some, then upload the failed rows again.`,
        deficits,
      };
    }
    if (error.code === 'auth.forbidden') {
      return { outcome: { code: 'bulk.not_allowed', params: { detail: message } }, message };
    }
    return { outcome: { code: 'bulk.row_failed', params: { detail: message } }, message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { outcome: { code: 'bulk.row_failed', params: { detail: message } }, message };
}

/**
 * What a row of a set-based file says when its item failed for problems of its own fields: the
 * title, then the item's problems ("Unknown product profile: no product profile named "X": …"),
 * as these rows have always been worded.
 */
const PROBLEM_TITLES: Record<string, string> = {
  'users.unknown_profile': 'Unknown product profile',
  'users.unknown_group': 'Unknown user group',
  'users.already_exists': 'Already users of the organization',
  'groups.removed_users': 'Removed users cannot join a group',
};

/**
 * The failure of a row whose command item failed, worded as the error it came from; `byProblems`
 * words the errors of `PROBLEM_TITLES` by the item's own field problems.
 */
export function failureOfOutcome(outcome: ItemOutcome<unknown>, options: { byProblems?: boolean } = {}): Failure {
  const title = PROBLEM_TITLES[outcome.code];
  if (options.byProblems && title && outcome.problems?.length) {
    const detail = [...new Set(outcome.problems.map((problem) => problem.message))].join('; ');
    return { outcome: { code: 'bulk.row_failed', params: { detail } }, message: `${title}: ${detail}.` };
  }
  return failureOf(
    new AppError(outcome.code, outcome.httpStatus ?? 422, outcome.message ?? outcome.code, {
      ...(outcome.problems ? { errors: outcome.problems } : {}),
      ...(outcome.extra ? { extra: outcome.extra } : {}),
    }),
  );
}

const rowFailure = (code: string, params: Record<string, string | number>, message: string): Failure => ({
  outcome: { code, params },
  message,
});

const IDENTITY_LABELS: Record<IdentityType, string> = {
  personal: 'Personal ID',
  enterprise: 'Enterprise ID',
  federated: 'Federated ID',
};

/** The outcomes of granting and revoking admin roles: `bulk.granted_role` with the role and its scope's name. */
function adminRoleOutcomes(
  scope: BatchScope,
  change: { grant: AdminRoleGrant[]; revoke: AdminRoleGrant[] },
): Outcome[] {
  const params = (grant: AdminRoleGrant) => ({ role: grant.role, ...(grant.scope ? { scope: grant.scope.name } : {}) });
  return [
    ...change.grant.map((grant) => ({ code: verb(scope, 'grant_role'), params: params(grant) })),
    ...change.revoke.map((grant) => ({ code: verb(scope, 'revoke_role'), params: params(grant) })),
  ];
}

/** The failure of a row whose admin columns the actor may not apply (`adminRole.assign`). */
const adminRolesNotAllowed = (what: string, fix: string): Failure => {
  const message = `${ADMIN_ROLES_COLUMN}: you are not allowed to ${what}, so the row was not applied. ${fix}`;
  return { outcome: { code: 'bulk.not_allowed', params: { detail: message } }, message };
};

/** A user as a row names it, for messages. */
const nameOf = (record: UserRecord) => record.email ?? `${record.username ?? ''}@${record.domain ?? ''}`;

/**
 * Finds the users that rows name: by e-mail (and identity type, when given), or by username and
 * domain; checks the `ID` column when present.
 * @param options `lock`: lock the users now (in id order), so what the row is compared with
 *   (an edit's admin roles held) cannot change before the command writes
 * @returns per row, the user or the failure
 */
async function resolveUsers(
  trx: Transaction<DB>,
  organizationId: string,
  rows: WorkRow[],
  options: { lock?: boolean } = {},
): Promise<Map<number, UserRow | Failure>> {
  const records = rows.map((row) => row.record as UserRecord);
  const found = await findUsersByLogins(
    trx,
    organizationId,
    {
      emails: records.flatMap((record) => (record.email ? [record.email] : [])),
      usernames: records.flatMap((record) => (!record.email && record.username ? [record.username] : [])),
    },
    options,
  );
  const result = new Map<number, UserRow | Failure>();
  for (const row of rows) {
    const record = row.record as UserRecord;
    const candidates = found.filter((user) =>
      record.email
        ? user.email.toLowerCase() === record.email.toLowerCase()
        : user.username.toLowerCase() === (record.username ?? '').toLowerCase() &&
          emailDomain(user.email) === (record.domain ?? '').toLowerCase(),
    );
    const matching = record.identityType
      ? candidates.filter((user) => user.identity_type === record.identityType)
      : candidates;
    const user = matching.length === 1 ? matching[0] : undefined;
    if (!user) {
      result.set(
        row.rowNumber,
        matching.length > 1
          ? rowFailure(
              'bulk.row_failed',
              { detail: 'ambiguous' },
              `${nameOf(record)} is a user with more than one identity type: fill in the Identity Type column.`,
            )
          : rowFailure(
              'bulk.unknown_user',
              { email: nameOf(record) },
              `${nameOf(record)}${record.identityType ? ` (${IDENTITY_LABELS[record.identityType]})` : ''} is not a user of the organization: check the e-mail and identity type, or add the user first.`,
            ),
      );
    } else if (record.id && record.id.toLowerCase() !== user.id) {
      result.set(
        row.rowNumber,
        rowFailure(
          'bulk.id_mismatch',
          {},
          `The ID column (${record.id}) is not the ID of ${user.email} (${user.id}): the ID is internal and must not be changed. Use a current-users file, or clear the ID cell.`,
        ),
      );
    } else {
      result.set(row.rowNumber, user);
    }
  }
  return result;
}

/** A failure for a row that needs products with no seat left. */
async function exhaustedFailure(scope: BatchScope, productIds: string[]): Promise<Failure> {
  const names = await findProductNamesByIds(scope.trx, scope.operation.organizationId, productIds);
  const deficits = productIds.map((id) => ({
    productId: id,
    productName: names.get(id) ?? id,
    licenseQuantity: 0,
    required: 0,
    missing: 1,
  }));
  return {
    outcome: {
      code: 'bulk.licenses_insufficient',
      params: { product: deficits.map((deficit) => deficit.productName).join(', '), needed: 1 },
    },
    message: `Not assigned: no license of ${deficits.map((deficit) => deficit.productName).join(', ')} left. Add licenses to the product or free some, then upload the failed rows again.`,
    deficits,
  };
}

/** The code of an item refused because a product it needs has no seat left in this run. */
const EXHAUSTED = 'bulk.exhausted';

/**
 * The runner's hooks for products with no seat left: an item found to fail for licenses marks its
 * products exhausted for the rest of the run, and items needing an exhausted product are refused
 * at once instead of being tried again while the runner looks for the failing ones.
 * @param needs per item index, the products it would take a seat of
 */
function exhaustionHooks(scope: BatchScope, needs: (index: number) => string[]) {
  return {
    refuse: (index: number) => {
      const gone = needs(index).filter((id) => scope.exhausted.has(id));
      return gone.length > 0
        ? new AppError(EXHAUSTED, 422, 'No seat left.', { extra: { productIds: gone } })
        : undefined;
    },
    onFailed: (outcome: ItemOutcome<unknown>) => {
      for (const deficit of (outcome.extra?.deficits as LicenseDeficit[] | undefined) ?? []) {
        scope.exhausted.add(deficit.productId);
      }
    },
  };
}

/** The failure of a row whose item failed: a refusal for exhausted products, or the item's error. */
async function itemFailure(scope: BatchScope, outcome: ItemOutcome<unknown>): Promise<Failure> {
  return outcome.code === EXHAUSTED
    ? exhaustedFailure(scope, (outcome.extra?.productIds as string[] | undefined) ?? [])
    : failureOfOutcome(outcome, { byProblems: true });
}

/**
 * Add users: after the CSV checks (identity type, admin columns, products with no seat left), the
 * rows become items of `createUsersCommand` (set-based: one insert and one grant for the batch).
 */
const addUsers: Handler = {
  serial: false,
  async apply(scope, rows) {
    const { trx, actor, operation } = scope;
    const failed = new Map<number, Failure>();
    const records = rows.map((row) => row.record as UserRecord);
    // The batch's profile and group names, what the groups give and the e-mail domains, resolved
    // once: the checks below read them, and the command takes them instead of reading again.
    const resolution = await resolveForChange(trx, operation.organizationId, {
      profiles: records.flatMap((record) => record.profiles ?? []),
      groups: records.flatMap((record) => record.groups ?? []),
      domains: records.map((record) => emailDomain(record.email ?? '')),
    });
    const standings = resolution.domains;
    const key = (name: string) => name.trim().toLowerCase();
    const productsOfGroup = (name: string) => {
      const group = resolution.groups.get(key(name));
      return group ? (resolution.groupGives.get(group.id) ?? []).map((given) => given.product_id) : [];
    };
    const adminNames = await findAdminScopeNames(trx, operation.organizationId, records);
    const adminRoles = new Map<number, AdminRoleGrant[]>();
    const ready: WorkRow[] = [];
    const needs: string[][] = [];
    for (const row of rows) {
      const record = row.record as UserRecord;
      if (!record.email) {
        failed.set(
          row.rowNumber,
          rowFailure(
            'bulk.row_invalid',
            { detail: 'Email' },
            'Email is empty: every new user needs an e-mail address.',
          ),
        );
        continue;
      }
      const derived = standings.get(emailDomain(record.email))?.identityType ?? 'personal';
      if (record.identityType && record.identityType !== derived) {
        failed.set(
          row.rowNumber,
          rowFailure(
            'bulk.row_invalid',
            { detail: 'Identity Type' },
            `Identity Type says ${IDENTITY_LABELS[record.identityType]}, but users of ${emailDomain(record.email)} are ${IDENTITY_LABELS[derived]} users in this organization: leave the cell blank, or set up the domain's directory first.`,
          ),
        );
        continue;
      }
      const part = adminRolesPartOf(record, adminNames);
      // A new user holds no role: the users' rule completes the columns from nothing.
      const complete =
        part && !('problem' in part) ? completeAdminRoles([], resolvedPart(part.part, adminNames)) : null;
      const problem =
        part && 'problem' in part
          ? part.problem
          : complete && 'missingScope' in complete
            ? missingScopeProblem(complete.missingScope.role, complete.missingScope.kind, complete.missingScope.given)
            : null;
      if (problem) {
        failed.set(row.rowNumber, rowFailure('bulk.row_invalid', { detail: problem.column }, problem.message));
        continue;
      }
      const admin = complete && 'roles' in complete ? complete : null;
      if (admin && admin.roles.length > 0) {
        if (!can(actor, 'adminRole.assign')) {
          failed.set(
            row.rowNumber,
            adminRolesNotAllowed(
              'grant admin roles',
              `Clear the cells of ${ADMIN_COLUMNS_TEXT} in this row (or remove those columns), or ask a system admin to upload the file.`,
            ),
          );
          continue;
        }
        adminRoles.set(row.rowNumber, admin.roles);
      }
      const products = new Set([
        ...(record.profiles ?? []).flatMap((name) => resolution.profiles.get(key(name))?.productId ?? []),
        ...(record.groups ?? []).flatMap(productsOfGroup),
      ]);
      const gone = [...products].filter((id) => scope.exhausted.has(id));
      if (gone.length > 0) {
        failed.set(row.rowNumber, await exhaustedFailure(scope, gone));
        continue;
      }
      ready.push(row);
      needs.push([...products]);
    }
    const applied = new Map<number, Outcome[]>();
    const changes = new Map<number, RowChange>();
    const outcomes = await createUsersCommand(
      scope.ctx,
      actor,
      ready.map((row) => {
        const record = row.record as UserRecord;
        const grants = adminRoles.get(row.rowNumber) ?? [];
        return {
          email: record.email ?? '',
          firstName: record.firstName ?? undefined,
          lastName: record.lastName ?? undefined,
          country: record.country ?? undefined,
          profiles: record.profiles ?? [],
          groups: record.groups ?? [],
          ...(grants.length > 0
            ? { adminRoles: grants.map((grant) => ({ role: grant.role, scope: grant.scope?.name ?? null })) }
            : {}),
        };
      }),
      { field: 'rows', resolution, ...exhaustionHooks(scope, (index) => needs[index] ?? []) },
    );
    for (const outcome of outcomes) {
      const row = ready[outcome.index];
      if (!row) {
        continue;
      }
      if (outcome.status === 'failed') {
        failed.set(row.rowNumber, await itemFailure(scope, outcome));
        continue;
      }
      const record = row.record as UserRecord;
      applied.set(row.rowNumber, [
        { code: verb(scope, 'add_user'), params: { email: record.email ?? '' } },
        ...(record.profiles ?? []).map((profile) => ({ code: verb(scope, 'assign_profile'), params: { profile } })),
        ...(record.groups ?? []).map((group) => ({ code: verb(scope, 'add_member'), params: { group } })),
        ...adminRoleOutcomes(scope, { grant: adminRoles.get(row.rowNumber) ?? [], revoke: [] }),
      ]);
      changes.set(row.rowNumber, { before: outcome.before, after: outcome.after });
    }
    return { applied, failed, changes };
  },
};

/** The group of a group-member operation, with the products its profiles give. */
async function operationGroup(scope: BatchScope): Promise<{ id: string; name: string; products: string[] }> {
  const { trx, operation } = scope;
  const id = operation.groupId ?? '';
  const name = id ? (await groupNames(trx, operation.organizationId, [id])).get(id) : undefined;
  if (name === undefined) {
    throw new AppError('bulk.group_gone', 422, 'The user group of this operation no longer exists.');
  }
  return { id, name, products: (await productsByGroup(trx, operation.organizationId, [id])).get(id) ?? [] };
}

/**
 * Puts the rows' users into the operation's group, or takes them out: the rows become items of
 * `setMembershipsCommand` (set-based: one `addMembers` or `removeMembers` for the batch).
 */
async function changeMembers(scope: BatchScope, rows: WorkRow[], member: boolean): Promise<BatchResult> {
  const { trx, actor, operation } = scope;
  const group = await operationGroup(scope);
  const users = await resolveUsers(trx, operation.organizationId, rows);
  const failed = new Map<number, Failure>();
  const applied = new Map<number, Outcome[]>();
  const changes = new Map<number, RowChange>();
  // With no seat left for the group's products, only rows whose users already are members can go.
  const members = member
    ? await membersAmong(
        trx,
        operation.organizationId,
        group.id,
        [...users.values()].flatMap((user) => ('id' in user ? [user.id] : [])),
      )
    : new Set<string>();
  const items: MembershipItem[] = [];
  const itemRows: { row: WorkRow; email: string }[] = [];
  for (const row of rows) {
    const user = users.get(row.rowNumber);
    if (!user || !('id' in user)) {
      failed.set(row.rowNumber, user as Failure);
    } else if (member && user.status === 'removed') {
      failed.set(
        row.rowNumber,
        rowFailure(
          'bulk.row_failed',
          { detail: 'removed' },
          `${user.email} is removed from the organization: restore the user first.`,
        ),
      );
    } else {
      items.push({ group: { id: group.id }, userId: user.id, member });
      itemRows.push({ row, email: user.email });
    }
  }
  const needs = (index: number) => {
    const item = items[index];
    return item && member && !members.has(item.userId) ? group.products : [];
  };
  for (const outcome of await setMembershipsCommand(scope.ctx, actor, items, exhaustionHooks(scope, needs))) {
    const entry = itemRows[outcome.index];
    if (!entry) {
      continue;
    }
    if (outcome.status === 'failed') {
      failed.set(entry.row.rowNumber, await itemFailure(scope, outcome));
    } else if (outcome.status === 'unchanged') {
      applied.set(entry.row.rowNumber, [{ code: 'bulk.unchanged', params: { email: entry.email } }]);
    } else {
      applied.set(entry.row.rowNumber, [
        { code: verb(scope, member ? 'add_member' : 'remove_member'), params: { group: group.name } },
      ]);
      changes.set(entry.row.rowNumber, { before: outcome.before, after: outcome.after });
    }
  }
  return { applied, failed, changes };
}

/** Add users to a group: existing users only, set-based. */
const addGroupMembers: Handler = { serial: false, apply: (scope, rows) => changeMembers(scope, rows, true) };

/** Unassign users from a group, set-based. */
const removeGroupMembers: Handler = { serial: false, apply: (scope, rows) => changeMembers(scope, rows, false) };

/** Profiles or groups a change gave and took, as outcomes (`bulk.assigned_profile`, `bulk.added_member`…). */
export function namesMoved(scope: BatchScope, kind: 'profile' | 'group', before: string[], after: string[]): Outcome[] {
  const missingFrom = (names: string[], from: string[]) =>
    names.filter((name) => !from.some((other) => other.toLowerCase() === name.toLowerCase()));
  const [given, taken] = kind === 'profile' ? ['assign_profile', 'unassign_profile'] : ['add_member', 'remove_member'];
  return [
    ...missingFrom(after, before).map((name) => ({ code: verb(scope, given), params: { [kind]: name } })),
    ...missingFrom(before, after).map((name) => ({ code: verb(scope, taken), params: { [kind]: name } })),
  ];
}

/** What a row's change came to, worded from the user's state before and after (`bulk.updated_user`…). */
function userOutcomes(scope: BatchScope, before: UserState | null, after: UserState | null): Outcome[] {
  if (!before || !after) {
    return [];
  }
  return userChanges(scope, before, after);
}

/**
 * A user's changes between two states, worded: their names or country, the profiles and groups
 * given and taken, the admin roles granted and revoked. A bulk row's and an undo's outcomes.
 */
export function userChanges(scope: BatchScope, before: UserState, after: UserState): Outcome[] {
  const outcomes: Outcome[] = [];
  if (before.firstName !== after.firstName || before.lastName !== after.lastName || before.country !== after.country) {
    outcomes.push({ code: verb(scope, 'update_user'), params: { email: after.email } });
  }
  outcomes.push(
    ...namesMoved(scope, 'profile', before.profiles, after.profiles),
    ...namesMoved(scope, 'group', before.groups, after.groups),
  );
  const roles = (state: UserState) =>
    state.adminRoles.map((role, index) => ({
      key: `${role.role}|${state.adminRoleScopeIds[index] ?? ''}`,
      params: { role: role.role, ...(role.scope === null ? {} : { scope: role.scope }) },
    }));
  const held = roles(before);
  const holds = roles(after);
  outcomes.push(
    ...holds
      .filter((role) => !held.some((other) => other.key === role.key))
      .map((role) => ({ code: verb(scope, 'grant_role'), params: role.params })),
    ...held
      .filter((role) => !holds.some((other) => other.key === role.key))
      .map((role) => ({ code: verb(scope, 'revoke_role'), params: role.params })),
  );
  return outcomes;
}

/** Names a row gives that the resolver did not find, worded as the CSV has always said it. */
function unknownNames(
  kind: 'profile' | 'group',
  names: string[] | undefined,
  found: Map<string, unknown>,
): Failure | undefined {
  const missing = (names ?? []).filter((name) => !found.has(name.trim().toLowerCase()));
  if (missing.length === 0) {
    return undefined;
  }
  const problems = missing.map((name) =>
    kind === 'profile'
      ? `no product profile named "${name}": use a profile name (not a product name) that exists`
      : `no user group named "${name}": create it first or fix the name`,
  );
  const message = `${kind === 'profile' ? 'Unknown product profile' : 'Unknown user group'}: ${problems.join('; ')}.`;
  return { outcome: { code: 'bulk.row_failed', params: { detail: message } }, message };
}

/**
 * An edit-users row's failure caused by its admin columns, in the columns' words: a scoped role
 * left without a scope, or a change of roles the uploader may not make.
 * @returns undefined for any other failure
 */
function adminColumnsFailure(outcome: ItemOutcome<UserState>, row: WorkRow): Failure | undefined {
  const extra = outcome.extra ?? {};
  if (outcome.code === 'admin_roles.scope_required') {
    const record = row.record as UserRecord;
    const kind = extra.kind as ScopeKind;
    const columns: Record<ScopeKind, 'productsAdministered' | 'profilesAdministered' | 'groupsAdministered'> = {
      product: 'productsAdministered',
      profile: 'profilesAdministered',
      group: 'groupsAdministered',
    };
    const key = columns[kind];
    const problem = missingScopeProblem(extra.role as AdminRole, kind, record[key] !== undefined);
    return rowFailure('bulk.row_invalid', { detail: problem.column }, problem.message);
  }
  if (outcome.code === 'auth.forbidden' && extra.action === 'adminRole.assign') {
    const email = (row.record as UserRecord).email ?? '';
    return adminRolesNotAllowed(
      'grant or revoke admin roles',
      `The admin columns would change the admin roles of ${email}: remove the columns ${ADMIN_COLUMNS_TEXT} from the file (or make them match the user's current roles), or ask a system admin to upload it.`,
    );
  }
  return undefined;
}

/**
 * Edit users: a present column is the full new state, an absent one is untouched. The rows become
 * items of `setUsersCommand` (set-based: the batch's users are locked in id order and changed by a
 * statement per kind of change); names are resolved for the whole batch first, so a row naming
 * something unknown fails alone without making the others go one by one.
 */
const editUsers: Handler = {
  // One batch at a time: see processOperation.
  serial: true,
  async apply(scope, rows) {
    const { trx, actor, operation } = scope;
    const users = await resolveUsers(trx, operation.organizationId, rows, { lock: true });
    const failed = new Map<number, Failure>();
    const applied = new Map<number, Outcome[]>();
    const changes = new Map<number, RowChange>();
    const found = rows.flatMap((row) => {
      const user = users.get(row.rowNumber);
      if (!user || !('id' in user)) {
        failed.set(row.rowNumber, user as Failure);
        return [];
      }
      return [{ row, record: row.record as UserRecord, user }];
    });
    const profiles = await resolveNames(
      trx,
      operation.organizationId,
      'profile',
      found.map(({ record }) => ({ field: 'Product Profiles', names: record.profiles ?? [] })),
    );
    const groups = await resolveNames(
      trx,
      operation.organizationId,
      'group',
      found.map(({ record }) => ({ field: 'User Groups', names: record.groups ?? [] })),
    );
    const administered = found.filter(({ record }) => hasAdminColumns(record));
    const adminNames = await findAdminScopeNames(
      trx,
      operation.organizationId,
      administered.map(({ record }) => record),
    );
    const items: UserStateItem[] = [];
    const itemRows: WorkRow[] = [];
    for (const { row, record, user } of found) {
      const item: UserStateItem = { user: { id: user.id } };
      if (record.firstName !== undefined) {
        item.firstName = record.firstName;
      }
      if (record.lastName !== undefined) {
        item.lastName = record.lastName;
      }
      if (record.country !== undefined) {
        try {
          item.country = normalizeCountry(record.country, 'Country Code');
        } catch (error) {
          failed.set(row.rowNumber, failureOf(error));
          continue;
        }
      }
      const unknown =
        unknownNames('profile', record.profiles, profiles.found) ?? unknownNames('group', record.groups, groups.found);
      if (unknown) {
        failed.set(row.rowNumber, unknown);
        continue;
      }
      if (record.profiles !== undefined) {
        item.profiles = record.profiles;
      }
      if (record.groups !== undefined) {
        item.groups = record.groups;
      }
      // The columns as the command's part: a column left out keeps what the user holds, a rule of
      // the users command, which also refuses a change of roles the uploader may not make.
      const part = adminRolesPartOf(record, adminNames);
      if (part && 'problem' in part) {
        failed.set(
          row.rowNumber,
          rowFailure('bulk.row_invalid', { detail: part.problem.column }, part.problem.message),
        );
        continue;
      }
      if (part) {
        item.adminRolesInPart = part.part;
      }
      items.push(item);
      itemRows.push(row);
    }
    for (const outcome of await setUsersCommand(scope.ctx, actor, items)) {
      const row = itemRows[outcome.index];
      if (!row) {
        continue;
      }
      if (outcome.status === 'failed') {
        failed.set(row.rowNumber, adminColumnsFailure(outcome, row) ?? failureOfOutcome(outcome));
        continue;
      }
      const worded = userOutcomes(scope, outcome.before, outcome.after);
      applied.set(
        row.rowNumber,
        worded.length > 0 ? worded : [{ code: 'bulk.unchanged', params: { email: outcome.after?.email ?? '' } }],
      );
      if (worded.length > 0) {
        changes.set(row.rowNumber, { before: outcome.before, after: outcome.after });
      }
    }
    return { applied, failed, changes };
  },
};

/**
 * Remove users, with each row's content action: the rows become items of `removeUsersCommand`
 * (set-based: rows with the same content action are removed together, users locked in id order).
 */
const removeUsersHandler: Handler = {
  // One batch at a time: see processOperation.
  serial: true,
  async apply(scope, rows) {
    const users = await resolveUsers(scope.trx, scope.operation.organizationId, rows, { lock: true });
    const failed = new Map<number, Failure>();
    const applied = new Map<number, Outcome[]>();
    const changes = new Map<number, RowChange>();
    const items: RemoveUserItem[] = [];
    const itemRows: WorkRow[] = [];
    for (const row of rows) {
      const record = row.record as UserRecord;
      const user = users.get(row.rowNumber);
      if (!user || !('id' in user)) {
        failed.set(row.rowNumber, user as Failure);
        continue;
      }
      if (user.status === 'removed') {
        failed.set(
          row.rowNumber,
          rowFailure(
            'bulk.row_failed',
            { detail: 'removed' },
            `${user.email} is already removed from the organization.`,
          ),
        );
        continue;
      }
      items.push({
        user: { id: user.id },
        contentAction: record.contentAction ?? 'transfer-later',
        ...(record.transferTo ? { transferTo: record.transferTo } : {}),
      });
      itemRows.push(row);
    }
    for (const outcome of await removeUsersCommand(scope.ctx, scope.actor, items)) {
      const row = itemRows[outcome.index];
      if (!row) {
        continue;
      }
      if (outcome.status === 'failed') {
        failed.set(row.rowNumber, failureOfOutcome(outcome));
        continue;
      }
      applied.set(row.rowNumber, [
        { code: verb(scope, 'remove_user'), params: { email: String(outcome.params.email) } },
      ]);
      changes.set(row.rowNumber, { before: outcome.before, after: outcome.after });
    }
    return { applied, failed, changes };
  },
};

/** Users named in a `User Group Admins` cell, checked to be active users of the organization. */
async function resolveAdmins(scope: BatchScope, admins: GroupRecord['admins']): Promise<string[]> {
  if (!admins || admins.length === 0) {
    return [];
  }
  const rows = admins.map((admin, index) => ({
    rowNumber: index,
    record: {
      kind: 'user',
      identityType: admin.identityType,
      email: admin.email,
    } satisfies UserRecord as UserRecord,
  }));
  const users = await resolveUsers(scope.trx, scope.operation.organizationId, rows);
  const ids: string[] = [];
  for (const row of rows) {
    const user = users.get(row.rowNumber);
    const admin = row.record;
    if (!user || !('id' in user) || user.status === 'removed') {
      throw new AppError(
        'bulk.unknown_admin',
        422,
        `User Group Admins: ${admin.identityType ? IDENTITY_LABELS[admin.identityType] : ''}-${admin.email} is not an active user of the organization. Admins must already be users: add them first, or fix the identity type or e-mail.`,
      );
    }
    ids.push(user.id);
  }
  return [...new Set(ids)];
}

/**
 * The profiles rows name, through the engine's one name resolver (one query for the batch).
 * @returns per row, its profiles, or the failure naming the profiles not found
 */
async function resolveProfiles(
  scope: BatchScope,
  rows: WorkRow[],
): Promise<Map<number, { id: string; name: string }[] | Failure>> {
  const records = rows.map((row) => row.record as GroupRecord);
  const resolved = await resolveNames(
    scope.trx,
    scope.operation.organizationId,
    'profile',
    records.map((record) => ({ field: 'Assigned Product Profiles', names: record.profiles ?? [] })),
  );
  const result = new Map<number, { id: string; name: string }[] | Failure>();
  for (const [index, row] of rows.entries()) {
    const lower = [...new Set((records[index]?.profiles ?? []).map((name) => name.trim().toLowerCase()))];
    const missing = lower.filter((name) => !resolved.found.has(name));
    result.set(
      row.rowNumber,
      missing.length > 0
        ? failureOf(
            new AppError(
              'users.unknown_profile',
              422,
              `Assigned Product Profiles: no product profile named ${missing.map((name) => `"${name}"`).join(', ')}. Use profile names (not product names) that exist.`,
            ),
          )
        : lower.flatMap((name) => {
            const profile = resolved.found.get(name);
            return profile ? [{ id: profile.id, name: profile.name }] : [];
          }),
    );
  }
  return result;
}

/** A row's admins and profiles resolved, or why the row fails (admins are checked first). */
async function groupRowNames(
  scope: BatchScope,
  rows: WorkRow[],
): Promise<Map<number, { admins: string[] | undefined; profiles: { id: string; name: string }[] } | Failure>> {
  const profiles = await resolveProfiles(scope, rows);
  const result = new Map<
    number,
    { admins: string[] | undefined; profiles: { id: string; name: string }[] } | Failure
  >();
  for (const row of rows) {
    const record = row.record as GroupRecord;
    try {
      const admins = record.admins === undefined ? undefined : await resolveAdmins(scope, record.admins);
      const named = profiles.get(row.rowNumber) ?? [];
      result.set(row.rowNumber, Array.isArray(named) ? { admins, profiles: named } : named);
    } catch (error) {
      result.set(row.rowNumber, failureOf(error));
    }
  }
  return result;
}

/** Add user groups, with their admins and profiles: the rows become items of `createGroupsCommand`. */
const addGroups: Handler = {
  serial: true,
  async apply(scope, rows) {
    const applied = new Map<number, Outcome[]>();
    const failed = new Map<number, Failure>();
    const changes = new Map<number, RowChange>();
    const names = await groupRowNames(scope, rows);
    const ready: { row: WorkRow; profiles: { id: string; name: string }[] }[] = [];
    const items: Parameters<typeof createGroupsCommand>[2] = [];
    for (const row of rows) {
      const record = row.record as GroupRecord;
      const named = names.get(row.rowNumber);
      if (!named || !('profiles' in named)) {
        failed.set(row.rowNumber, named as Failure);
        continue;
      }
      items.push({
        name: record.name,
        ...(record.description ? { description: record.description } : {}),
        profiles: named.profiles.map((profile) => profile.name),
        admins: named.admins ?? [],
      });
      ready.push({ row, profiles: named.profiles });
    }
    for (const outcome of await createGroupsCommand(scope.ctx, scope.actor, items)) {
      const entry = ready[outcome.index];
      if (!entry) {
        continue;
      }
      if (outcome.status === 'failed') {
        failed.set(entry.row.rowNumber, failureOfOutcome(outcome));
        continue;
      }
      applied.set(entry.row.rowNumber, [
        { code: verb(scope, 'add_group'), params: { group: (entry.row.record as GroupRecord).name } },
        ...entry.profiles.map((profile) => ({
          code: verb(scope, 'assign_profile'),
          params: { profile: profile.name },
        })),
      ]);
      changes.set(entry.row.rowNumber, { before: outcome.before, after: outcome.after });
    }
    return { applied, failed, changes };
  },
};

/** What an edited group's row came to, from its state before and after. */
function groupOutcomes(scope: BatchScope, before: GroupState, after: GroupState): Outcome[] {
  const outcomes: Outcome[] = [];
  if (before.description !== after.description) {
    outcomes.push({ code: verb(scope, 'update_group'), params: { group: after.name } });
  }
  if (JSON.stringify(before.admins) !== JSON.stringify(after.admins)) {
    outcomes.push({ code: verb(scope, 'update_group'), params: { group: after.name } });
  }
  outcomes.push(...namesMoved(scope, 'profile', before.profiles, after.profiles));
  return outcomes;
}

/**
 * Edit user groups: the name is the key; description, admins and profiles become the row's. The
 * rows become items of `updateGroupsCommand`.
 */
const editGroups: Handler = {
  serial: true,
  async apply(scope, rows) {
    const applied = new Map<number, Outcome[]>();
    const failed = new Map<number, Failure>();
    const changes = new Map<number, RowChange>();
    const records = rows.map((row) => row.record as GroupRecord);
    const groups = await resolveNames(
      scope.trx,
      scope.operation.organizationId,
      'group',
      records.map((record) => ({ field: 'User Group Name', names: [record.name] })),
    );
    const names = await groupRowNames(scope, rows);
    const items: GroupStateItem[] = [];
    const itemRows: WorkRow[] = [];
    for (const [index, row] of rows.entries()) {
      const record = row.record as GroupRecord;
      const group = groups.problems.has(index) ? undefined : groups.found.get(record.name.trim().toLowerCase());
      if (!group) {
        failed.set(
          row.rowNumber,
          rowFailure(
            'bulk.unknown_group',
            { group: record.name },
            `No user group named "${record.name}": the group name is the key and cannot be changed by CSV. Create the group with "Add user groups" first.`,
          ),
        );
        continue;
      }
      const named = names.get(row.rowNumber);
      if (!named || !('profiles' in named)) {
        failed.set(row.rowNumber, named as Failure);
        continue;
      }
      items.push({
        group: { id: group.id },
        ...(record.description === undefined ? {} : { description: record.description ?? null }),
        ...(named.admins === undefined ? {} : { admins: named.admins }),
        ...(record.profiles === undefined ? {} : { profiles: named.profiles.map((profile) => profile.name) }),
      });
      itemRows.push(row);
    }
    for (const outcome of await updateGroupsCommand(scope.ctx, scope.actor, items)) {
      const row = itemRows[outcome.index];
      if (!row) {
        continue;
      }
      if (outcome.status === 'failed' || !outcome.before || !outcome.after) {
        failed.set(row.rowNumber, failureOfOutcome(outcome));
        continue;
      }
      const worded = groupOutcomes(scope, outcome.before, outcome.after);
      applied.set(
        row.rowNumber,
        worded.length > 0 ? worded : [{ code: 'bulk.unchanged', params: { group: outcome.after.name } }],
      );
      if (worded.length > 0) {
        changes.set(row.rowNumber, { before: outcome.before, after: outcome.after });
      }
    }
    return { applied, failed, changes };
  },
};

/** The handler of each operation type. */
export const HANDLERS: Record<BulkType, Handler> = {
  'add-users': addUsers,
  'edit-users': editUsers,
  'remove-users': removeUsersHandler,
  'add-groups': addGroups,
  'edit-groups': editGroups,
  'add-group-members': addGroupMembers,
  'remove-group-members': removeGroupMembers,
};

/** Why a user an undo would delete is kept (removed) instead: what refers to them. */
const USER_REFERENCE_TEXTS: Record<string, string> = {
  devices: 'a device of theirs is connected',
  content: 'they have stored content',
  'sign-in': 'they can sign in (a password or a second factor)',
  activity: 'they have acted in the organization (audit log, bulk operations or API tokens)',
};

/** English text of an outcome, for the results CSV and the API's `message`. */
export function describeOutcome(outcome: Outcome): string {
  const p = outcome.params ?? {};
  const role = `${ADMIN_ROLE_LABELS[p.role as keyof typeof ADMIN_ROLE_LABELS] ?? p.role}${p.scope === undefined ? '' : ` (${p.scope})`}`;
  const texts: Record<string, string> = {
    'bulk.would_add_user': `would add ${p.email}`,
    'bulk.added_user': `added ${p.email}`,
    'bulk.would_update_user': `would update ${p.email}`,
    'bulk.updated_user': `updated ${p.email}`,
    'bulk.would_remove_user': `would remove ${p.email}`,
    'bulk.removed_user': `removed ${p.email}`,
    'bulk.would_delete_user': `would delete ${p.email} for good`,
    'bulk.deleted_user': `deleted ${p.email} for good`,
    'bulk.would_keep_user': `would keep ${p.email} as removed, not deleted: ${USER_REFERENCE_TEXTS[p.reason as string] ?? p.reason}`,
    'bulk.kept_user': `kept ${p.email} as removed, not deleted: ${USER_REFERENCE_TEXTS[p.reason as string] ?? p.reason}`,
    'bulk.would_restore_user': `would restore ${p.email}`,
    'bulk.restored_user': `restored ${p.email}`,
    'bulk.would_delete_group': `would delete group ${p.group}`,
    'bulk.deleted_group': `deleted group ${p.group}`,
    'bulk.would_add_group': `would add group ${p.group}`,
    'bulk.added_group': `added group ${p.group}`,
    'bulk.would_update_group': `would update group ${p.group}`,
    'bulk.updated_group': `updated group ${p.group}`,
    'bulk.would_add_member': `would add to ${p.group}`,
    'bulk.added_member': `added to ${p.group}`,
    'bulk.would_remove_member': `would remove from ${p.group}`,
    'bulk.removed_member': `removed from ${p.group}`,
    'bulk.would_assign_profile': `would assign ${p.profile}`,
    'bulk.assigned_profile': `assigned ${p.profile}`,
    'bulk.would_unassign_profile': `would unassign ${p.profile}`,
    'bulk.unassigned_profile': `unassigned ${p.profile}`,
    'bulk.would_grant_role': `would grant ${role}`,
    'bulk.granted_role': `granted ${role}`,
    'bulk.would_revoke_role': `would revoke ${role}`,
    'bulk.revoked_role': `revoked ${role}`,
    'bulk.unchanged': 'no change needed',
  };
  return texts[outcome.code] ?? String(p.detail ?? outcome.code);
}
