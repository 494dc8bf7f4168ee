import { lockInOrder } from '../changes/locks.ts';
import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import {
  createGroupsCommand,
  deleteGroupsCommand,
  type GroupStateItem,
  updateGroupsCommand,
} from '../groups/groups.commands.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { findMemberIdsByGroupIdAndFilter, findScimGroupById, isUuid, type ScimGroupRow } from './scim.criteria.ts';
import { invalidValue, ScimError, succeeded } from './scim.errors.ts';
import { checkIfMatch, groupEtag } from './scim.etag.ts';
import { parsePatchPath } from './scim.filter.ts';
import { applyPatch, canonicalResource, type Doc, getCi, pathlessTargets, type ResourceSchemas } from './scim.patch.ts';
import { COMMON_ATTRIBUTES, GROUP_ATTRIBUTES, SCHEMA } from './scim.schemas.ts';

/**
 * Groups over SCIM: they are Usher user groups, so every change is a command of the change engine
 * (profiles assigned to the group reach SCIM members, licenses are counted, every change is
 * audited with the token as the actor). A request runs in one transaction: a PATCH's operations
 * apply in order, and a failed one rolls them all back.
 */

/** The Group resource's schemas. */
export const GROUP_SCHEMAS: ResourceSchemas = {
  core: SCHEMA.group,
  attributes: [...GROUP_ATTRIBUTES, ...COMMON_ATTRIBUTES],
  extensions: {},
  ignored: new Set(),
};

const NAME_MAX = 255;

/**
 * Presents a group as a SCIM Group resource (RFC 7643 §4.2).
 * @param members the members, when they are to be returned
 * @returns the resource
 */
export function presentScimGroup(
  baseUrl: string,
  row: ScimGroupRow,
  members?: { id: string; username: string }[],
): Doc {
  return {
    schemas: [SCHEMA.group],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.name,
    ...(members
      ? {
          members: members.map((member) => ({
            value: member.id,
            $ref: `${baseUrl}/Users/${member.id}`,
            display: member.username,
            type: 'User',
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      location: `${baseUrl}/Groups/${row.id}`,
      version: groupEtag(row),
    },
  };
}

function readName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidValue('displayName is required.');
  }
  if (value.trim().length > NAME_MAX) {
    throw invalidValue(`displayName is longer than ${NAME_MAX} characters.`);
  }
  return value.trim();
}

function readExternalId(value: unknown): string | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  if (typeof value !== 'string') {
    throw invalidValue('externalId must be a string.');
  }
  return value;
}

/**
 * Reads member references (`[{value: userId}]`) into user ids.
 * @throws ScimError 400 invalidValue for ids that are not users, or group members (not supported)
 */
function readMemberIds(value: unknown): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  const entries = Array.isArray(value) ? value : [value];
  return [
    ...new Set(
      entries.map((entry) => {
        const id = typeof entry === 'object' && entry !== null ? getCi(entry as Doc, 'value') : entry;
        const type = typeof entry === 'object' && entry !== null ? getCi(entry as Doc, 'type') : undefined;
        if (typeof type === 'string' && type.toLowerCase() === 'group') {
          throw invalidValue('Groups cannot be members of groups in Usher: add their users instead.');
        }
        if (typeof id !== 'string' || !isUuid(id)) {
          throw invalidValue(`Member "${String(id)}" is not a user id of this organization.`);
        }
        return id.toLowerCase();
      }),
    ),
  ];
}

/**
 * Reads a group, locking it first (`lock`) for a change: the users the change may make members
 * before it, in the one lock order (changes/locks.ts), so that its later steps lock nothing out
 * of that order.
 * @throws ScimError 404
 */
async function requireScimGroup(
  ctx: AppContext,
  organizationId: string,
  groupId: string,
  lock?: { joining: string[] },
) {
  if (lock && isUuid(groupId)) {
    await lockInOrder(ctx.db, organizationId, {
      users: { ids: lock.joining, mode: 'share' },
      groups: { ids: [groupId], mode: 'update' },
    });
  }
  const row = await findScimGroupById(ctx.db, organizationId, groupId);
  if (!row) {
    throw new ScimError(404, undefined, `Group ${groupId} not found.`);
  }
  return row;
}

