import { z } from 'zod';
import type { IdentityType } from '../../shared/contracts.ts';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import { type Named, resolveNames } from '../changes/names.ts';
import { type Resolution, resolveForChange } from '../changes/resolution.ts';
import { type Applied, type ItemOutcome, type RunScope, runItems } from '../changes/runner.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { constraintError } from '../db/constraint-errors.ts';
import { emailDomain, resolveDomainStandings } from '../domains/identity.ts';
import {
  createGroupsCommand,
  deleteGroupsCommand,
  type GroupStateItem,
  snapshotGroup,
  updateGroupsCommand,
} from '../groups/groups.commands.ts';
import type { Actor } from '../roles/policy.ts';
import { findUsersByLogin } from '../users/users.access.ts';
import {
  createUsersCommand,
  deleteUsersCommand,
  type NewUserItem,
  removeUsersCommand,
  restoreUsersCommand,
  setUsersCommand,
  snapshotUsers,
  type UserStateItem,
} from '../users/users.commands.ts';
import { UmapiError, UmapiStepErrorCodes } from './umapi.errors.ts';

/**
 * Action batches of Adobe's User Management API (`POST /v2/usermanagement/action/{org}`),
 * translated into the change engine's commands. What the clients send, from their source:
 * - umapi-client `connection.py` Connection._execute_batch posts a JSON array of at most 10
 *   actions (`throttle_actions`), each `Action.wire_dict()` = the frame plus `do`, a list of at
 *   most 10 one-key commands (`throttle_commands`), group lists of at most 10 names
 *   (`throttle_groups`); `?testOnly=true` in test mode.
 * - `functional.py` UserAction: frame `user` (+ `domain` for a username, `useAdobeID`,
 *   `requestID`); commands `createEnterpriseID` / `createFederatedID` / `addAdobeID`
 *   (`email`, `firstname`, `lastname`, `country`, `option`), `update`, `add {"group":[…]}`,
 *   `remove {"group":[…]} | "all"`, `removeFromOrg {"deleteAccount"}`.
 * - `functional.py` GroupAction: frame `usergroup`; `createUserGroup {option, description}`,
 *   `updateUserGroup {name, description}`, `deleteUserGroup {}`, `add|remove
 *   {"productConfiguration":[…]} | {"user":[…]}`.
 * - user-sync `connector_umapi.py` ActionManager.create_action builds the same UserActions with
 *   `requestID` `action_<n>`; `create_group` sends `createUserGroup` on its own before the users.
 * The answer (read by `_execute_batch` and `api.py` Action.report_command_error) is
 * `{"result","completed","notCompleted","completedInTestMode","errors":[{"index","step",
 * "requestID","errorCode","message"}]}`; `index` and `step` are 0-based and must be present.
 *
 * A batch is one run of the change engine's runner (`changes/runner.ts`) and an action is one of
 * its items: all of its steps or none (a failing step rolls the action back; the remaining steps
 * are skipped and the failing step is reported). Actions apply in array order. `testOnly` is the
 * runner's dry run: everything runs exactly the same way and is rolled back. Each step is one
 * item of a users or groups command (`users.commands.ts`, `groups.commands.ts`), run atomically
 * inside the action, so authorization (the integration's role), audit and source tracking (the
 * integration as actor: `managedBy` shows it), licenses and welcome e-mails are those of every
 * other path. Names go through the one resolver (`changes/names.ts`), case-insensitively.
 */

/** Most actions per call, commands per action and names per list (Adobe's limits, as the clients throttle). */
export const UMAPI_MAX_ACTIONS = 10;
export const UMAPI_MAX_COMMANDS = 10;
export const UMAPI_MAX_NAMES = 10;

/** The answer to an action batch. */
export interface ActionBatchResult {
  result: 'success' | 'partial' | 'error';
  completed: number;
  notCompleted: number;
  completedInTestMode: number;
  /** Present only when something failed (umapi-client reads a missing `errors` as "all completed"). */
  errors?: { index: number; step: number; requestID?: string; errorCode: string; message: string }[];
}

/**
 * A failure of one command with a UMAPI error code (an AppError, so the runner reports it as the
 * action's failure; the code is carried in `extra.umapiErrorCode`).
 */
class StepFailure extends AppError {
  constructor(errorCode: string, message: string) {
    super('umapi.step_failed', 422, message, { extra: { umapiErrorCode: errorCode } });
  }
}

