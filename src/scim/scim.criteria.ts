import { type Criteria, CriteriaError, type Operand } from '../db/criteria.ts';
import type { Executor } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import {
  findGroupVersionRowById,
  findMemberIdsByGroupIdMatching,
  type GroupCriteriaSort,
  type GroupVersionRow,
  listGroupsByCriteria,
} from '../groups/groups.catalog.ts';
import { findGroupsChangedAtByUserIds } from '../groups/groups.deletions.ts';
import { listUsersByCriteria, type UserCriteriaSort } from '../users/users.lookup.ts';
import { ScimError } from './scim.errors.ts';
import type { AttrPath, Filter } from './scim.filter.ts';
import { SCHEMA } from './scim.schemas.ts';

/**
 * SCIM filters and sorting translated into criteria on the fields of users and groups (RFC 7644
 * §3.4.2.2): the attribute names, value paths and sub-attributes are SCIM's and stay here; the
 * users and groups capabilities turn the criteria into SQL over their tables (`users.queries.ts`,
 * `groups.queries.ts`), served by indexes that lead with organization_id, so Entra's and Okta's
 * existence checks stay fast at 1,000,000 users.
 */

/** A filterable attribute: a field of the resource (or a constant SCIM presents). */
interface Column {
  kind: 'column';
  operand: Operand;
}

/** A multi-valued attribute kept in another table (a user's groups, a group's members). */
interface Relation {
  kind: 'relation';
  relation: string;
  scope: Scope;
}

type Resolved = Column | Relation;
type Scope = (name: string) => Resolved | undefined;

