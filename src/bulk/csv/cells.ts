/**
 * Reading single cells of a bulk CSV row: quote clean-up, lists, e-mails, identity types,
 * countries, ids and group admins. Every reader either returns the value or adds a RowIssue that
 * shows the cell and says how to fix it.
 */
import countries from 'i18n-iso-countries';
import { regexes } from 'zod';
import { LIMITS } from '../../../shared/contracts.ts';
import type { IdentityType, RowIssue } from './formats.ts';
import { IDENTITY_TYPE_NAMES, identityTypeOf } from './formats.ts';

/** Typographic quotes that spreadsheet auto-correct and word processors put in place of " and '. */
const SMART_QUOTES = /[\u2018\u2019\u201A\u201B\u201C\u201D\u201E\u201F\u00AB\u00BB]/;
/** Control characters (other than tab) and the replacement character: bytes nobody meant to type. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const UNREADABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The cell of a formula-injection guard on export (src/core/csv.ts): `'` before what it guards. */
const GUARDED = /^'(?=[\s\u00A0\u3000"]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20])/;

/** Collects the issues of one row, with the column names as written in the file. */
export class Issues {
  readonly list: RowIssue[] = [];
  add(column: string | null, code: string, message: string): void {
    this.list.push({ column, code, message });
  }
}

/** Shows a cell in a message: quoted, shortened when long. */
export function show(value: string): string {
  const short = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  return JSON.stringify(short);
}

/**
 * Removes the quotes around a cell that spreadsheet programs or people add on top of CSV quoting
 * (`"'A,B'"`, `"""A,B"""`), and the apostrophe of Usher's own formula guard.
 * @param value the cell as parsed
 * @returns the trimmed cell without wrapping quotes
 */
export function unwrap(value: string): string {
  let cell = value.trim();
  for (;;) {
    const first = cell[0];
    if (cell.length >= 2 && (first === '"' || first === "'") && cell.endsWith(first)) {
      cell = cell.slice(1, -1).trim();
    } else {
      break;
    }
  }
  return GUARDED.test(cell) ? cell.slice(1) : cell;
}

/**
 * Checks a cell for typographic quotes and unreadable characters.
 * @param issues where to report
 * @param column the header as written
 * @param value the cell (unwrapped)
 * @param strict whether any smart quote is wrong (lists, e-mails, codes), or only around the cell
 *   (names and descriptions may contain a typographic apostrophe, as in O’Brien)
 * @returns false when the cell cannot be used
 */
export function readable(issues: Issues, column: string, value: string, strict: boolean): boolean {
  if (UNREADABLE.test(value)) {
    issues.add(
      column,
      'csv.unreadable_cell',
      `Column "${column}": the cell ${show(value)} contains unreadable characters (control characters or bytes that were not text). Retype the cell and save the file as "CSV UTF-8".`,
    );
    return false;
  }
  const wrapped = SMART_QUOTES.test(value[0] ?? '') || SMART_QUOTES.test(value.at(-1) ?? '');
  if (wrapped || (strict && SMART_QUOTES.test(value))) {
    issues.add(
      column,
      'csv.smart_quotes',
      `Column "${column}": the cell ${show(value)} contains typographic ("smart") quotes such as “ ” ‘ ’. Replace them with straight double quotes (") or apostrophes ('), or remove them; turn off "smart quotes" auto-correct in the program that wrote the file.`,
    );
    return false;
  }
  if (strict && value.includes('"')) {
    issues.add(
      column,
      'csv.unreadable_cell',
      `Column "${column}": the cell ${show(value)} has a stray double quote. Enclose the whole cell in double quotes or apostrophes, e.g. "Profile A,Profile B", and remove quotes inside it.`,
    );
    return false;
  }
  return true;
}

/**
 * A single text value: null when blank, an issue when too long.
 * @returns the text, null, or undefined after an issue
 */
export function text(
  issues: Issues,
  column: string,
  cell: string,
  max: number = LIMITS.nameMax,
): string | null | undefined {
  const value = unwrap(cell);
  if (!readable(issues, column, value, false)) {
    return undefined;
  }
  if (value.length > max) {
    issues.add(
      column,
      'csv.too_long',
      `Column "${column}": the cell ${show(value)} has ${value.length} characters; at most ${max} are allowed. Shorten it.`,
    );
    return undefined;
  }
  return value === '' ? null : value;
}

/**
 * A comma-separated list (`A,B` in double quotes or apostrophes); blanks and repeats dropped.
 * @returns the items ([] for an empty cell), or undefined after an issue
 */