const Names = z.array(z.string().trim().min(1).max(255)).min(1).max(UMAPI_MAX_NAMES);
const Frame = z.looseObject({
  user: z.string().trim().min(1).max(255).optional(),
  domain: z.string().trim().min(1).max(255).optional(),
  useAdobeID: z.boolean().optional(),
  usergroup: z.string().trim().min(1).max(255).optional(),
  requestID: z.string().max(255).optional(),
  do: z.array(z.record(z.string(), z.unknown())).max(UMAPI_MAX_COMMANDS),
});
type Frame = z.infer<typeof Frame>;

const CreateUser = z.looseObject({
  email: z.string().trim().min(3).max(255).optional(),
  firstname: z.string().max(255).optional(),
  lastname: z.string().max(255).optional(),
  country: z.string().max(10).optional(),
  option: z.enum(['ignoreIfAlreadyExists', 'updateIfAlreadyExists']).optional(),
});
const UpdateUser = z.looseObject({
  email: z.string().trim().min(3).max(255).optional(),
  username: z.string().trim().min(1).max(255).optional(),
  firstname: z.string().max(255).optional(),
  lastname: z.string().max(255).optional(),
  country: z.string().max(10).optional(),
});
/** `add`/`remove` on a user: `group` (today's clients), or `product`/`usergroup` (older ones). */
const UserGroups = z.union([
  z.literal('all'),
  z.strictObject({ group: Names.optional(), product: Names.optional(), usergroup: Names.optional() }),
]);
const RemoveFromOrg = z.looseObject({ deleteAccount: z.boolean().optional() });
const CreateUserGroup = z.looseObject({
  option: z.enum(['ignoreIfAlreadyExists', 'updateIfAlreadyExists']).optional(),
  description: z.string().max(255).optional(),
});
const UpdateUserGroup = z.looseObject({
  name: z.string().trim().min(1).max(255).optional(),
  description: z.string().max(255).optional(),
});
const GroupMembers = z.strictObject({ productConfiguration: Names.optional(), user: Names.optional() });

const CREATE_COMMANDS: Record<string, IdentityType> = {
  createEnterpriseID: 'enterprise',
  createFederatedID: 'federated',
  addAdobeID: 'personal',
};
const TYPE_LABELS: Record<IdentityType, string> = {
  personal: 'Personal ID (Adobe ID)',
  enterprise: 'Enterprise ID',
  federated: 'Federated ID',
};
const A_TYPE: Record<IdentityType, string> = {
  personal: 'a Personal ID (Adobe ID)',
  enterprise: 'an Enterprise ID',
  federated: 'a Federated ID',
};

function parse<T>(schema: z.ZodType<T>, value: unknown, command: string): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${command}.${issue.path.join('.')}` : command;
    throw new StepFailure(UmapiStepErrorCodes.malformed, `${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return parsed.data;
}

/** The user an action is about, as far as its steps need it (a user row or a command's state). */
interface FrameUser {
  id: string;
  email: string;
  username: string;
  status: 'active' | 'removed' | string;
}

/** The state one action carries from command to command: the user it is about. */
interface UserScope {
  ctx: AppContext;
  actor: Actor;
  frame: Frame;
  user: FrameUser | undefined;
}

/** Each step is one item of a command, all or nothing: its failure is thrown as the AppError it is. */
const ATOMIC = { atomic: true } as const;

/** The outcome of a command run on one item. */
async function only<S>(run: Promise<ItemOutcome<S>[]>): Promise<ItemOutcome<S>> {
  const [outcome] = await run;
  if (!outcome) {
    throw new Error('a command answered no outcome');
  }
  return outcome;
}

/** Finds the user of a frame: Enterprise/Federated first, the Personal ID with `useAdobeID`. */
async function findFrameUser(scope: UserScope, login?: string): Promise<FrameUser | undefined> {
  const { frame } = scope;
  const found = await findUsersByLogin(scope.ctx, scope.actor, login ?? frame.user ?? '', frame.domain);
  if (frame.useAdobeID) {
    return found.find((user) => user.identity_type === 'personal');
  }
  return found[0];
}

async function requireFrameUser(scope: UserScope): Promise<FrameUser> {
  scope.user ??= await findFrameUser(scope);
  if (!scope.user) {
    throw new StepFailure(UmapiStepErrorCodes.userNotFound, `No user ${scope.frame.user} in this organization.`);
  }
  return scope.user;
}

const keyOf = (name: string) => name.trim().toLowerCase();

