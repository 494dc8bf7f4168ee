import { sql } from 'kysely';
import { z } from 'zod';
import type { IdentityType } from '../../shared/contracts.ts';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import { emailDomain, resolveDomainStandings } from '../domains/identity.ts';
import { resolveAccessNames } from '../groups/groups.catalog.ts';
import {
  addMembers,
  assignProfiles,
  createGroup,
  deleteGroups,
  getGroup,
  removeMembers,
  unassignProfile,
  updateGroup,
} from '../groups/groups.service.ts';
import { AppError } from '../http/errors.ts';
import type { Actor } from '../roles/policy.ts';
import { findUsersByLogin } from '../users/users.access.ts';
import { getUserDetail } from '../users/users.details.ts';
import { deleteUserPermanently, removeUsers, restoreUser } from '../users/users.removal.ts';
import { addUsers } from '../users/users.service.ts';
import { updateUser } from '../users/users.update.ts';
import { UmapiError, UmapiStepErrorCodes } from './umapi.errors.ts';

/**
 * Action batches of Adobe's User Management API (`POST /v2/usermanagement/action/{org}`),
 * translated into Usher's users and groups services. What the clients send, from their source:
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
 * Actions run in array order, each all or nothing: a savepoint per action, rolled back when a
 * command fails (the remaining commands of that action are skipped and reported by the failing
 * step). `testOnly` runs everything exactly the same way and rolls the whole batch back.
 * Every command is a call of a users or groups service, so authorization (the integration's role),
 * audit (the integration as actor), licenses and welcome e-mails are those of every other path.
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

/** A failure of one command, reported in `errors[]`. */
class StepFailure extends Error {
  readonly errorCode: string;

