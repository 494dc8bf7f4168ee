/**
 * Turning the cells of one row into a UserRecord or GroupRecord, per operation type. Absent
 * columns leave their property undefined; every problem becomes a RowIssue and the record null.
 */
import { LIMITS } from '../../../shared/contracts.ts';
import * as cell from './cells.ts';
import type { BulkType, ContentAction, GroupRecord, ParsedRow, UserRecord } from './formats.ts';
import { CONTENT_ACTION_LABELS, GROUP_FILE_TYPES } from './formats.ts';

/** Where each canonical column is in a file, and how its header is written there. */
export interface ColumnPlan {
  type: BulkType;
  /** canonical header → column index */
  index: Map<string, number>;
  /** header as written, per column index */
  names: string[];
}

const CONTENT_ACTIONS: Record<string, ContentAction> = {
  'transfer later': 'transfer-later',
  'transfer-later': 'transfer-later',
  'transfer now': 'transfer-now',
  'transfer-now': 'transfer-now',
  delete: 'delete',
  'delete permanently': 'delete',
};

/** The list columns of user files and the UserRecord property each fills. */
const USER_LISTS = [
  ['Product Configurations', 'profiles'],
  ['User Groups', 'groups'],
  ['Admin Roles', 'adminRoles'],
  ['Product Configurations Administered', 'profilesAdministered'],
  ['User Groups Administered', 'groupsAdministered'],
  ['Products Administered', 'productsAdministered'],
  ['Contracts Administered', 'contractsAdministered'],
  ['Developer Access', 'developerAccess'],
  ['Auto Assigned Products', 'autoAssignedProducts'],
] as const;

/**
 * Reads one data row.
 * @param plan the file's columns
 * @param values the row's cells, one per column
 * @param issues issues found so far (e.g. the cell count); more are added
 * @returns the record, or null when the row has issues
 */
export function recordOf(plan: ColumnPlan, values: string[], issues: cell.Issues): ParsedRow['record'] {
  const record = GROUP_FILE_TYPES.includes(plan.type)
    ? groupRecord(plan, values, issues)
    : userRecord(plan, values, issues);
  return issues.list.length === 0 ? record : null;
}

/** Runs a cell reader on a column when the file has it: [the header as written, the cell]. */
function column(plan: ColumnPlan, values: string[], header: string): [string, string] | undefined {
  const at = plan.index.get(header);
  return at === undefined ? undefined : [plan.names[at] ?? header, values[at] ?? ''];
}

function userRecord(plan: ColumnPlan, values: string[], issues: cell.Issues): UserRecord {
  const { type } = plan;
  const get = (header: string) => column(plan, values, header);
  const record: UserRecord = { kind: 'user', identityType: null, email: null };
  const typeCell = get('Identity Type');
  if (typeCell) {
    record.identityType = cell.identityType(issues, ...typeCell) ?? null;
  }
  const emailCell = get('Email');
  if (emailCell) {
    record.email = cell.email(issues, ...emailCell) ?? null;
  }
  const members = type === 'add-group-members' || type === 'remove-group-members';
  if (type === 'edit-users' || type === 'remove-users') {
    // add-users ignores ID (a new user gets a new id; Adobe's exports carry Adobe's ids).
    const idCell = get('ID');
    if (idCell) {
      record.id = cell.uuid(issues, ...idCell);
    }
  }
  if (type === 'remove-users') {
    readRemoval(plan, values, issues, record);
    return record;
  }
  if (emailCell && emailCell[1].trim() === '' && record.email === null) {
    issues.add(
      emailCell[0],
      'csv.missing_email',
      `Column "${emailCell[0]}" is empty. Every row needs the user's e-mail address.`,
    );
  }
  if (members) {
    // Member files name users; their other columns (e.g. of an exported user file) are ignored.
    return record;
  }
  for (const [header, key] of [
    ['Username', 'username'],
    ['Domain', 'domain'],
  ] as const) {
    const found = get(header);
    if (found) {
      record[key] = cell.text(issues, ...found, LIMITS.emailMax);
    }
  }
  for (const [header, key] of [
    ['First Name', 'firstName'],
    ['Last Name', 'lastName'],
  ] as const) {
    const found = get(header);
    if (found) {
      record[key] = cell.text(issues, ...found);
    }
  }
  const countryCell = get('Country Code');
  if (countryCell) {
    record.country = cell.country(issues, ...countryCell);
  }
  for (const [header, key] of USER_LISTS) {
    const found = get(header);
    if (found) {
      record[key] = cell.list(issues, ...found);
    }
  }
  return record;
}