/**
 * Profiles and user groups named by `add`/`remove` (the one resolver, case-insensitive: Adobe's
 * sync tool lower-cases names), refusing unknown, admin and ambiguous names.
 * @returns the profiles and the groups, by their names in Usher
 */
async function resolveAccess(
  ctx: AppContext,
  actor: Actor,
  names: string[],
  resolution?: Resolution,
): Promise<{ profiles: string[]; groups: string[] }> {
  const admin = names.find((name) => name.trim().startsWith('_'));
  if (admin) {
    throw new StepFailure(
      UmapiStepErrorCodes.adminGroup,
      `"${admin}" is an admin group: admin roles are granted in Usher's console or REST API, not through this API.`,
    );
  }
  // A name may be either: both are looked up, in one statement.
  const found =
    resolution ?? (await resolveForChange(ctx.db, actor.organizationId, { profiles: names, groups: names }));
  const resolved: { profiles: string[]; groups: string[] } = { profiles: [], groups: [] };
  for (const name of names) {
    const profile = found.profiles.get(keyOf(name));
    const group = found.groups.get(keyOf(name));
    if (profile && group) {
      throw new StepFailure(
        UmapiStepErrorCodes.groupAmbiguous,
        `"${name}" names both the product profile "${profile.name}" and the user group "${group.name}": rename one of them in Usher.`,
      );
    }
    if (profile) {
      resolved.profiles.push(profile.name);
    } else if (group) {
      resolved.groups.push(group.name);
    } else {
      throw new StepFailure(UmapiStepErrorCodes.groupNotFound, `No product profile or user group named "${name}".`);
    }
  }
  return resolved;
}

/** One profile or user group by name (the one resolver, case-insensitive), or undefined. */
async function findNamed(
  ctx: AppContext,
  actor: Actor,
  kind: 'profile' | 'group',
  name: string,
): Promise<Named | undefined> {
  const resolved = await resolveNames(ctx.db, actor.organizationId, kind, [{ field: kind, names: [name] }]);
  return resolved.found.get(keyOf(name));
}

function namesOf(input: z.infer<typeof UserGroups>): string[] {
  return input === 'all' ? [] : [...(input.group ?? []), ...(input.product ?? []), ...(input.usergroup ?? [])];
}

const lower = (names: string[]) => new Set(names.map((name) => name.toLowerCase()));

/** The details of a create command, as a user item's fields (country `UD`, "undefined", is left out). */
function detailsOf(input: z.infer<typeof CreateUser> | z.infer<typeof UpdateUser>, onlyFilled = false) {
  const given = (value: string | undefined) => (onlyFilled ? Boolean(value) : value !== undefined);
  return {
    ...(given(input.firstname) ? { firstName: input.firstname } : {}),
    ...(given(input.lastname) ? { lastName: input.lastname } : {}),
    ...(given(input.country) && input.country?.toUpperCase() !== 'UD' ? { country: input.country } : {}),
  };
}

/**
 * Checks that an e-mail's domain gives the identity type a create command asks for.
 * @throws StepFailure `error.user.identity_type` saying which command fits
 */
function checkIdentityType(command: string, email: string, wanted: IdentityType, type: IdentityType): void {
  if (type === wanted) {
    return;
  }
  const domain = emailDomain(email);
  const reason =
    wanted === 'personal'
      ? `${domain} is claimed by ${A_TYPE[type].replace(/ ID$/, '')} directory of this organization, so its users are ${TYPE_LABELS[type]}s: use ${type === 'enterprise' ? 'createEnterpriseID' : 'createFederatedID'}`
      : `${domain} is not claimed by ${A_TYPE[wanted]} directory of this organization (Usher would add ${A_TYPE[type]}): claim the domain under Settings → Domains${type === 'personal' ? ' or use addAdobeID' : ''}`;
  throw new StepFailure(UmapiStepErrorCodes.identityType, `${command} ${email}: ${reason}.`);
}

/**
 * The sign-in name a create command gives a new user: the frame's `user` when it is not the
 * e-mail. umapi-client `functional.py` UserAction takes "username for create operations": a
 * Federated ID whose username differs from its e-mail is `{"user": "<username>", "domain":
 * "<domain>"}` (or an e-mail-like username without domain) with the e-mail in the command, as
 * user-sync `engine/umapi.py` create_umapi_commands_for_directory_user builds it from the
 * directory's username. A Personal ID signs in with its e-mail.
 * @returns the username, or undefined when it is the e-mail
 */
