import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import { findGroupsChangedAtByUserIds } from '../groups/groups.deletions.ts';
import { ScimError } from './scim.errors.ts';
import type { AttrPath, CompValue, Filter } from './scim.filter.ts';
import { SCHEMA } from './scim.schemas.ts';

/**
 * SCIM filters and sorting translated into SQL (Kysely `sql` fragments with bound values, never
 * concatenated text). Every attribute maps onto a column or expression of `users` / `user_groups`;
 * the frequent ones (`userName`, `externalId`, `displayName`, `id`) are served by indexes that lead
 * with organization_id, so Entra's and Okta's existence checks stay fast at 1,000,000 users.
 */

type Bool = RawBuilder<boolean>;
type ValueType = 'string' | 'boolean' | 'dateTime' | 'uuid';

/** A filterable attribute: an SQL expression over the row in scope. */
interface Column {
  kind: 'column';
  expr: RawBuilder<unknown>;
  type: ValueType;
  caseExact: boolean;
}

/** A multi-valued attribute kept in another table (a user's groups, a group's members). */
interface Relation {
  kind: 'relation';
  scope: Scope;
  exists: (inner: Bool) => Bool;
}

type Resolved = Column | Relation;
type Scope = (name: string) => Resolved | undefined;

const column = (expr: RawBuilder<unknown>, type: ValueType, caseExact = false): Column => ({
  kind: 'column',
  expr,
  type,
  caseExact,
});
const constant = (value: string | boolean): Column =>
  column(sql`${value}`, typeof value === 'boolean' ? 'boolean' : 'string', true);

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

const userScope: Scope = (name) => {
  const groupsScope: Scope = (inner) =>
    ({
      value: column(sql`gm.group_id`, 'uuid', true),
      display: column(sql`g.name`, 'string'),
      type: constant('direct'),
    })[inner];
  const groups: Relation = {
    kind: 'relation',
    scope: groupsScope,
    exists: (inner) =>
      sql<boolean>`exists (select 1 from group_members gm join user_groups g on g.organization_id = gm.organization_id and g.id = gm.group_id
        where gm.organization_id = users.organization_id and gm.user_id = users.id and ${inner})`,
  };
  const enterprise = SCHEMA.enterprise.toLowerCase();
  const map: Record<string, Resolved> = {
    id: column(sql`users.id`, 'uuid', true),
    username: column(sql`users.username`, 'string'),
    externalid: column(sql`users.external_id`, 'string', true),
    displayname: column(sql`users.alias`, 'string'),
    'name.givenname': column(sql`users.first_name`, 'string'),
    'name.familyname': column(sql`users.last_name`, 'string'),
    'name.formatted': column(
      sql`nullif(trim(coalesce(users.first_name, '') || ' ' || coalesce(users.last_name, '')), '')`,
      'string',
    ),
    active: column(sql`(users.status <> 'removed')`, 'boolean'),
    emails: column(sql`users.email`, 'string'),
    'emails.value': column(sql`users.email`, 'string'),
    'emails.type': constant('work'),
    'emails.primary': constant(true),
    addresses: column(sql`users.country`, 'string'),
    'addresses.country': column(sql`users.country`, 'string'),
    'addresses.type': column(sql`case when users.country is null then null else 'work' end`, 'string'),
    'addresses.primary': column(sql`case when users.country is null then null else true end`, 'boolean'),
    'meta.created': column(sql`users.created_at`, 'dateTime'),
    'meta.lastmodified': column(sql`users.updated_at`, 'dateTime'),
    'meta.resourcetype': constant('User'),
    groups,
    'groups.value': groups,
    'groups.display': groups,
    'groups.type': groups,
    [`${enterprise}:manager`]: column(sql`(users.enterprise -> 'manager' ->> 'value')`, 'string', true),
    [`${enterprise}:manager.value`]: column(sql`(users.enterprise -> 'manager' ->> 'value')`, 'string', true),
    [`${enterprise}:manager.displayname`]: column(sql`(users.enterprise -> 'manager' ->> 'displayName')`, 'string'),
  };
  for (const key of ENTERPRISE_STRINGS) {
    map[`${enterprise}:${key.toLowerCase()}`] = column(sql`(users.enterprise ->> ${key})`, 'string');
  }
  return map[name];
};