/** Brings a group to a new state through the groups command, inside the caller's transaction. */
async function changeGroup(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  change: Omit<GroupStateItem, 'group'>,
): Promise<void> {
  succeeded(await updateGroupsCommand(ctx, actor, [{ group: { id: groupId }, ...change }]));
}

/**
 * Creates a group with its members (POST /Groups).
 * @throws ScimError 409 uniqueness for a taken name; 400 invalidValue for unknown members; 403
 */
export async function createScimGroup(ctx: AppContext, actor: Actor, body: Doc): Promise<ScimGroupRow> {
  authorize(actor, 'group.manage');
  const doc = canonicalResource(GROUP_SCHEMAS, body);
  const name = readName(doc.displayName);
  const externalId = readExternalId(doc.externalId);
  const members = readMemberIds(doc.members);
  return transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const [created] = succeeded(await createGroupsCommand(inTrx, actor, [{ name, externalId, members }]));
    const id = created?.after?.id;
    if (!id) {
      throw new Error('createGroupsCommand returned no group');
    }
    return requireScimGroup(inTrx, actor.organizationId, id);
  });
}

/**
 * Reads one group.
 * @throws ScimError 404; 403 outside a group admin's groups
 */
export async function getScimGroup(ctx: AppContext, actor: Actor, groupId: string): Promise<ScimGroupRow> {
  const row = await requireScimGroup(ctx, actor.organizationId, groupId);
  authorize(actor, 'group.read', { groupId: row.id });
  return row;
}

/**
 * Replaces a group (PUT /Groups/{id}). `members`, when present, is the full new set; when left
 * out, members stay as they are (a large group is never emptied by a client that omits them).
 * @throws ScimError 404; 412; 409; 400
 */
export async function replaceScimGroup(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  body: Doc,
  ifMatch: string | undefined,
): Promise<ScimGroupRow> {
  const doc = canonicalResource(GROUP_SCHEMAS, body);
  const name = readName(doc.displayName);
  const externalId = readExternalId(doc.externalId);
  const members = 'members' in doc ? readMemberIds(doc.members) : null;
  return transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const row = await requireScimGroup(inTrx, actor.organizationId, groupId, { joining: members ?? [] });
    authorize(actor, 'group.read', { groupId: row.id });
    checkIfMatch(ifMatch, groupEtag(row));
    await changeGroup(inTrx, actor, row.id, {
      name,
      externalId,
      ...(members ? { members: { replace: members } } : {}),
    });
    return requireScimGroup(inTrx, actor.organizationId, row.id);
  });
}

/**
 * Patches a group (PATCH /Groups/{id}): rename, externalId, and members added, removed (by value
 * list or by `members[value eq "…"]` filter) or replaced, all in one transaction. Removing a user
 * who is not a member changes nothing (identity providers retry removals).
 * @throws ScimError 404; 412; 400 invalidPath, invalidValue, mutability, noTarget
 */