function usernameOf(frame: Frame, email: string, type: IdentityType): string | undefined {
  const user = frame.user?.trim();
  if (type === 'personal' || !user || user.toLowerCase() === email.toLowerCase()) {
    return undefined;
  }
  return user;
}

/**
 * Whether a create command's existing user is taken over by the integration: one added by hand
 * (the console, the REST API or a CSV file) becomes managed by it, as a directory sync takes over
 * the users it finds (`setUsersCommand` with `manage`); one managed by a synchronizing source
 * (SCIM, directory sync) or another integration stays theirs.
 */
function takesOver(user: { source_type: string }): boolean {
  return user.source_type === 'console' || user.source_type === 'bulk';
}

async function createUserStep(scope: UserScope, command: string, value: unknown): Promise<void> {
  const { ctx, actor } = scope;
  const input = parse(CreateUser, value, command);
  const wanted = CREATE_COMMANDS[command] as IdentityType;
  const email = (input.email ?? scope.frame.user ?? '').trim();
  if (!email.includes('@')) {
    throw new StepFailure(UmapiStepErrorCodes.malformed, `${command}.email: give the user's e-mail address.`);
  }
  const domain = emailDomain(email);
  const standing = (await resolveDomainStandings(ctx.db, actor.organizationId, [domain])).get(domain);
  const type = standing?.identityType ?? 'personal';
  checkIdentityType(command, email, wanted, type);
  const username = usernameOf(scope.frame, email, type);
  const existing = (await findUsersByLogin(ctx, actor, email)).find(
    (user) => user.identity_type === type && user.email.toLowerCase() === email.toLowerCase(),
  );
  const details = detailsOf(input);
  if (!existing) {
    const created = await only(
      createUsersCommand(ctx, actor, [{ email, ...(username ? { username } : {}), ...details }], ATOMIC),
    );
    scope.user = created.after ?? undefined;
    return;
  }
  if (!input.option) {
    throw new StepFailure(
      UmapiStepErrorCodes.userExists,
      `${email} (${TYPE_LABELS[type]}) already exists: send option ignoreIfAlreadyExists or updateIfAlreadyExists.`,
    );
  }
  scope.user = existing;
  if (existing.status === 'removed') {
    // Adding a removed user again brings them back (Usher's "restore"), as a new user would be.
    const restored = await only(restoreUsersCommand(ctx, actor, [{ user: { id: existing.id } }], ATOMIC));
    scope.user = restored.after ?? scope.user;
  }
  const item: UserStateItem = {
    user: { id: existing.id },
    ...(input.option === 'updateIfAlreadyExists' ? details : {}),
    ...(input.option === 'updateIfAlreadyExists' && username && username !== existing.username ? { username } : {}),
    ...(takesOver(existing) ? { manage: true } : {}),
  };
  if (Object.keys(item).length > 1) {
    const updated = await only(setUsersCommand(ctx, actor, [item], ATOMIC));
    scope.user = updated.after ?? scope.user;
  }
}

async function updateUserStep(scope: UserScope, value: unknown): Promise<void> {
  const input = parse(UpdateUser, value, 'update');
  const user = await requireFrameUser(scope);
  // user-sync `engine/umapi.py` update_umapi_user sends the directory's username when it changed.
  let username: string | undefined;
  if (input.username !== undefined && input.username !== user.username) {
    const row = (await findUsersByLogin(scope.ctx, scope.actor, user.email)).find((found) => found.id === user.id);
    if (row?.identity_type === 'personal') {
      if (input.username.toLowerCase() !== (input.email ?? user.email).toLowerCase()) {
        throw new StepFailure(
          UmapiStepErrorCodes.usernameChange,
          `update.username: ${user.email} is a Personal ID (Adobe ID), which signs in with its e-mail: its username cannot be set apart from it.`,
        );
      }
    } else {
      username = input.username;
    }
  }
  const item: UserStateItem = {
    user: { id: user.id },
    ...detailsOf(input),
    ...(username !== undefined ? { username } : {}),
    ...(input.email !== undefined && input.email.toLowerCase() !== user.email.toLowerCase()
      ? { email: input.email }
      : {}),
  };
  if (Object.keys(item).length > 1) {
    const updated = await only(setUsersCommand(scope.ctx, scope.actor, [item], ATOMIC));
    scope.user = updated.after ?? user;
  }
}

