/**
 * The bulk CSV file formats (SPEC section 2, docs/CSV.md): the operation types, the columns each
 * type knows, the records a parsed row becomes, and the spelling of identity types.
 */
import type { IdentityType } from '../../../shared/contracts.ts';
import { BULK_TYPES, type BulkType } from '../../../shared/contracts.ts';
import type { AdminRole } from '../../../shared/roles.ts';
import { ADMIN_ROLE_LABELS, IDENTITY_TYPE_LABELS, USER_CSV_HEADERS } from '../../users/users.csv.ts';

export type { IdentityType } from '../../../shared/contracts.ts';

/** The kinds of bulk upload (SPEC section 4), listed in shared/ for the console too. */
export { BULK_TYPES, type BulkType };

/** The types whose files are group files (`User Group Name`, …); all others take user files. */
export const GROUP_FILE_TYPES: readonly BulkType[] = ['add-groups', 'edit-groups'];

/** The columns of a group file, in the order Usher writes them. */
export const GROUP_CSV_HEADERS = ['User Group Name', 'Description', 'User Group Admins', 'Assigned Product Profiles'];

/** The extra columns of a remove-users file: what happens to each removed user's content. */
export const REMOVE_CSV_HEADERS = ['Content Action', 'Transfer To'];

/** The content actions of remove-users, as written in the `Content Action` column. */
export const CONTENT_ACTION_LABELS = {
  'transfer-later': 'Transfer later',
  'transfer-now': 'Transfer now',
  delete: 'Delete',
} as const;
export type ContentAction = keyof typeof CONTENT_ACTION_LABELS;

/** Other spellings accepted for a column, by lower-case spelling → canonical header. */
const HEADER_ALIASES: Record<string, string> = {
  'product profiles': 'Product Configurations',
  'product profiles administered': 'Product Configurations Administered',
  'assigned product configurations': 'Assigned Product Profiles',
};

/** A problem with one row (or one cell) of a file; the row fails, the others go on. */
export interface RowIssue {
  /** The header as written in the file, or null for the whole row. */
  column: string | null;
  /** Stable machine code, e.g. `csv.invalid_email`. */
  code: string;
  /** English, names the column, shows the bad cell and says how to fix it. */
  message: string;
}

/**
 * A user row. A property is `undefined` when its column is absent from the file; an empty cell is
 * null (scalars) or [] (lists).
 */
export interface UserRecord {
  kind: 'user';
  /** null = blank or absent: from the e-mail's domain. */
  identityType: IdentityType | null;
  /** Trimmed; null only when Username and Domain name the user (remove-users). */
  email: string | null;
  username?: string | null;
  domain?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  /** ISO 3166-1 alpha-2, upper-case. */
  country?: string | null;
  /** Usher's id of the user, a uuid (edit-users, remove-users; other types ignore the column). */
  id?: string | null;
  /** Product Configurations / Product Profiles. */
  profiles?: string[];
  /** User Groups. */
  groups?: string[];
  adminRoles?: string[];
  profilesAdministered?: string[];
  groupsAdministered?: string[];
  productsAdministered?: string[];
  contractsAdministered?: string[];
  developerAccess?: string[];
  autoAssignedProducts?: string[];
  /** remove-users only; a blank cell is the default, `transfer-later`. */
  contentAction?: ContentAction;
  /** remove-users with transfer-now: e-mail of the user who receives the content. */
  transferTo?: string | null;
}

/** A group row (add-groups, edit-groups); the name is the key. */
export interface GroupRecord {
  kind: 'group';
  name: string;
  description?: string | null;
  /** Written `<Identity Type>-<e-mail>`. */
  admins?: { identityType: IdentityType; email: string }[];
  profiles?: string[];
}

/** One data row of a file. */
export interface ParsedRow {
  /** 1 = the first data row (blank rows are skipped and not counted). */
  rowNumber: number;
  /** The row's cells as read, aligned with `header.names` (for the results CSV). */
  cells: string[];
  /** null when the row has issues. */
  record: UserRecord | GroupRecord | null;
  issues: RowIssue[];
}