export function list(issues: Issues, column: string, cell: string): string[] | undefined {
  const value = unwrap(cell);
  if (!readable(issues, column, value, true)) {
    return undefined;
  }
  const items = new Set<string>();
  for (const part of value.split(',')) {
    const item = unwrap(part);
    if (item.length > LIMITS.nameMax) {
      issues.add(
        column,
        'csv.too_long',
        `Column "${column}": the item ${show(item)} has ${item.length} characters; at most ${LIMITS.nameMax} are allowed.`,
      );
      return undefined;
    }
    if (item !== '') {
      items.add(item);
    }
  }
  return [...items];
}

/** Whether a string is an e-mail address, by the same rule as the API (zod's). */
export function isEmail(value: string): boolean {
  return value.length <= LIMITS.emailMax && regexes.email.test(value);
}

/**
 * An e-mail address cell.
 * @returns the trimmed address, null when blank, undefined after an issue
 */
export function email(issues: Issues, column: string, cell: string): string | null | undefined {
  const value = unwrap(cell);
  if (!readable(issues, column, value, true)) {
    return undefined;
  }
  if (value === '') {
    return null;
  }
  if (!isEmail(value)) {
    issues.add(
      column,
      'csv.invalid_email',
      `Column "${column}": ${show(value)} is not an e-mail address. Write one address such as jan.novak@example.com, without spaces, names or angle brackets.`,
    );
    return undefined;
  }
  return value;
}

/**
 * An identity type cell: `Adobe ID` / `Personal ID`, `Enterprise ID`, `Federated ID`.
 * @returns the type, null when blank, undefined after an issue
 */
export function identityType(issues: Issues, column: string, cell: string): IdentityType | null | undefined {
  const value = unwrap(cell);
  if (!readable(issues, column, value, true)) {
    return undefined;
  }
  if (value === '') {
    return null;
  }
  const type = identityTypeOf(value);
  if (type === undefined) {
    issues.add(
      column,
      'csv.unknown_identity_type',
      `Column "${column}": ${show(value)} is not an identity type. Write ${IDENTITY_TYPE_NAMES.join(', ')}, or leave the cell empty to take the type from the e-mail's domain.`,
    );
  }
  return type;
}

/**
 * A country cell: an ISO 3166-1 alpha-2 code, upper-cased.
 * @returns the code, null when blank, undefined after an issue
 */
export function country(issues: Issues, column: string, cell: string): string | null | undefined {
  const value = unwrap(cell);
  if (!readable(issues, column, value, true)) {
    return undefined;
  }
  if (value === '') {
    return null;
  }
  const code = value.toUpperCase();
  if (code.length !== 2 || !countries.isValid(code)) {
    issues.add(
      column,
      'csv.invalid_country',
      `Column "${column}": ${show(value)} is not a two-letter ISO 3166-1 country code. Write e.g. PL, CZ, FI or US, or leave the cell empty.`,
    );
    return undefined;
  }
  return code;
}

/**
 * An `ID` cell: Usher's id of the user.
 * @returns the id (lower-case), null when blank, undefined after an issue
 */
export function uuid(issues: Issues, column: string, cell: string): string | null | undefined {
  const value = unwrap(cell);
  if (value === '') {
    return null;
  }
  if (!UUID.test(value)) {
    issues.add(
      column,
      'csv.invalid_id',
      `Column "${column}": ${show(value)} is not an Usher user id. The ID column is internal: keep the value from Usher's current-users file unchanged, or clear the cell or remove the column.`,
    );
    return undefined;
  }
  return value.toLowerCase();
}

const ADMIN_PREFIXES = IDENTITY_TYPE_NAMES.map((name) => `${name.toLowerCase()}-`);

/**
 * A `User Group Admins` cell: `<Identity Type>-<e-mail>` items. The e-mail may itself contain
 * hyphens, so the item is split after the known identity-type prefix, not at the first hyphen.
 * @returns the admins ([] for an empty cell), or undefined after an issue
 */
export function admins(
  issues: Issues,
  column: string,
  cell: string,
): { identityType: IdentityType; email: string }[] | undefined {
  const items = list(issues, column, cell);
  if (items === undefined) {
    return undefined;
  }
  const result: { identityType: IdentityType; email: string }[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    const lower = item.toLowerCase();
    const prefix = ADMIN_PREFIXES.find((candidate) => lower.startsWith(candidate));
    const type = prefix === undefined ? undefined : identityTypeOf(item.slice(0, prefix.length - 1));
    const address = prefix === undefined ? '' : item.slice(prefix.length).trim();
    if (type === undefined || !isEmail(address)) {
      issues.add(
        column,
        'csv.invalid_group_admin',
        `Column "${column}": ${show(item)} is not an admin. Write each admin as <Identity Type>-<e-mail>, e.g. Federated ID-jan.novak@example.com, separated by commas, with the whole cell in double quotes or apostrophes.`,
      );
      return undefined;
    }
    const key = `${type}:${address.toLowerCase()}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push({ identityType: type, email: address });
    }
  }
  return result;
}