async function userGroupsStep(scope: UserScope, command: 'add' | 'remove', value: unknown): Promise<void> {
  const input = parse(UserGroups, value, command);
  const user = await requireFrameUser(scope);
  const state = (await snapshotUsers(scope.ctx.db, scope.actor.organizationId, [user.id])).get(user.id);
  const current = { profiles: state?.profiles ?? [], groups: state?.groups ?? [] };
  let profiles: string[];
  let groups: string[];
  if (input === 'all') {
    if (command === 'add') {
      throw new StepFailure(UmapiStepErrorCodes.malformed, 'add: "all" is only for remove; list the groups to add.');
    }
    profiles = [];
    groups = [];
  } else {
    const names = await resolveAccess(scope.ctx, scope.actor, namesOf(input));
    if (command === 'add') {
      profiles = [
        ...current.profiles,
        ...names.profiles.filter((name) => !lower(current.profiles).has(name.toLowerCase())),
      ];
      groups = [...current.groups, ...names.groups.filter((name) => !lower(current.groups).has(name.toLowerCase()))];
    } else {
      const dropProfiles = lower(names.profiles);
      const dropGroups = lower(names.groups);
      profiles = current.profiles.filter((name) => !dropProfiles.has(name.toLowerCase()));
      groups = current.groups.filter((name) => !dropGroups.has(name.toLowerCase()));
    }
  }
  const item: UserStateItem = {
    user: { id: user.id },
    ...(profiles.length !== current.profiles.length ? { profiles } : {}),
    ...(groups.length !== current.groups.length ? { groups } : {}),
  };
  if (Object.keys(item).length > 1) {
    await only(setUsersCommand(scope.ctx, scope.actor, [item], ATOMIC));
  }
}

async function removeFromOrgStep(scope: UserScope, value: unknown): Promise<void> {
  const input = parse(RemoveFromOrg, value, 'removeFromOrg');
  const user = await requireFrameUser(scope);
  const ref = { id: user.id };
  if (user.status !== 'removed') {
    // Content is kept for a later transfer, as the CSV remove does by default (SPEC §2).
    await only(removeUsersCommand(scope.ctx, scope.actor, [{ user: ref, contentAction: 'transfer-later' }], ATOMIC));
  }
  if (input.deleteAccount) {
    await only(deleteUsersCommand(scope.ctx, scope.actor, [{ user: ref }], ATOMIC));
  }
  scope.user = undefined;
}

async function runUserCommand(scope: UserScope, command: string, value: unknown): Promise<void> {
  if (command in CREATE_COMMANDS) {
    return createUserStep(scope, command, value);
  }
  switch (command) {
    case 'update':
      return updateUserStep(scope, value);
    case 'add':
    case 'remove':
      return userGroupsStep(scope, command, value);
    case 'removeFromOrg':
      return removeFromOrgStep(scope, value);
    default:
      throw new StepFailure(UmapiStepErrorCodes.unknownCommand, `Unknown command "${command}" for a user.`);
  }
}

/** The state of one usergroup action: its name and, once known, the group. */
interface GroupScope {
  ctx: AppContext;
  actor: Actor;
  name: string;
  groupId: string | undefined;
}

async function requireGroup(scope: GroupScope): Promise<string> {
  scope.groupId ??= (await findNamed(scope.ctx, scope.actor, 'group', scope.name))?.id;
  if (!scope.groupId) {
    throw new StepFailure(UmapiStepErrorCodes.groupNotFound, `No user group named "${scope.name}".`);
  }
  return scope.groupId;
}

async function findMemberIds(scope: GroupScope, logins: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const login of logins) {
    const found = (await findUsersByLogin(scope.ctx, scope.actor, login)).filter((user) => user.status !== 'removed');
    const user = found[0];
    if (!user) {
      throw new StepFailure(UmapiStepErrorCodes.userNotFound, `No user ${login} in this organization.`);
    }
    ids.push(user.id);
  }
  return ids;
}

/** Applies one update of a group (atomically, as a step). */
async function updateGroupStep(scope: GroupScope, item: GroupStateItem): Promise<void> {
  await only(updateGroupsCommand(scope.ctx, scope.actor, [item], ATOMIC));
}