/** The header of a file, as read. */
export interface FileHeader {
  delimiter: ',' | ';';
  /** The headers as written, BOM and surrounding spaces trimmed. */
  names: string[];
  /** The canonical header of each column (e.g. `Product Configurations` for `product profiles`). */
  columns: string[];
}

/** Identity type spellings accepted in files (lower-case) → identity type. */
const IDENTITY_TYPE_SPELLINGS: Record<string, IdentityType> = {
  'adobe id': 'personal',
  'personal id': 'personal',
  'enterprise id': 'enterprise',
  'federated id': 'federated',
  personal: 'personal',
  enterprise: 'enterprise',
  federated: 'federated',
};

/** The identity type spellings of files, as Usher documents them. */
export const IDENTITY_TYPE_NAMES = ['Adobe ID', 'Personal ID', 'Enterprise ID', 'Federated ID'];

/**
 * Reads an identity type cell, case-insensitively.
 * @param value the trimmed cell
 * @returns the identity type, or undefined when the spelling is unknown
 */
export function identityTypeOf(value: string): IdentityType | undefined {
  return IDENTITY_TYPE_SPELLINGS[value.toLowerCase().replace(/\s+/g, ' ')];
}

/**
 * Admin role spellings accepted in `Admin Roles` cells, normalized as `adminRoleOf` does → role:
 * the labels Usher writes (`Product Profile Admin`) and a few other names of the same roles.
 */
const ADMIN_ROLE_SPELLINGS: Record<string, AdminRole> = {
  ...Object.fromEntries(Object.entries(ADMIN_ROLE_LABELS).map(([role, label]) => [label.toLowerCase(), role])),
  'profile admin': 'profile-admin',
  'product configuration admin': 'profile-admin',
  'group admin': 'group-admin',
};

/** The admin role names of files, as Usher writes them. */
export const ADMIN_ROLE_NAMES = Object.values(ADMIN_ROLE_LABELS);

/**
 * Reads one item of an `Admin Roles` cell, case-insensitively; `_` and `-` count as spaces and
 * `Administrator` as `Admin` (so `System Administrator`, `SYSTEM_ADMIN` and `system-admin` read
 * as System Admin).
 * @param value the item
 * @returns the role, or undefined when the name is unknown
 */
export function adminRoleOf(value: string): AdminRole | undefined {
  const key = value
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .replace(/\badministrator\b/g, 'admin');
  return ADMIN_ROLE_SPELLINGS[key];
}

/**
 * The label Usher writes for an identity type (`Personal ID`, `Enterprise ID`, `Federated ID`).
 * @param type the identity type
 * @returns the label
 */
export function identityTypeLabel(type: IdentityType): string {
  return IDENTITY_TYPE_LABELS[type];
}

/**
 * The columns a file of this type may have, in the order Usher writes them.
 * @param type the operation type
 * @returns the canonical headers
 */
export function knownHeaders(type: BulkType): string[] {
  if (GROUP_FILE_TYPES.includes(type)) {
    return [...GROUP_CSV_HEADERS];
  }
  return type === 'remove-users' ? [...USER_CSV_HEADERS, ...REMOVE_CSV_HEADERS] : [...USER_CSV_HEADERS];
}

/**
 * The canonical header of a header cell, matched case-insensitively with spaces collapsed, or
 * undefined when the type does not know it.
 * @param type the operation type
 * @param name the header as written
 * @returns the canonical header
 */
export function canonicalHeader(type: BulkType, name: string): string | undefined {
  const key = name.trim().toLowerCase().replace(/\s+/g, ' ');
  const known = knownHeaders(type);
  const found = known.find((header) => header.toLowerCase() === key);
  if (found) {
    return found;
  }
  const alias = HEADER_ALIASES[key];
  return alias !== undefined && known.includes(alias) ? alias : undefined;
}

/**
 * The header of the results CSV: the file's columns as written, then Status and Message.
 * @param header the uploaded file's header
 * @returns the results header
 */
export function resultsCsvHeader(header: FileHeader): string[] {
  return [...header.names, 'Status', 'Message'];
}