const membersScope: Scope = (inner) =>
  ({
    value: column(sql`gm.user_id`, 'uuid', true),
    display: column(sql`u.username`, 'string'),
    type: constant('User'),
  })[inner];

const groupScope: Scope = (name) => {
  const members: Relation = {
    kind: 'relation',
    scope: membersScope,
    exists: (inner) =>
      sql<boolean>`exists (select 1 from group_members gm join users u on u.organization_id = gm.organization_id and u.id = gm.user_id
        where gm.organization_id = user_groups.organization_id and gm.group_id = user_groups.id and ${inner})`,
  };
  const map: Record<string, Resolved> = {
    id: column(sql`user_groups.id`, 'uuid', true),
    displayname: column(sql`user_groups.name`, 'string'),
    externalid: column(sql`user_groups.external_id`, 'string', true),
    'meta.created': column(sql`user_groups.created_at`, 'dateTime'),
    'meta.lastmodified': column(sql`user_groups.updated_at`, 'dateTime'),
    'meta.resourcetype': constant('Group'),
    members,
    'members.value': members,
    'members.display': members,
    'members.type': members,
  };
  return map[name];
};

function likePattern(value: string, op: 'co' | 'sw' | 'ew'): string {
  const escaped = value.replace(/[\\%_]/g, (char) => `\\${char}`);
  return op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
}

function invalid(message: string): never {
  throw new ScimError(400, 'invalidFilter', `Invalid filter: ${message}.`);
}

const SQL_OPS = { gt: sql`>`, ge: sql`>=`, lt: sql`<`, le: sql`<=` } as const;

function compareColumn(target: Column, op: string, value: CompValue, label: string): Bool {
  if (value === null) {
    if (op === 'eq') {
      return sql<boolean>`(${target.expr} is null)`;
    }
    if (op === 'ne') {
      return sql<boolean>`(${target.expr} is not null)`;
    }
    invalid(`${label} ${op} null: only eq and ne compare with null`);
  }
  if (target.type === 'boolean') {
    const parsed = typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value;
    if (typeof parsed !== 'boolean' || (op !== 'eq' && op !== 'ne')) {
      invalid(`${label} is a boolean: compare it with eq or ne and true or false`);
    }
    return op === 'eq'
      ? sql<boolean>`(${target.expr} = ${parsed})`
      : sql<boolean>`coalesce(${target.expr} <> ${parsed}, true)`;
  }
  if (typeof value !== 'string') {
    invalid(`${label} takes a "string" value`);
  }
  if (target.type === 'dateTime') {
    if (Number.isNaN(Date.parse(value)) || op === 'co' || op === 'sw' || op === 'ew') {
      invalid(`${label} is a date-time: compare it with eq, ne, gt, ge, lt or le and an ISO 8601 "string"`);
    }
    const at = sql`${new Date(value).toISOString()}::timestamptz`;
    if (op === 'eq') {
      return sql<boolean>`(${target.expr} = ${at})`;
    }
    if (op === 'ne') {
      return sql<boolean>`coalesce(${target.expr} <> ${at}, true)`;
    }
    return sql<boolean>`(${target.expr} ${SQL_OPS[op as keyof typeof SQL_OPS]} ${at})`;
  }
  if (target.type === 'uuid' && (op === 'eq' || op === 'ne')) {
    if (!UUID.test(value)) {
      return sql<boolean>`${op === 'ne'}`;
    }
    return op === 'eq'
      ? sql<boolean>`(${target.expr} = ${value.toLowerCase()}::uuid)`
      : sql<boolean>`(${target.expr} <> ${value.toLowerCase()}::uuid)`;
  }
  const text = target.type === 'uuid' ? sql`${target.expr}::text` : target.expr;
  const left = target.caseExact ? text : sql`lower(${text})`;
  const right = target.caseExact ? value : value.toLowerCase();
  switch (op) {
    case 'eq':
      return sql<boolean>`(${left} = ${right})`;
    case 'ne':
      return sql<boolean>`coalesce(${left} <> ${right}, true)`;
    case 'co':
    case 'sw':
    case 'ew':
      return sql<boolean>`(${left} like ${likePattern(right, op)})`;
    default:
      return sql<boolean>`(${left} ${SQL_OPS[op as keyof typeof SQL_OPS]} ${right})`;
  }
}

