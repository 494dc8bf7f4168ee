/**
 * The admin columns of user files (`Admin Roles`, `Products Administered`, `Product Configurations
 * Administered`, `User Groups Administered`; docs/CSV.md): which admin roles a row gives its
 * user. The roles are then granted and revoked by the users capability's admin-role service.
 */
import type { Transaction } from 'kysely';
import type { AdminRole, ScopeKind } from '../../shared/roles.ts';
import { resolveNames } from '../changes/names.ts';
import type { DB } from '../db/schema.ts';
import type { AdminRolesInPart } from '../users/users.admin-roles.ts';
import { ADMIN_ROLE_LABELS } from '../users/users.csv.ts';
import { show } from './csv/cells.ts';
import { ADMIN_ROLE_NAMES, adminRoleOf, type UserRecord } from './csv/formats.ts';

/** The column holding the roles themselves. */
export const ADMIN_ROLES_COLUMN = 'Admin Roles';

/** Per scope kind: the column naming the scopes of its role, and how its names are explained. */
const SCOPE_COLUMNS: Record<
  ScopeKind,
  {
    column: string;
    key: 'productsAdministered' | 'profilesAdministered' | 'groupsAdministered';
    noun: string;
    plural: string;
    fix: string;
  }
> = {
  product: {
    column: 'Products Administered',
    key: 'productsAdministered',
    noun: 'product',
    plural: 'products',
    fix: 'Use the names of products that exist (product names, not profile names).',
  },
  profile: {
    column: 'Product Configurations Administered',
    key: 'profilesAdministered',
    noun: 'product profile',
    plural: 'product profiles',
    fix: 'Use the names of product profiles that exist (profile names, not product names).',
  },
  group: {
    column: 'User Groups Administered',
    key: 'groupsAdministered',
    noun: 'user group',
    plural: 'user groups',
    fix: 'Create the group first, or fix the name.',
  },
};

const SCOPE_KINDS = Object.keys(SCOPE_COLUMNS) as ScopeKind[];

/** The admin columns Usher reads, as a sentence (`Contracts Administered` is read and ignored). */
export const ADMIN_COLUMNS_TEXT = `${ADMIN_ROLES_COLUMN}, ${SCOPE_KINDS.map((kind) => SCOPE_COLUMNS[kind].column).join(', ')}`;

/** Products, profiles and groups named in admin columns: lower-case name → id and name. */
export type AdminScopeNames = Record<ScopeKind, Map<string, { id: string; name: string }>>;

/** Why a row's admin columns cannot be applied: the first column at fault and the whole story. */
export interface AdminColumnsProblem {
  column: string;
  message: string;
}

/**
 * Whether a row has any admin column. A row without one leaves its user's admin rights as they are.
 * @param record the row
 * @returns true when `Admin Roles` or a scope column is in the file
 */
export function hasAdminColumns(record: UserRecord): boolean {
  return record.adminRoles !== undefined || SCOPE_KINDS.some((kind) => record[SCOPE_COLUMNS[kind].key] !== undefined);
}

/**
 * Finds the products, profiles and groups the admin columns of these rows name, with one query per
 * kind (none when no row names one).
 * @param trx the batch's transaction
 * @param organizationId the tenant
 * @param records the rows
 * @returns per kind, lower-case name → id and name
 */
export async function findAdminScopeNames(
  trx: Transaction<DB>,
  organizationId: string,
  records: UserRecord[],
): Promise<AdminScopeNames> {
  const found: AdminScopeNames = { product: new Map(), profile: new Map(), group: new Map() };
  for (const kind of SCOPE_KINDS) {
    const { key } = SCOPE_COLUMNS[kind];
    const names = [...new Set(records.flatMap((record) => (record[key] ?? []).map((name) => name.toLowerCase())))];
    if (names.length === 0) {
      continue;
    }
    // Through the change engine's one name resolver (case-insensitive), one query per kind.
    const resolved = await resolveNames(trx, organizationId, kind, [{ field: SCOPE_COLUMNS[kind].column, names }]);
    for (const [name, named] of resolved.found) {
      found[kind].set(name, { id: named.id, name: named.name });
    }
  }
  return found;
}