/** `add`/`remove` on a usergroup frame: the group's product profiles and members. */
async function groupAccessStep(scope: GroupScope, command: 'add' | 'remove', value: unknown): Promise<void> {
  const input = parse(GroupMembers, value, command);
  if (!input.productConfiguration && !input.user) {
    throw new StepFailure(UmapiStepErrorCodes.malformed, `${command}: give productConfiguration or user names.`);
  }
  const groupId = await requireGroup(scope);
  const item: GroupStateItem = { group: { id: groupId } };
  if (input.productConfiguration) {
    const names = input.productConfiguration;
    const resolved = await resolveNames(scope.ctx.db, scope.actor.organizationId, 'profile', [
      { field: 'productConfiguration', names },
    ]);
    const profiles = names.map((name) => {
      const profile = resolved.found.get(keyOf(name));
      if (!profile) {
        throw new StepFailure(UmapiStepErrorCodes.groupNotFound, `No product profile named "${name}".`);
      }
      return profile;
    });
    if (command === 'add') {
      item.profilesChange = { assign: profiles.map((profile) => profile.id) };
    } else {
      const current = (await snapshotGroup(scope.ctx.db, scope.actor.organizationId, groupId))?.profiles ?? [];
      const dropped = lower(profiles.map((profile) => profile.name));
      const kept = current.filter((name) => !dropped.has(name.toLowerCase()));
      if (kept.length !== current.length) {
        item.profiles = kept;
      }
    }
  }
  if (input.user) {
    const ids = await findMemberIds(scope, input.user);
    item.members = command === 'add' ? { add: ids } : { remove: ids };
  }
  if (Object.keys(item).length > 1) {
    await updateGroupStep(scope, item);
  }
}

async function runGroupCommand(scope: GroupScope, command: string, value: unknown): Promise<void> {
  const { ctx, actor } = scope;
  switch (command) {
    case 'createUserGroup': {
      const input = parse(CreateUserGroup, value, command);
      const profile = await findNamed(ctx, actor, 'profile', scope.name);
      if (profile) {
        throw new StepFailure(
          UmapiStepErrorCodes.groupAmbiguous,
          `"${scope.name}" is the name of the product profile "${profile.name}": choose another user group name.`,
        );
      }
      const existing = await findNamed(ctx, actor, 'group', scope.name);
      if (!existing) {
        const created = await only(
          createGroupsCommand(ctx, actor, [{ name: scope.name, description: input.description }], ATOMIC),
        );
        scope.groupId = created.after?.id;
        return;
      }
      if (!input.option) {
        throw new StepFailure(
          UmapiStepErrorCodes.groupExists,
          `The user group "${existing.name}" already exists: send option ignoreIfAlreadyExists or updateIfAlreadyExists.`,
        );
      }
      scope.groupId = existing.id;
      if (input.option === 'updateIfAlreadyExists' && input.description !== undefined) {
        await updateGroupStep(scope, { group: { id: existing.id }, description: input.description });
      }
      return;
    }
    case 'updateUserGroup': {
      const input = parse(UpdateUserGroup, value, command);
      const groupId = await requireGroup(scope);
      await updateGroupStep(scope, {
        group: { id: groupId },
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      });
      if (input.name !== undefined) {
        scope.name = input.name;
      }
      return;
    }
    case 'deleteUserGroup': {
      const groupId = await requireGroup(scope);
      await only(deleteGroupsCommand(ctx, actor, [{ group: { id: groupId } }], ATOMIC));
      scope.groupId = undefined;
      return;
    }
    case 'add':
    case 'remove':
      return groupAccessStep(scope, command, value);
    default:
      throw new StepFailure(UmapiStepErrorCodes.unknownCommand, `Unknown command "${command}" for a user group.`);
  }
}

/** A new user and the groups it joins: the whole of a first sync's common action. */
interface PlainCreate {
  email: string;
  /** The frame's `user` (a username for a Federated or Enterprise ID that is not the e-mail). */
  user: string | undefined;
  command: string;
  type: IdentityType;
  details: ReturnType<typeof detailsOf>;
  names: string[];
  /** Set once the identity type is known (`usernameOf`). */
  username?: string | undefined;
}

/**
 * Reads an action of the first sync's common shape, "create a new user and add it to groups"
 * (a create command, then only `add {"group":[…]}`; an existing user fails the set-based try, so
 * its `option` is applied by the action run step by step).
 * @returns the user to create, or undefined for any other action
 */