/** Remove-users: the user by e-mail or by Username and Domain, and what happens to their content. */
function readRemoval(plan: ColumnPlan, values: string[], issues: cell.Issues, record: UserRecord): void {
  const get = (header: string) => column(plan, values, header);
  for (const [header, key] of [
    ['Username', 'username'],
    ['Domain', 'domain'],
  ] as const) {
    const found = get(header);
    if (found) {
      record[key] = cell.text(issues, ...found, LIMITS.emailMax);
    }
  }
  const before = issues.list.length;
  if (record.email === null && !(record.username && record.domain) && before === 0) {
    issues.add(
      null,
      'csv.missing_user',
      'The row names no user. Fill in Email, or Username and Domain, of the user to remove.',
    );
  }
  const actionCell = get('Content Action');
  const transferCell = get('Transfer To');
  const transferTo = transferCell ? cell.email(issues, ...transferCell) : undefined;
  if (transferCell) {
    record.transferTo = transferTo ?? null;
  }
  let action: ContentAction | undefined;
  if (actionCell) {
    const value = cell.unwrap(actionCell[1]);
    if (value === '') {
      action = transferTo ? 'transfer-now' : 'transfer-later';
    } else if (cell.readable(issues, actionCell[0], value, true)) {
      action = CONTENT_ACTIONS[value.toLowerCase().replace(/\s+/g, ' ')];
      if (action === undefined) {
        issues.add(
          actionCell[0],
          'csv.unknown_content_action',
          `Column "${actionCell[0]}": ${cell.show(value)} is not a content action. Write ${Object.values(CONTENT_ACTION_LABELS).join(', ')}, or leave the cell empty for Transfer later.`,
        );
      }
    }
  } else if (transferTo) {
    action = 'transfer-now';
  }
  if (action !== undefined) {
    record.contentAction = action;
  }
  const transferHeader = transferCell?.[0] ?? 'Transfer To';
  if (action === 'transfer-now' && !transferTo && issues.list.length === before) {
    // Without a Transfer To column the problem is the Content Action cell that asks for it.
    issues.add(
      transferCell?.[0] ?? actionCell?.[0] ?? null,
      'csv.missing_transfer_to',
      transferCell
        ? `"Transfer now" needs the e-mail address of the user who receives the content in column "${transferHeader}".`
        : `"Transfer now" needs the e-mail address of the user who receives the content: add a "${transferHeader}" column and fill it in, or write another content action.`,
    );
  }
  if (transferTo && action !== undefined && action !== 'transfer-now') {
    issues.add(
      transferHeader,
      'csv.transfer_to_conflict',
      `Column "${transferHeader}" is filled in, but the content action is "${CONTENT_ACTION_LABELS[action]}". Write "Transfer now" in "${actionCell?.[0] ?? 'Content Action'}", or clear "${transferHeader}".`,
    );
  }
  if (
    transferTo &&
    record.email !== null &&
    transferTo.toLowerCase() === record.email.toLowerCase() &&
    action === 'transfer-now'
  ) {
    issues.add(
      transferHeader,
      'csv.transfer_to_self',
      `Column "${transferHeader}": the content cannot be transferred to the user being removed (${cell.show(transferTo)}). Name another user.`,
    );
  }
}

function groupRecord(plan: ColumnPlan, values: string[], issues: cell.Issues): GroupRecord {
  const get = (header: string) => column(plan, values, header);
  const nameCell = get('User Group Name');
  const name = nameCell ? cell.text(issues, ...nameCell) : undefined;
  if (nameCell && name === null) {
    issues.add(
      nameCell[0],
      'csv.missing_group_name',
      `Column "${nameCell[0]}" is empty. Every row needs the group's name.`,
    );
  }
  const record: GroupRecord = { kind: 'group', name: name ?? '' };
  const descriptionCell = get('Description');
  if (descriptionCell) {
    record.description = cell.text(issues, ...descriptionCell);
  }
  const adminsCell = get('User Group Admins');
  if (adminsCell) {
    record.admins = cell.admins(issues, ...adminsCell);
  }
  const profilesCell = get('Assigned Product Profiles');
  if (profilesCell) {
    record.profiles = cell.list(issues, ...profilesCell);
  }
  return record;
}