  constructor(errorCode: string, message: string) {
    super(message);
    this.errorCode = errorCode;
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

/** The state one action carries from command to command: the user it is about. */
interface UserScope {
  ctx: AppContext;
  actor: Actor;
  frame: Frame;
  user: UserRow | undefined;
}

/** Finds the user of a frame: Enterprise/Federated first, the Personal ID with `useAdobeID`. */
async function findFrameUser(scope: UserScope, login?: string): Promise<UserRow | undefined> {
  const { frame } = scope;
  const found = await findUsersByLogin(scope.ctx, scope.actor, login ?? frame.user ?? '', frame.domain);
  if (frame.useAdobeID) {
    return found.find((user) => user.identity_type === 'personal');
  }
  return found[0];
}

async function requireFrameUser(scope: UserScope): Promise<UserRow> {
  scope.user ??= await findFrameUser(scope);
  if (!scope.user) {
    throw new StepFailure(UmapiStepErrorCodes.userNotFound, `No user ${scope.frame.user} in this organization.`);
  }
  return scope.user;
}

async function reload(scope: UserScope, userId: string): Promise<void> {
  const found = await findUsersByLogin(scope.ctx, scope.actor, scope.user?.email ?? scope.frame.user ?? '');
  scope.user = found.find((user) => user.id === userId) ?? scope.user;
}

/** Resolves profile and user group names for `add`/`remove`, refusing unknown, admin and ambiguous names. */
async function resolveNames(scope: UserScope, names: string[]): Promise<{ profiles: string[]; groups: string[] }> {
  const admin = names.find((name) => name.trim().startsWith('_'));
  if (admin) {
    throw new StepFailure(
      UmapiStepErrorCodes.adminGroup,
      `"${admin}" is an admin group: admin roles are granted in Usher's console or REST API, not through this API.`,
    );
  }
  const resolved = await resolveAccessNames(scope.ctx.db, scope.actor.organizationId, names);
  const profiles: string[] = [];
  const groups: string[] = [];
  for (const name of names) {
    const match = resolved.get(name.trim().toLowerCase());
    const profile = match?.profiles[0];
    const group = match?.groups[0];
    if (profile && group) {
      throw new StepFailure(
        UmapiStepErrorCodes.groupAmbiguous,
        `"${name}" names both the product profile "${profile.name}" and the user group "${group.name}": rename one of them in Usher.`,
      );
    }
    if (profile) {
      profiles.push(profile.name);
    } else if (group) {
      groups.push(group.name);
    } else {
      throw new StepFailure(UmapiStepErrorCodes.groupNotFound, `No product profile or user group named "${name}".`);
    }
  }
  return { profiles, groups };
}

function namesOf(input: z.infer<typeof UserGroups>): string[] {
  return input === 'all' ? [] : [...(input.group ?? []), ...(input.product ?? []), ...(input.usergroup ?? [])];
}

/** The current direct profiles and groups of a user, by name. */
async function currentAccess(scope: UserScope, userId: string): Promise<{ profiles: string[]; groups: string[] }> {
  const detail = await getUserDetail(scope.ctx, scope.actor, userId);
  return {
    profiles: detail.profiles.filter((profile) => profile.via === 'direct').map((profile) => profile.name),
    groups: detail.groups.map((group) => group.name),
  };
}

const lower = (names: string[]) => new Set(names.map((name) => name.toLowerCase()));

async function createUserStep(scope: UserScope, command: string, value: unknown): Promise<void> {
  const input = parse(CreateUser, value, command);
  const wanted = CREATE_COMMANDS[command] as IdentityType;
  const email = (input.email ?? scope.frame.user ?? '').trim();
  if (!email.includes('@')) {
    throw new StepFailure(UmapiStepErrorCodes.malformed, `${command}.email: give the user's e-mail address.`);
  }
  const domain = emailDomain(email);
  const standing = (await resolveDomainStandings(scope.ctx.db, scope.actor.organizationId, [domain])).get(domain);
  const type = standing?.identityType ?? 'personal';
  if (type !== wanted) {
    const reason =
      wanted === 'personal'
        ? `${domain} is claimed by ${A_TYPE[type].replace(/ ID$/, '')} directory of this organization, so its users are ${TYPE_LABELS[type]}s: use ${type === 'enterprise' ? 'createEnterpriseID' : 'createFederatedID'}`
        : `${domain} is not claimed by ${A_TYPE[wanted]} directory of this organization (Usher would add ${A_TYPE[type]}): claim the domain under Settings → Domains${type === 'personal' ? ' or use addAdobeID' : ''}`;
    throw new StepFailure(UmapiStepErrorCodes.identityType, `${command} ${email}: ${reason}.`);
  }
  const existing = (await findUsersByLogin(scope.ctx, scope.actor, email)).find(
    (user) => user.identity_type === type && user.email.toLowerCase() === email.toLowerCase(),
  );
  const details = {
    ...(input.firstname !== undefined ? { firstName: input.firstname } : {}),
    ...(input.lastname !== undefined ? { lastName: input.lastname } : {}),
    ...(input.country !== undefined && input.country.toUpperCase() !== 'UD' ? { country: input.country } : {}),
  };
  if (!existing) {
    const [created] = await addUsers(scope.ctx, scope.actor, { users: [{ email, ...details }] });
    if (created) {
      scope.user = (await findUsersByLogin(scope.ctx, scope.actor, email)).find((user) => user.id === created.id);
    }
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
    await restoreUser(scope.ctx, scope.actor, existing.id);
  }
  if (input.option === 'updateIfAlreadyExists' && Object.keys(details).length > 0) {
    await updateUser(scope.ctx, scope.actor, existing.id, details);
  }
  await reload(scope, existing.id);
}

async function updateUserStep(scope: UserScope, value: unknown): Promise<void> {
  const input = parse(UpdateUser, value, 'update');
  const user = await requireFrameUser(scope);
  if (
    input.username !== undefined &&
    input.username.toLowerCase() !== user.username.toLowerCase() &&
    input.username.toLowerCase() !== (input.email ?? '').toLowerCase()
  ) {
    throw new StepFailure(
      UmapiStepErrorCodes.usernameChange,
      `update.username: Usher's username of ${user.email} is ${user.username}; it follows the e-mail and cannot be set on its own.`,
    );
  }
  const patch = {
    ...(input.firstname !== undefined ? { firstName: input.firstname } : {}),
    ...(input.lastname !== undefined ? { lastName: input.lastname } : {}),
    ...(input.country !== undefined && input.country.toUpperCase() !== 'UD' ? { country: input.country } : {}),
    ...(input.email !== undefined && input.email.toLowerCase() !== user.email.toLowerCase()
      ? { email: input.email }
      : {}),
  };
  if (Object.keys(patch).length > 0) {
    await updateUser(scope.ctx, scope.actor, user.id, patch);
    await reload(scope, user.id);
  }
}

async function userGroupsStep(scope: UserScope, command: 'add' | 'remove', value: unknown): Promise<void> {
  const input = parse(UserGroups, value, command);
  const user = await requireFrameUser(scope);
  const current = await currentAccess(scope, user.id);
  let profiles: string[];
  let groups: string[];
  if (input === 'all') {
    if (command === 'add') {
      throw new StepFailure(UmapiStepErrorCodes.malformed, 'add: "all" is only for remove; list the groups to add.');
    }
    profiles = [];
    groups = [];
  } else {
    const names = await resolveNames(scope, namesOf(input));
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
  const patch = {
    ...(profiles.length !== current.profiles.length ? { profiles } : {}),
    ...(groups.length !== current.groups.length ? { groups } : {}),
  };
  if (Object.keys(patch).length > 0) {
    await updateUser(scope.ctx, scope.actor, user.id, patch);
  }
}

async function removeFromOrgStep(scope: UserScope, value: unknown): Promise<void> {
  const input = parse(RemoveFromOrg, value, 'removeFromOrg');
  const user = await requireFrameUser(scope);
  if (user.status !== 'removed') {
    // Content is kept for a later transfer, as the CSV remove does by default (SPEC §2).
    await removeUsers(scope.ctx, scope.actor, { userIds: [user.id], contentAction: 'transfer-later' });
  }
  if (input.deleteAccount) {
    await deleteUserPermanently(scope.ctx, scope.actor, user.id);
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

async function findGroup(scope: GroupScope): Promise<string | undefined> {
  const match = (await resolveAccessNames(scope.ctx.db, scope.actor.organizationId, [scope.name])).get(
    scope.name.trim().toLowerCase(),
  );
  return match?.groups[0]?.id;
}

async function requireGroup(scope: GroupScope): Promise<string> {
  scope.groupId ??= await findGroup(scope);
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

async function runGroupCommand(scope: GroupScope, command: string, value: unknown): Promise<void> {
  switch (command) {
    case 'createUserGroup': {
      const input = parse(CreateUserGroup, value, command);
      const match = (await resolveAccessNames(scope.ctx.db, scope.actor.organizationId, [scope.name])).get(
        scope.name.trim().toLowerCase(),
      );
      const profile = match?.profiles[0];
      if (profile) {
        throw new StepFailure(
          UmapiStepErrorCodes.groupAmbiguous,
          `"${scope.name}" is the name of the product profile "${profile.name}": choose another user group name.`,
        );
      }
      const existing = match?.groups[0];
      if (!existing) {
        const created = await createGroup(scope.ctx, scope.actor, { name: scope.name, description: input.description });
        scope.groupId = created.id;
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
        await updateGroup(scope.ctx, scope.actor, existing.id, { description: input.description });
      }
      return;
    }
    case 'updateUserGroup': {
      const input = parse(UpdateUserGroup, value, command);
      const groupId = await requireGroup(scope);
      await updateGroup(scope.ctx, scope.actor, groupId, {
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
      await deleteGroups(scope.ctx, scope.actor, [groupId]);
      scope.groupId = undefined;
      return;
    }
    case 'add':
    case 'remove': {
      const input = parse(GroupMembers, value, command);
      const groupId = await requireGroup(scope);
      if (input.productConfiguration) {
        const resolved = await resolveAccessNames(scope.ctx.db, scope.actor.organizationId, input.productConfiguration);
        const ids = input.productConfiguration.map((name) => {
          const profile = resolved.get(name.trim().toLowerCase())?.profiles[0];
          if (!profile) {
            throw new StepFailure(UmapiStepErrorCodes.groupNotFound, `No product profile named "${name}".`);
          }
          return profile.id;
        });
        if (command === 'add') {
          await assignProfiles(scope.ctx, scope.actor, groupId, ids);
        } else {
          const assigned = new Set((await getGroup(scope.ctx, scope.actor, groupId)).profiles.map((p) => p.id));
          for (const id of ids.filter((profileId) => assigned.has(profileId))) {
            await unassignProfile(scope.ctx, scope.actor, groupId, id);
          }
        }
      }
      if (input.user) {
        const ids = await findMemberIds(scope, input.user);
        if (command === 'add') {
          await addMembers(scope.ctx, scope.actor, groupId, { userIds: ids });
        } else {
          await removeMembers(scope.ctx, scope.actor, groupId, ids);
        }
      }
      if (!input.productConfiguration && !input.user) {
        throw new StepFailure(UmapiStepErrorCodes.malformed, `${command}: give productConfiguration or user names.`);
      }
      return;
    }
    default:
      throw new StepFailure(UmapiStepErrorCodes.unknownCommand, `Unknown command "${command}" for a user group.`);
  }
}

/**
 * The first sync's common batch, every action "create a new user and add it to groups", applied
 * as one `addUsers` call of all its users (with their profiles and groups) instead of two service
 * calls per action. Used only when every action has that shape for distinct e-mails; it runs in a
 * savepoint, and any failure (an existing user, an unknown name, a wrong identity type, seats)
 * rolls it back and returns false, so the batch then runs action by action and each failure is
 * reported at its own index and step. Outcomes are the same either way: the same service, the
 * same rules, one audit event per user.
 * @returns true when the whole batch was applied
 */
async function createAllAtOnce(ctx: AppContext, actor: Actor, body: unknown[]): Promise<boolean> {
  if (body.length < 2) {
    return false;
  }
  const users: { email: string; type: IdentityType; details: Record<string, string>; names: string[] }[] = [];
  for (const raw of body) {
    const parsed = Frame.safeParse(raw);
    const frame = parsed.success ? parsed.data : undefined;
    const [first, ...rest] = frame?.do ?? [];
    const command = first ? Object.keys(first) : [];
    const name = command[0];
    if (
      !frame ||
      frame.usergroup !== undefined ||
      !first ||
      command.length !== 1 ||
      !name ||
      !(name in CREATE_COMMANDS)
    ) {
      return false;
    }
    const create = CreateUser.safeParse(first[name] ?? {});
    if (!create.success) {
      return false;
    }
    const names: string[] = [];
    for (const step of rest) {
      const add = step.add === undefined || Object.keys(step).length !== 1 ? undefined : UserGroups.safeParse(step.add);
      if (!add?.success || add.data === 'all') {
        return false;
      }
      names.push(...namesOf(add.data));
    }
    const email = (create.data.email ?? frame.user ?? '').trim();
    users.push({
      email,
      type: CREATE_COMMANDS[name] as IdentityType,
      details: {
        ...(create.data.firstname ? { firstName: create.data.firstname } : {}),
        ...(create.data.lastname ? { lastName: create.data.lastname } : {}),
        ...(create.data.country && create.data.country.toUpperCase() !== 'UD' ? { country: create.data.country } : {}),
      },
      names,
    });
  }
  if (new Set(users.map((user) => user.email.toLowerCase())).size !== users.length) {
    return false;
  }
  await sql`savepoint umapi_batch`.execute(ctx.db);
  try {
    const domains = users.map((user) => emailDomain(user.email));
    const standings = await resolveDomainStandings(ctx.db, actor.organizationId, domains);
    if (users.some((user) => (standings.get(emailDomain(user.email))?.identityType ?? 'personal') !== user.type)) {
      throw new Error('identity type');
    }
    const scope: UserScope = { ctx, actor, frame: { do: [] }, user: undefined };
    const inputs = [];
    for (const user of users) {
      const names = user.names.length > 0 ? await resolveNames(scope, user.names) : { profiles: [], groups: [] };
      inputs.push({ email: user.email, ...user.details, profiles: names.profiles, groups: names.groups });
    }
    // addUsers refuses an e-mail that exists with that identity type (users.already_exists).
    await addUsers(ctx, actor, { users: inputs });
    await sql`release savepoint umapi_batch`.execute(ctx.db);
    return true;
  } catch {
    await sql`rollback to savepoint umapi_batch`.execute(ctx.db);
    await sql`release savepoint umapi_batch`.execute(ctx.db);
    return false;
  }
}

/** Turns what a command threw into an `errors[]` entry's code and message. */
function describeFailure(error: unknown): { errorCode: string; message: string } | undefined {
  if (error instanceof StepFailure) {
    return { errorCode: error.errorCode, message: error.message };
  }
  if (error instanceof AppError) {
    const detail = error.errors?.map((problem) => problem.message).join('; ');
    return {
      errorCode: `error.${error.code}`,
      message: detail && !error.message.includes(detail) ? `${error.message} (${detail})` : error.message,
    };
  }
  return undefined;
}

/**
 * Runs an action batch: each action in a savepoint, in order; the whole batch rolled back in
 * test mode.
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
  const result: ActionBatchResult = { result: 'success', completed: 0, notCompleted: 0, completedInTestMode: 0 };
  const errors: NonNullable<ActionBatchResult['errors']> = [];
  // Denials are audited like every other denial, outside the batch's transaction so that a
  // rolled-back action (or test mode) keeps their record.
  const denials: { index: number; step: number; extra: Record<string, unknown> | undefined }[] = [];
  const rollback = new Error('umapi test mode');
  await transaction(ctx.db, async (trx) => {
    const inTrx: AppContext = { ...ctx, db: trx };
    if (await createAllAtOnce(inTrx, actor, body)) {
      if (testOnly) {
        result.completedInTestMode = body.length;
        throw rollback;
      }
      result.completed = body.length;
      return;
    }
    for (const [index, raw] of body.entries()) {
      const requestID =
        typeof raw === 'object' && raw !== null && typeof (raw as Frame).requestID === 'string'
          ? (raw as Frame).requestID
          : undefined;
      let step = 0;
      await sql`savepoint umapi_action`.execute(trx);
      try {
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
        const userScope: UserScope = { ctx: inTrx, actor, frame, user: undefined };
        const groupScope: GroupScope = { ctx: inTrx, actor, name: frame.usergroup ?? '', groupId: undefined };
        for (const [position, command] of frame.do.entries()) {
          step = position;
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
        await sql`release savepoint umapi_action`.execute(trx);
        if (testOnly) {
          result.completedInTestMode += 1;
        } else {
          result.completed += 1;
        }
      } catch (error) {
        await sql`rollback to savepoint umapi_action`.execute(trx);
        await sql`release savepoint umapi_action`.execute(trx);
        if (error instanceof AppError && error.code === 'auth.forbidden') {
          denials.push({ index, step, extra: error.extra });
        }
        let failure = describeFailure(error);
        if (!failure) {
          failure = {
            errorCode: UmapiStepErrorCodes.internal,
            message: 'Something went wrong on the server. It has been logged.',
          };
          console.error(JSON.stringify({ level: 50, msg: 'UMAPI command failed', err: String(error) }));
        }
        result.notCompleted += 1;
        errors.push({ index, step, ...(requestID !== undefined ? { requestID } : {}), ...failure });
      }
    }
    if (testOnly) {
      throw rollback;
    }
  }).catch((error: unknown) => {
    if (error !== rollback) {
      throw error;
    }
  });
  for (const denial of denials) {
    await recordSecurityEvent(ctx.db, actor, {
      action: 'authorization.denied',
      target: null,
      after: { api: 'umapi', index: denial.index, step: denial.step, testOnly, ...denial.extra },
    });
  }
  const succeeded = result.completed + result.completedInTestMode;
  result.result = result.notCompleted === 0 ? 'success' : succeeded === 0 ? 'error' : 'partial';
  return errors.length > 0 ? { ...result, errors } : result;
}