const field = (name: string): Column => ({ kind: 'column', operand: { field: name } });
const constant = (value: string | boolean): Column => ({
  kind: 'column',
  operand: { constant: value, caseExact: true },
});
/** A constant where a field is set (an address's type and primary exist only with its country). */
const constantWhenSet = (value: string | boolean, whenSet: string): Column => ({
  kind: 'column',
  operand: { constant: value, caseExact: false, whenSet },
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENTERPRISE_STRINGS = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'];

function canonicalName(path: AttrPath, core: string, extension: string | null): string | null {
  const names = [path.name, path.sub].filter((part) => part !== null).join('.');
  if (!path.uri || path.uri.toLowerCase() === core.toLowerCase()) {
    return names.toLowerCase();
  }
  if (extension && path.uri.toLowerCase() === extension.toLowerCase()) {
    return `${extension}:${names}`.toLowerCase();
  }
  return null;
}

const userGroupsScope: Scope = (inner) =>
  ({
    value: field('groupId'),
    display: field('groupName'),
    type: constant('direct'),
  })[inner];

const userScope: Scope = (name) => {
  const groups: Relation = { kind: 'relation', relation: 'groups', scope: userGroupsScope };
  const enterprise = SCHEMA.enterprise.toLowerCase();
  const map: Record<string, Resolved> = {
    id: field('id'),
    username: field('username'),
    externalid: field('externalId'),
    displayname: field('alias'),
    'name.givenname': field('firstName'),
    'name.familyname': field('lastName'),
    'name.formatted': field('fullName'),
    active: field('active'),
    emails: field('email'),
    'emails.value': field('email'),
    'emails.type': constant('work'),
    'emails.primary': constant(true),
    addresses: field('country'),
    'addresses.country': field('country'),
    'addresses.type': constantWhenSet('work', 'country'),
    'addresses.primary': constantWhenSet(true, 'country'),
    'meta.created': field('createdAt'),
    'meta.lastmodified': field('updatedAt'),
    'meta.resourcetype': constant('User'),
    groups,
    'groups.value': groups,
    'groups.display': groups,
    'groups.type': groups,
    [`${enterprise}:manager`]: field('managerId'),
    [`${enterprise}:manager.value`]: field('managerId'),
    [`${enterprise}:manager.displayname`]: field('managerName'),
  };
  for (const key of ENTERPRISE_STRINGS) {
    map[`${enterprise}:${key.toLowerCase()}`] = field(`enterprise.${key}`);
  }
  return map[name];
};

const membersScope: Scope = (inner) =>
  ({
    value: field('userId'),
    display: field('username'),
    type: constant('User'),
  })[inner];

const groupScope: Scope = (name) => {
  const members: Relation = { kind: 'relation', relation: 'members', scope: membersScope };
  const map: Record<string, Resolved> = {
    id: field('id'),
    displayname: field('name'),
    externalid: field('externalId'),
    'meta.created': field('createdAt'),
    'meta.lastmodified': field('updatedAt'),
    'meta.resourcetype': constant('Group'),
    members,
    'members.value': members,
    'members.display': members,
    'members.type': members,
  };
  return map[name];
};

function invalid(message: string): never {
  throw new ScimError(400, 'invalidFilter', `Invalid filter: ${message}.`);
}

function compared(target: Column, filter: Exclude<Filter, { kind: 'and' | 'or' | 'not' | 'valuePath' }>): Criteria {
  return filter.kind === 'present'
    ? { kind: 'present', operand: target.operand }
    : { kind: 'compare', operand: target.operand, op: filter.op, value: filter.value, label: label(filter.path) };
}

function translate(
  filter: Filter,
  scope: Scope,
  core: string,
  extension: string | null,
  prefix: string | null,
): Criteria {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return {
        kind: filter.kind,
        left: translate(filter.left, scope, core, extension, prefix),
        right: translate(filter.right, scope, core, extension, prefix),
      };
    case 'not':
      return { kind: 'not', criteria: translate(filter.filter, scope, core, extension, prefix) };
    case 'valuePath': {
      if (prefix) {
        invalid('value filters cannot be nested');
      }
      const name = canonicalName(filter.path, core, extension);
      const resolved = name ? scope(name) : undefined;
      if (!name || !resolved) {
        invalid(`unknown or unsupported attribute ${label(filter.path)}`);
      }
      if (resolved.kind === 'relation') {
        return {
          kind: 'some',
          relation: resolved.relation,
          criteria: translate(filter.filter, resolved.scope, core, null, ''),
        };
      }
      return translate(filter.filter, scope, core, extension, name);
    }
    default: {
      const name = prefix !== null ? relative(filter.path, prefix) : canonicalName(filter.path, core, extension);
      const resolved = name === null ? undefined : scope(name);
      if (!resolved) {
        invalid(`unknown or unsupported attribute ${label(filter.path)}`);
      }
      if (resolved.kind === 'relation') {
        const sub = (filter.path.sub ?? 'value').toLowerCase();
        const inner = resolved.scope(sub);
        if (inner?.kind !== 'column') {
          invalid(`unknown sub-attribute ${label(filter.path)}`);
        }
        return { kind: 'some', relation: resolved.relation, criteria: compared(inner, filter) };
      }
      return compared(resolved, filter);
    }
  }
}

function relative(path: AttrPath, prefix: string): string | null {
  if (path.uri || path.sub) {
    return null;
  }
  return prefix ? `${prefix}.${path.name.toLowerCase()}` : path.name.toLowerCase();
}

function label(path: AttrPath): string {
  return [path.uri, [path.name, path.sub].filter(Boolean).join('.')].filter(Boolean).join(':');
}

/**
 * Runs a read whose criteria came from a SCIM filter: a value that does not fit its attribute
 * (found as the capability turns the criteria into SQL) is the client's invalid filter.
 * @throws ScimError 400 invalidFilter
 */
async function withFilterErrors<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof CriteriaError) {
      invalid(error.message);
    }
    throw error;
  }
}

/**
 * Translates a filter on Users into criteria on users.
 * @throws ScimError 400 invalidFilter for attributes Usher does not keep
 */
export function userFilterCriteria(filter: Filter): Criteria {
  return translate(filter, userScope, SCHEMA.user, SCHEMA.enterprise, null);
}

/**
 * Translates a filter on Groups into criteria on groups.
 * @throws ScimError 400 invalidFilter
 */
export function groupFilterCriteria(filter: Filter): Criteria {
  return translate(filter, groupScope, SCHEMA.group, null, null);
}

/** A SCIM sort attribute (lower case, without the schema URI): the field it orders by. */
const USER_SORTS: Record<string, UserCriteriaSort> = {
  id: 'id',
  username: 'username',
  externalid: 'externalId',
  displayname: 'alias',
  'name.familyname': 'lastName',
  'name.givenname': 'firstName',
  emails: 'email',
  'emails.value': 'email',
  'meta.created': 'createdAt',
  'meta.lastmodified': 'updatedAt',
};
const GROUP_SORTS: Record<string, GroupCriteriaSort> = {
  id: 'id',
  displayname: 'name',
  externalid: 'externalId',
  'meta.created': 'createdAt',
  'meta.lastmodified': 'updatedAt',
};