function present(target: Column): Bool {
  return target.type === 'string'
    ? sql<boolean>`(${target.expr} is not null and ${target.expr} <> '')`
    : sql<boolean>`(${target.expr} is not null)`;
}

function translate(filter: Filter, scope: Scope, core: string, extension: string | null, prefix: string | null): Bool {
  switch (filter.kind) {
    case 'and':
      return sql<boolean>`(${translate(filter.left, scope, core, extension, prefix)} and ${translate(filter.right, scope, core, extension, prefix)})`;
    case 'or':
      return sql<boolean>`(${translate(filter.left, scope, core, extension, prefix)} or ${translate(filter.right, scope, core, extension, prefix)})`;
    case 'not':
      // Comparisons are plain (so indexes serve them) and yield NULL on a missing value; NOT of
      // NULL would drop the row, so the inner condition counts a missing value as false first.
      return sql<boolean>`(not coalesce(${translate(filter.filter, scope, core, extension, prefix)}, false))`;
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
        return resolved.exists(translate(filter.filter, resolved.scope, core, null, ''));
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
        return resolved.exists(
          filter.kind === 'present'
            ? present(inner)
            : compareColumn(inner, filter.op, filter.value, label(filter.path)),
        );
      }
      return filter.kind === 'present'
        ? present(resolved)
        : compareColumn(resolved, filter.op, filter.value, label(filter.path));
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
 * Translates a filter on Users into an SQL condition over `users`.
 * @throws ScimError 400 invalidFilter for attributes Usher does not keep or wrong value types
 */
export function userFilterSql(filter: Filter): Bool {
  return translate(filter, userScope, SCHEMA.user, SCHEMA.enterprise, null);
}

/**
 * Translates a filter on Groups into an SQL condition over `user_groups`.
 * @throws ScimError 400 invalidFilter
 */
export function groupFilterSql(filter: Filter): Bool {
  return translate(filter, groupScope, SCHEMA.group, null, null);
}

/** A sort key: its SQL expression. */
const USER_SORTS: Record<string, RawBuilder<unknown>> = {
  id: sql`users.id`,
  username: sql`lower(users.username)`,
  externalid: sql`users.external_id`,
  displayname: sql`lower(users.alias)`,
  'name.familyname': sql`lower(coalesce(users.last_name, ''))`,
  'name.givenname': sql`lower(coalesce(users.first_name, ''))`,
  emails: sql`lower(users.email)`,
  'emails.value': sql`lower(users.email)`,
  'meta.created': sql`users.created_at`,
  'meta.lastmodified': sql`users.updated_at`,
};
const GROUP_SORTS: Record<string, RawBuilder<unknown>> = {
  id: sql`user_groups.id`,
  displayname: sql`lower(user_groups.name)`,
  externalid: sql`user_groups.external_id`,
  'meta.created': sql`user_groups.created_at`,
  'meta.lastmodified': sql`user_groups.updated_at`,
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
  filter: Bool | null;
  sortBy: string | undefined;
  descending: boolean;
  /** 0-based offset (startIndex - 1). */
  offset: number;
  count: number;
}

function sortExpression(kind: 'users' | 'groups', sortBy: string | undefined): RawBuilder<unknown> {
  const sorts = kind === 'users' ? USER_SORTS : GROUP_SORTS;
  if (!sortBy) {
    return sorts[kind === 'users' ? 'username' : 'displayname'] as RawBuilder<unknown>;
  }
  const path = sortBy.replace(new RegExp(`^${kind === 'users' ? SCHEMA.user : SCHEMA.group}:`, 'i'), '');
  const expression = sorts[path.toLowerCase()];
  if (!expression) {
    throw new ScimError(
      400,
      'invalidValue',
      `sortBy "${sortBy}" is not supported: use one of ${SORTABLE[kind].join(', ')}.`,
    );
  }
  return expression;
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
  const where = page.filter ?? sql<boolean>`true`;
  const order = sortExpression('users', page.sortBy);
  const direction = page.descending ? sql`desc` : sql`asc`;
  const [rows, total] = await Promise.all([
    page.count === 0
      ? Promise.resolve({ rows: [] as UserRow[] })
      : sql<UserRow>`select users.* from users where users.organization_id = ${organizationId} and ${where}
          order by ${order} ${direction}, users.id ${direction} limit ${page.count} offset ${page.offset}`.execute(db),
    sql<{
      n: number;
    }>`select count(*)::int as n from users where users.organization_id = ${organizationId} and ${where}`.execute(db),
  ]);
  const changed = await findGroupsChangedAtByUserIds(
    db,
    organizationId,
    rows.rows.map((row) => row.id),
  );
  return {
    rows: rows.rows.map((row) => ({ ...row, groups_changed_at: changed.get(row.id) ?? null })),
    total: total.rows[0]?.n ?? 0,
  };
}

/** A group row as SCIM presents it. */
export interface ScimGroupRow {
  id: string;
  name: string;
  external_id: string | null;
  version: number;
  members_version: number;
  created_at: Date;
  updated_at: Date;
}

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
  const reachable = reach === 'all' ? sql<boolean>`true` : sql<boolean>`user_groups.id = any(${reach}::uuid[])`;
  const where = page.filter ? sql<boolean>`${page.filter} and ${reachable}` : reachable;
  const order = sortExpression('groups', page.sortBy);
  const direction = page.descending ? sql`desc` : sql`asc`;
  const columns = sql`user_groups.id, user_groups.name, user_groups.external_id, user_groups.version, user_groups.members_version, user_groups.created_at, user_groups.updated_at`;
  const [rows, total] = await Promise.all([
    page.count === 0
      ? Promise.resolve({ rows: [] as ScimGroupRow[] })
      : sql<ScimGroupRow>`select ${columns} from user_groups where user_groups.organization_id = ${organizationId} and ${where}
          order by ${order} ${direction}, user_groups.id ${direction} limit ${page.count} offset ${page.offset}`.execute(
          db,
        ),
    sql<{
      n: number;
    }>`select count(*)::int as n from user_groups where user_groups.organization_id = ${organizationId} and ${where}`.execute(
      db,
    ),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
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
  return db
    .selectFrom('user_groups')
    .select(['id', 'name', 'external_id', 'version', 'members_version', 'created_at', 'updated_at'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', groupId)
    .executeTakeFirst();
}

/**
 * The members of groups, with their userName, in a stable order.
 * @returns group id → members
 */
export async function findMembersByGroupIds(
  db: Executor,
  organizationId: string,
  groupIds: string[],
): Promise<Map<string, { id: string; username: string }[]>> {
  const result = new Map<string, { id: string; username: string }[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) {
    return result;
  }
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'group_members.user_id')
        .onRef('users.organization_id', '=', 'group_members.organization_id'),
    )
    .select(['group_members.group_id', 'users.id', 'users.username'])
    .where('group_members.organization_id', '=', organizationId)
    .where('group_members.group_id', 'in', groupIds)
    .orderBy('group_members.group_id')
    .orderBy('users.id')
    .execute();
  for (const row of rows) {
    result.get(row.group_id)?.push({ id: row.id, username: row.username });
  }
  return result;
}

/**
 * The groups users are members of.
 * @returns user id → groups (id and name)
 */
export async function findGroupsByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const result = new Map<string, { id: string; name: string }[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) {
    return result;
  }
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('user_groups', (join) =>
      join
        .onRef('user_groups.id', '=', 'group_members.group_id')
        .onRef('user_groups.organization_id', '=', 'group_members.organization_id'),
    )
    .select(['group_members.user_id', 'user_groups.id', 'user_groups.name'])
    .where('group_members.organization_id', '=', organizationId)
    .where('group_members.user_id', 'in', userIds)
    .orderBy(sql`lower(user_groups.name)`)
    .execute();
  for (const row of rows) {
    result.get(row.user_id)?.push({ id: row.id, name: row.name });
  }
  return result;
}

/**
 * Users of the organization whose userName matches, case-insensitively (SCIM uniqueness).
 * @returns their ids
 */
export async function findUserIdsByUsername(db: Executor, organizationId: string, username: string): Promise<string[]> {
  const rows = await db
    .selectFrom('users')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .execute();
  return rows.map((row) => row.id);
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
  const condition = filter ? translate(filter, membersScope, SCHEMA.group, null, '') : sql<boolean>`true`;
  const rows = await sql<{ user_id: string }>`select gm.user_id from group_members gm
    join users u on u.organization_id = gm.organization_id and u.id = gm.user_id
    where gm.organization_id = ${organizationId} and gm.group_id = ${groupId} and ${condition}`.execute(db);
  return rows.rows.map((row) => row.user_id);
}