const quoted = (values: string[]) => values.map(show).join(', ');

/**
 * What a row's admin columns say, translated for the users commands (`AdminRolesInPart`): `Admin
 * Roles`, when present, the roles held; a scope column, when present, the scopes of its role (an
 * empty one: none). A column left out is left out of the part, and the command keeps what the user
 * holds for it (`completeAdminRoles`). Unknown roles and names are the row's problem, worded here.
 * @param record the row
 * @param names the scopes named by the batch's rows (findAdminScopeNames)
 * @returns null when the row has no admin column; the part, scopes by name as written; or the problem
 */
export function adminRolesPartOf(
  record: UserRecord,
  names: AdminScopeNames,
): { part: AdminRolesInPart<string> } | { problem: AdminColumnsProblem } | null {
  if (!hasAdminColumns(record)) {
    return null;
  }
  const problems: AdminColumnsProblem[] = [];
  const listed = new Set<AdminRole>();
  const unknownRoles: string[] = [];
  for (const item of record.adminRoles ?? []) {
    const role = adminRoleOf(item);
    if (role) {
      listed.add(role);
    } else {
      unknownRoles.push(item);
    }
  }
  if (unknownRoles.length > 0) {
    problems.push({
      column: ADMIN_ROLES_COLUMN,
      message: `${ADMIN_ROLES_COLUMN}: ${quoted(unknownRoles)} ${unknownRoles.length === 1 ? 'is not an admin role' : 'are not admin roles'}. Write ${ADMIN_ROLE_NAMES.join(', ')} (any case), or leave ${unknownRoles.length === 1 ? 'it' : 'them'} out.`,
    });
  }
  const scopes: Partial<Record<ScopeKind, string[]>> = {};
  for (const kind of SCOPE_KINDS) {
    const { column, key, noun, plural, fix } = SCOPE_COLUMNS[kind];
    const cell = record[key];
    if (cell === undefined) {
      continue;
    }
    const unknown = cell.filter((name) => !names[kind].has(name.toLowerCase()));
    if (unknown.length > 0) {
      problems.push({
        column,
        message: `${column}: no ${unknown.length === 1 ? noun : plural} named ${quoted(unknown)}. ${fix}`,
      });
    }
    scopes[kind] = cell;
  }
  if (problems.length > 0) {
    return {
      problem: { column: problems[0]?.column ?? ADMIN_ROLES_COLUMN, message: problems.map((p) => p.message).join(' ') },
    };
  }
  return { part: { ...(record.adminRoles !== undefined ? { roles: [...listed] } : {}), scopes } };
}

/**
 * A part's scopes found by name (the batch's `findAdminScopeNames`), for `completeAdminRoles`.
 * @param part a row's part (its names are known: `adminRolesPartOf` checked them)
 * @param names the scopes named by the batch's rows
 */
export function resolvedPart(part: AdminRolesInPart<string>, names: AdminScopeNames): AdminRolesInPart {
  const scopes: AdminRolesInPart['scopes'] = {};
  for (const [kind, cell] of Object.entries(part.scopes ?? {}) as [ScopeKind, string[]][]) {
    scopes[kind] = cell.flatMap((name) => names[kind].get(name.toLowerCase()) ?? []);
  }
  return { roles: part.roles, scopes };
}

/**
 * The row's problem when its admin columns leave a scoped role without a scope, in the columns' words.
 * @param given whether the role's scope column is in the file (then empty) or absent
 */
export function missingScopeProblem(role: AdminRole, kind: ScopeKind, given: boolean): AdminColumnsProblem {
  const { column, plural } = SCOPE_COLUMNS[kind];
  const label = ADMIN_ROLE_LABELS[role];
  return {
    column: ADMIN_ROLES_COLUMN,
    message: `${ADMIN_ROLES_COLUMN}: ${label} needs the ${plural} it covers in column "${column}". ${given ? `Fill in "${column}"` : `Add the column "${column}"`}, or take ${label} out of "${ADMIN_ROLES_COLUMN}".`,
  };
}