/** The attributes `sortBy` accepts, for docs and errors. */
export const SORTABLE = {
  users: [
    'userName',
    'name.familyName',
    'name.givenName',
    'displayName',
    'emails.value',
    'externalId',
    'id',
    'meta.created',
    'meta.lastModified',
  ],
  groups: ['displayName', 'externalId', 'id', 'meta.created', 'meta.lastModified'],
};

/** One page request of a list. */
export interface ListPage {
  filter: Criteria | null;
  sortBy: string | undefined;
  descending: boolean;
  /** 0-based offset (startIndex - 1). */
  offset: number;
  count: number;
}

function sortField<S extends string>(
  kind: 'users' | 'groups',
  sortBy: string | undefined,
  sorts: Record<string, S>,
): S {
  if (!sortBy) {
    return sorts[kind === 'users' ? 'username' : 'displayname'] as S;
  }
  const path = sortBy.replace(new RegExp(`^${kind === 'users' ? SCHEMA.user : SCHEMA.group}:`, 'i'), '');
  const sort = sorts[path.toLowerCase()];
  if (!sort) {
    throw new ScimError(
      400,
      'invalidValue',
      `sortBy "${sortBy}" is not supported: use one of ${SORTABLE[kind].join(', ')}.`,
    );
  }
  return sort;
}

/** A user row as SCIM presents it: with when its groups last changed. */
export type ScimUserRow = UserRow & { groups_changed_at: Date | null };

/**
 * One page of an organization's users matching a filter, in a stable order (the sort key, then id),
 * with the total count; each with when its groups last changed (part of its `meta.lastModified`
 * and ETag, RFC 7644 §3.14), read for the page at once.
 * @returns the rows and the number of matches
 */
export async function findScimUsersByOrganizationId(
  db: Executor,
  organizationId: string,
  page: ListPage,
): Promise<{ rows: ScimUserRow[]; total: number }> {
  const sort = sortField('users', page.sortBy, USER_SORTS);
  const found = await withFilterErrors(() =>
    listUsersByCriteria(db, organizationId, {
      criteria: page.filter,
      sort,
      descending: page.descending,
      offset: page.offset,
      count: page.count,
    }),
  );
  const changed = await findGroupsChangedAtByUserIds(
    db,
    organizationId,
    found.rows.map((row) => row.id),
  );
  return {
    rows: found.rows.map((row) => ({ ...row, groups_changed_at: changed.get(row.id) ?? null })),
    total: found.total,
  };
}

/** A group row as SCIM presents it. */
export type ScimGroupRow = GroupVersionRow;

/**
 * One page of an organization's groups matching a filter, with the total count.
 * @returns the rows and the number of matches
 */
export async function findScimGroupsByOrganizationId(
  db: Executor,
  organizationId: string,
  page: ListPage,
  reach: 'all' | string[],
): Promise<{ rows: ScimGroupRow[]; total: number }> {
  const sort = sortField('groups', page.sortBy, GROUP_SORTS);
  return withFilterErrors(() =>
    listGroupsByCriteria(
      db,
      organizationId,
      { criteria: page.filter, sort, descending: page.descending, offset: page.offset, count: page.count },
      reach,
    ),
  );
}

/** One group as SCIM presents it, or undefined. */
export async function findScimGroupById(
  db: Executor,
  organizationId: string,
  groupId: string,
): Promise<ScimGroupRow | undefined> {
  if (!UUID.test(groupId)) {
    return undefined;
  }
  return findGroupVersionRowById(db, organizationId, groupId);
}

/** Whether a string is a UUID (SCIM ids of other servers are not, and then match nothing). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * The members of a group that match a filter written relative to a member (`value eq "…"`), as in
 * the PATCH path `members[value eq "…"]`.
 * @returns their user ids
 * @throws ScimError 400 invalidFilter
 */
export async function findMemberIdsByGroupIdAndFilter(
  db: Executor,
  organizationId: string,
  groupId: string,
  filter: Filter | null,
): Promise<string[]> {
  const criteria = filter ? translate(filter, membersScope, SCHEMA.group, null, '') : null;
  return withFilterErrors(() => findMemberIdsByGroupIdMatching(db, organizationId, groupId, criteria));
}
