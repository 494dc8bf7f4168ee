/**
 * What Usher writes: the standard templates of each bulk type (header and example rows) and the
 * lines of user and group files. Every file Usher writes can be uploaded again unchanged.
 */
import type { IdentityType } from '../../../shared/contracts.ts';
import { USER_CSV_HEADERS } from '../../users/users.csv.ts';
import {
  type BulkType,
  CONTENT_ACTION_LABELS,
  GROUP_CSV_HEADERS,
  GROUP_FILE_TYPES,
  identityTypeLabel,
  REMOVE_CSV_HEADERS,
} from './formats.ts';

/** A user as a template or export line describes it; missing properties are empty cells. */
export interface UserLine {
  identityType?: IdentityType | null;
  username?: string | null;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  country?: string | null;
  id?: string | null;
  profiles?: string[];
  adminRoles?: string[];
  profilesAdministered?: string[];
  groups?: string[];
  groupsAdministered?: string[];
  productsAdministered?: string[];
  contentAction?: keyof typeof CONTENT_ACTION_LABELS;
  transferTo?: string | null;
}

/** A group as a template or export line describes it. */
export interface GroupLine {
  name: string;
  description?: string | null;
  admins?: { identityType: IdentityType; email: string }[];
  profiles?: string[];
}

const list = (values: string[] | undefined) => (values ?? []).join(',');

/**
 * The cells of a user line under the given headers (USER_CSV_HEADERS and the remove-users columns).
 * @param headers the file's columns
 * @param user the user
 * @returns one cell per header
 */
export function userCsvLine(headers: readonly string[], user: UserLine): string[] {
  const at = user.email.lastIndexOf('@');
  const cells: Record<string, string> = {
    'Identity Type': user.identityType ? identityTypeLabel(user.identityType) : '',
    Username: user.username ?? '',
    Domain: at >= 0 ? user.email.slice(at + 1) : '',
    Email: user.email,
    'First Name': user.firstName ?? '',
    'Last Name': user.lastName ?? '',
    'Country Code': user.country ?? '',
    ID: user.id ?? '',
    'Product Configurations': list(user.profiles),
    'Admin Roles': list(user.adminRoles),
    'Product Configurations Administered': list(user.profilesAdministered),
    'User Groups': list(user.groups),
    'User Groups Administered': list(user.groupsAdministered),
    'Products Administered': list(user.productsAdministered),
    'Content Action': user.contentAction ? CONTENT_ACTION_LABELS[user.contentAction] : '',
    'Transfer To': user.transferTo ?? '',
  };
  return headers.map((header) => cells[header] ?? '');
}

/**
 * The cells of a group line, in GROUP_CSV_HEADERS order; admins as `<Identity Type>-<e-mail>`.
 * @param group the group
 * @returns four cells
 */
export function groupCsvLine(group: GroupLine): string[] {
  return [
    group.name,
    group.description ?? '',
    (group.admins ?? []).map((admin) => `${identityTypeLabel(admin.identityType)}-${admin.email}`).join(','),
    list(group.profiles),
  ];
}

/**
 * The columns of the files Usher writes for a type: the standard template and the current file.
 * @param type the bulk type
 * @param variant the standard template has only the columns the type uses; the current file all
 * @returns the headers
 */
export function templateHeaders(type: BulkType, variant: 'standard' | 'current'): string[] {
  if (GROUP_FILE_TYPES.includes(type)) {
    return [...GROUP_CSV_HEADERS];
  }
  const naming = ['Identity Type', 'Username', 'Domain', 'Email'];
  if (type === 'remove-users') {
    return variant === 'standard' ? [...naming, ...REMOVE_CSV_HEADERS] : [...USER_CSV_HEADERS, ...REMOVE_CSV_HEADERS];
  }
  if ((type === 'add-group-members' || type === 'remove-group-members') && variant === 'standard') {
    return naming;
  }
  return [...USER_CSV_HEADERS];
}

const EXAMPLE_USERS: UserLine[] = [
  {
    identityType: 'federated',
    username: 'jan.novak',
    email: 'jan.novak@example.com',
    firstName: 'Jan',
    lastName: 'Novák',
    country: 'CZ',
    profiles: ['Photoshop - Default', 'Acrobat Pro - Default'],
    groups: ['Designers'],
  },
  {
    identityType: 'enterprise',
    username: 'anna.kowalska',
    email: 'anna.kowalska@example.com',
    firstName: 'Anna',
    lastName: 'Kowalska',
    country: 'PL',
    profiles: ['Acrobat Pro - Default'],
    groups: ['Designers', 'Marketing'],
  },
  { identityType: null, email: 'matti.virtanen@example.org', firstName: 'Matti', lastName: 'Virtanen', country: 'FI' },
];

/**
 * The example rows of a type's standard template, under templateHeaders(type, 'standard').
 * @param type the bulk type
 * @returns the rows
 */
export function standardTemplateRows(type: BulkType): string[][] {
  const headers = templateHeaders(type, 'standard');
  if (GROUP_FILE_TYPES.includes(type)) {
    return [
      groupCsvLine({
        name: 'Designers',
        description: 'Creative team',
        admins: [
          { identityType: 'federated', email: 'test-account@example.com' },
          { identityType: 'enterprise', email: 'anna.kowalska@example.com' },
        ],
        profiles: ['Photoshop - Default', 'Illustrator - Default'],
      }),
      groupCsvLine({ name: 'Marketing', description: '', admins: [], profiles: ['Acrobat Pro - Default'] }),
    ];
  }
  if (type === 'remove-users') {
    const [jan, anna, matti] = EXAMPLE_USERS as [UserLine, UserLine, UserLine];
    return [
      userCsvLine(headers, { ...jan, contentAction: 'transfer-later' }),
      userCsvLine(headers, { ...anna, contentAction: 'transfer-now', transferTo: 'jan.novak@example.com' }),
      userCsvLine(headers, { ...matti, contentAction: 'delete' }),
    ];
  }
  return EXAMPLE_USERS.map((user) => userCsvLine(headers, user));
}