export async function patchScimGroup(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  operations: PatchOperation[],
  ifMatch: string | undefined,
): Promise<ScimGroupRow> {
  return transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const row = await requireScimGroup(inTrx, actor.organizationId, groupId, {
      joining: joiningMembers(operations, groupId),
    });
    authorize(actor, 'group.read', { groupId: row.id });
    checkIfMatch(ifMatch, groupEtag(row));
    let doc: Doc = { displayName: row.name, ...(row.external_id !== null ? { externalId: row.external_id } : {}) };
    for (const operation of operations) {
      for (const target of patchTargets(operation, row.id)) {
        const parsed = target.path ? parsePatchPath(target.path) : null;
        if (
          parsed?.path.name.toLowerCase() !== 'members' ||
          (parsed.path.uri && parsed.path.uri.toLowerCase() !== SCHEMA.group.toLowerCase())
        ) {
          doc = applyPatch(GROUP_SCHEMAS, doc, [
            { ...operation, ...(target.path ? { path: target.path } : {}), value: target.value },
          ]);
          continue;
        }
        if (parsed.path.sub || parsed.sub) {
          throw new ScimError(
            400,
            'invalidPath',
            'Members are added, removed or replaced whole: leave out the sub-attribute.',
          );
        }
        if (operation.op === 'add' && !parsed.filter) {
          const ids = readMemberIds(target.value);
          if (ids.length > 0) {
            await changeGroup(inTrx, actor, row.id, { members: { add: ids } });
          }
        } else if (
          operation.op === 'remove' &&
          !parsed.filter &&
          (target.value === undefined || target.value === null)
        ) {
          await changeGroup(inTrx, actor, row.id, { members: { replace: [] } });
        } else if (operation.op === 'remove') {
          const ids = parsed.filter
            ? await findMemberIdsByGroupIdAndFilter(trx, actor.organizationId, row.id, parsed.filter)
            : readMemberIds(target.value);
          if (ids.length > 0) {
            await changeGroup(inTrx, actor, row.id, { members: { remove: ids } });
          }
        } else if (operation.op === 'replace' && !parsed.filter) {
          await changeGroup(inTrx, actor, row.id, { members: { replace: readMemberIds(target.value) } });
        } else {
          throw new ScimError(
            400,
            'invalidPath',
            `"${target.path}": a value filter on members applies to remove only.`,
          );
        }
      }
    }
    if (doc.displayName === undefined) {
      throw new ScimError(400, 'invalidValue', 'displayName is required and cannot be removed.');
    }
    await changeGroup(inTrx, actor, row.id, {
      name: readName(doc.displayName),
      externalId: readExternalId(doc.externalId),
    });
    return requireScimGroup(inTrx, actor.organizationId, row.id);
  });
}

type PatchOperation = { op: 'add' | 'remove' | 'replace'; path?: string; value?: unknown };

/** The (path, value) pairs a PATCH operation sets: its own, or one per attribute of a pathless value. */
function patchTargets(operation: PatchOperation, groupId: string): { path: string | undefined; value: unknown }[] {
  if (operation.path) {
    return [{ path: operation.path, value: operation.value }];
  }
  if (operation.op === 'remove') {
    return [{ path: undefined, value: undefined }];
  }
  return pathlessTargets(GROUP_SCHEMAS, operation.value, new Set(['id', 'schemas', 'meta']), groupId).map(
    ([path, value]) => ({ path, value }),
  );
}

/**
 * The users a PATCH's operations add or replace members with, read before anything is applied
 * so they are locked before the group. A malformed operation adds none here: applying it
 * answers its error, in the order of the operations.
 */
function joiningMembers(operations: PatchOperation[], groupId: string): string[] {
  return operations.flatMap((operation) => {
    if (operation.op === 'remove') {
      return [];
    }
    try {
      return patchTargets(operation, groupId).flatMap((target) => {
        const parsed = target.path ? parsePatchPath(target.path) : null;
        return parsed?.path.name.toLowerCase() === 'members' && !parsed.filter ? readMemberIds(target.value) : [];
      });
    } catch {
      return [];
    }
  });
}

/**
 * Deletes a group (DELETE /Groups/{id}); members stay in the organization.
 * @throws ScimError 404; 412; 403
 */
export async function deleteScimGroup(
  ctx: AppContext,
  actor: Actor,
  groupId: string,
  ifMatch: string | undefined,
): Promise<void> {
  authorize(actor, 'group.manage');
  await transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const row = await requireScimGroup(inTrx, actor.organizationId, groupId, { joining: [] });
    checkIfMatch(ifMatch, groupEtag(row));
    succeeded(await deleteGroupsCommand(inTrx, actor, [{ group: { id: row.id } }]));
  });
}