function plainCreateOf(raw: unknown): PlainCreate | undefined {
  const parsed = Frame.safeParse(raw);
  const frame = parsed.success ? parsed.data : undefined;
  const [first, ...rest] = frame?.do ?? [];
  const keys = first ? Object.keys(first) : [];
  const command = keys[0];
  if (!frame || frame.usergroup !== undefined || !first || keys.length !== 1 || !command) {
    return undefined;
  }
  if (!(command in CREATE_COMMANDS)) {
    return undefined;
  }
  const create = CreateUser.safeParse(first[command] ?? {});
  if (!create.success) {
    return undefined;
  }
  const names: string[] = [];
  for (const step of rest) {
    const add = step.add === undefined || Object.keys(step).length !== 1 ? undefined : UserGroups.safeParse(step.add);
    if (!add?.success || add.data === 'all') {
      return undefined;
    }
    names.push(...namesOf(add.data));
  }
  return {
    email: (create.data.email ?? frame.user ?? '').trim(),
    user: frame.user,
    command,
    type: CREATE_COMMANDS[command] as IdentityType,
    details: detailsOf(create.data, true),
    names,
  };
}

/**
 * The first sync's common batch applied set-based: every action's user created by one
 * `createUsersCommand` item list (one insert, with the profiles and groups). The runner tries it
 * for the whole batch and, when it fails (an existing user, an unknown name, a wrong identity
 * type, seats), for halves, down to single actions, which then run step by step and report each
 * failure at its own index and step. Outcomes are the same either way.
 */
async function createPlainly(scope: RunScope, actor: Actor, users: PlainCreate[]): Promise<Applied<unknown>[]> {
  const names = users.flatMap((user) => user.names);
  // Resolved once, in one statement: the command takes the resolution instead of reading again.
  const resolution = await resolveForChange(scope.trx, actor.organizationId, {
    profiles: names,
    groups: names,
    domains: users.map((user) => emailDomain(user.email)),
  });
  for (const user of users) {
    if (!user.email.includes('@')) {
      throw new StepFailure(UmapiStepErrorCodes.malformed, 'email');
    }
    const type = resolution.domains.get(emailDomain(user.email))?.identityType ?? 'personal';
    checkIdentityType(user.command, user.email, user.type, type);
    user.username = usernameOf({ user: user.user, do: [] }, user.email, type);
  }
  const named = await resolveAccess(scope.ctx, actor, names, resolution);
  const profiles = new Map(named.profiles.map((name) => [name.toLowerCase(), name]));
  const groups = new Map(named.groups.map((name) => [name.toLowerCase(), name]));
  const items = users.map(
    (user): NewUserItem => ({
      email: user.email,
      ...(user.username ? { username: user.username } : {}),
      ...user.details,
      profiles: user.names.flatMap((name) => profiles.get(keyOf(name)) ?? []),
      groups: user.names.flatMap((name) => groups.get(keyOf(name)) ?? []),
    }),
  );
  // The command refuses an e-mail that exists with that identity type (users.already_exists).
  // Part of the runner's set-based attempt, which is rolled back as a whole when this throws.
  const outcomes = await createUsersCommand(scope.ctx, actor, items, { ...ATOMIC, partOfAttempt: true, resolution });
  return outcomes.map((outcome) => ({
    status: outcome.status,
    code: outcome.code,
    params: outcome.params,
    before: outcome.before,
    after: outcome.after,
  }));
}

/** Turns a failed action's outcome into an `errors[]` entry's code and message. */
function describeFailure(outcome: ItemOutcome<unknown>): { errorCode: string; message: string } {
  const umapiErrorCode = outcome.extra?.umapiErrorCode;
  if (typeof umapiErrorCode === 'string') {
    return { errorCode: umapiErrorCode, message: outcome.message ?? '' };
  }
  const message = outcome.message ?? '';
  const detail = outcome.problems?.map((problem) => problem.message).join('; ');
  return {
    errorCode: `error.${outcome.code}`,
    message: detail && !message.includes(detail) ? `${message} (${detail})` : message,
  };
}

/**
 * Runs one action, step by step (an item of the runner, in its savepoint).
 * @param reached told the position of each step as it starts (the failing step is reported)
 */
async function runAction(scope: RunScope, actor: Actor, raw: unknown, reached: (step: number) => void) {
  reached(0);
  const parsed = Frame.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StepFailure(
      UmapiStepErrorCodes.malformed,
      `${issue?.path.join('.') || 'action'}: ${issue?.message ?? 'invalid'} (an action is {"user"|"usergroup", "do":[…]}).`,
    );
  }
  const frame = parsed.data;
  if ((frame.user === undefined) === (frame.usergroup === undefined)) {
    throw new StepFailure(UmapiStepErrorCodes.malformed, 'An action names either "user" or "usergroup".');
  }
  const userScope: UserScope = { ctx: scope.ctx, actor, frame, user: undefined };
  const groupScope: GroupScope = { ctx: scope.ctx, actor, name: frame.usergroup ?? '', groupId: undefined };
  for (const [position, command] of frame.do.entries()) {
    reached(position);
    const keys = Object.keys(command);
    const name = keys[0];
    if (keys.length !== 1 || name === undefined) {
      throw new StepFailure(UmapiStepErrorCodes.malformed, 'Each command is an object with exactly one key.');
    }
    if (frame.user !== undefined) {
      await runUserCommand(userScope, name, command[name]);
    } else {
      await runGroupCommand(groupScope, name, command[name]);
    }
  }
}

/**
 * Runs an action batch through the change engine's runner: each action one item (all its steps
 * or none), in order; in test mode, the runner's dry run.
 * @param body the request body as parsed JSON
 * @param testOnly validate and run exactly as for real, then change nothing
 * @returns Adobe's answer
 * @throws UmapiError 400 when the body is not an array of at most 10 actions
 */
export async function runActionBatch(
  ctx: AppContext,
  actor: Actor,
  body: unknown,
  testOnly: boolean,
): Promise<ActionBatchResult> {
  if (!Array.isArray(body)) {
    throw new UmapiError(400, 'malformed_request', 'Send a JSON array of actions.');
  }
  if (body.length > UMAPI_MAX_ACTIONS) {
    throw new UmapiError(
      400,
      'too_many_actions',
      `${body.length} actions in one call: send at most ${UMAPI_MAX_ACTIONS} (Adobe's limit, which umapi-client keeps).`,
    );
  }
  const actions = body.map((raw: unknown) => ({ raw, plain: plainCreateOf(raw) }));
  const plain = actions.flatMap((action) => (action.plain ? [action.plain] : []));
  const setBased =
    actions.length > 1 &&
    plain.length === actions.length &&
    new Set(plain.map((user) => user.email.toLowerCase())).size === plain.length;
  const steps = new Map<number, number>();
  const outcomes = await runItems(
    ctx,
    actions,
    async (scope, action, index) => {
      try {
        await runAction(scope, actor, action.raw, (step) => steps.set(index, step));
      } catch (error) {
        const known = constraintError(error) ?? error;
        if (known instanceof AppError) {
          throw known;
        }
        console.error(JSON.stringify({ level: 50, msg: 'UMAPI command failed', err: String(error) }));
        throw new StepFailure(UmapiStepErrorCodes.internal, 'Something went wrong on the server. It has been logged.');
      }
      return { status: 'applied', code: 'umapi.action_completed', params: {}, before: null, after: null };
    },
    {
      dryRun: testOnly,
      ...(setBased
        ? {
            applyAll: (scope: RunScope, all: typeof actions) =>
              createPlainly(
                scope,
                actor,
                all.flatMap((action) => (action.plain ? [action.plain] : [])),
              ),
          }
        : {}),
    },
  );
  const result: ActionBatchResult = { result: 'success', completed: 0, notCompleted: 0, completedInTestMode: 0 };
  const errors: NonNullable<ActionBatchResult['errors']> = [];
  for (const outcome of outcomes) {
    if (outcome.status !== 'failed') {
      if (testOnly) {
        result.completedInTestMode += 1;
      } else {
        result.completed += 1;
      }
      continue;
    }
    const { index } = outcome;
    const step = steps.get(index) ?? 0;
    const raw: unknown = body[index];
    const requestID =
      typeof raw === 'object' && raw !== null && typeof (raw as Frame).requestID === 'string'
        ? (raw as Frame).requestID
        : undefined;
    result.notCompleted += 1;
    errors.push({ index, step, ...(requestID !== undefined ? { requestID } : {}), ...describeFailure(outcome) });
    if (outcome.code === 'auth.forbidden') {
      // Denials are audited like every other denial, outside the batch's transaction so that a
      // rolled-back action (or test mode) keeps their record.
      await recordSecurityEvent(ctx.db, actor, {
        action: 'authorization.denied',
        target: null,
        after: { api: 'umapi', index, step, testOnly, ...outcome.extra },
      });
    }
  }
  const succeeded = result.completed + result.completedInTestMode;
  result.result = result.notCompleted === 0 ? 'success' : succeeded === 0 ? 'error' : 'partial';
  return errors.length > 0 ? { ...result, errors } : result;
}
