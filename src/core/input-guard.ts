import type { FieldProblem } from './errors.ts';

/**
 * The one check of control characters at the edge, for every JSON body, SCIM body, query string
 * and path parameter, before any schema or service sees them. PostgreSQL cannot store U+0000 in
 * text or jsonb, and control characters in names break CSV files, e-mail headers and log lines.
 * CSV cells get the same rule as row errors (`csv.unreadable_cell`, src/bulk/csv/cells.ts).
 */

/** Refused everywhere: C0 controls except tab and line breaks, and DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** Refused also in query strings, path parameters, object keys and name-like fields: tab and line breaks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const LINE_CONTROL = /[\u0000-\u001F\u007F\u0085\u2028\u2029]/;
/** A body field whose value is one line: names, e-mails, aliases, countries, and anything under them. */
const SINGLE_LINE_KEY = /(name|email|alias|country|group|profile)s?$/i;
/** Enough problems to fix a request; a body of 10,000 bad values does not get 10,000 lines back. */
const MAX_PROBLEMS = 20;

function describe(value: string, pattern: RegExp): string {
  const at = value.search(pattern);
  const code = value.codePointAt(at)?.toString(16).toUpperCase().padStart(4, '0') ?? '????';
  const where = `U+${code} at character ${at + 1}`;
  return /[\t\n\r\u0085\u2028\u2029]/.test(value[at] ?? '')
    ? `Contains a line break or tab (${where}): this field is one line of text.`
    : `Contains a control character (${where}): remove it; it is not text.`;
}

function walk(value: unknown, path: string, singleLine: boolean, problems: FieldProblem[], depth: number): void {
  if (problems.length >= MAX_PROBLEMS || depth > 64) {
    return;
  }
  if (typeof value === 'string') {
    const pattern = singleLine ? LINE_CONTROL : CONTROL;
    if (pattern.test(value)) {
      problems.push({ field: path, message: describe(value, pattern) });
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      walk(item, `${path}.${index}`, singleLine, problems, depth + 1);
    });
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (LINE_CONTROL.test(key)) {
        problems.push({
          field: `${path}.${JSON.stringify(key)}`,
          message: `The field name ${describe(key, LINE_CONTROL)}`,
        });
        continue;
      }
      walk(child, `${path}.${key}`, singleLine || SINGLE_LINE_KEY.test(key), problems, depth + 1);
    }
  }
}

/**
 * Finds control characters in a request's input.
 * @param input the parsed parts of a request
 * @returns one problem per bad field (at most 20), e.g. `{ field: 'body.name', message }`
 */
export function controlCharacterProblems(input: { query?: unknown; params?: unknown; body?: unknown }): FieldProblem[] {
  const problems: FieldProblem[] = [];
  walk(input.params, 'params', true, problems, 0);
  walk(input.query, 'query', true, problems, 0);
  walk(input.body, 'body', false, problems, 0);
  return problems;
}

/**
 * A text with every control character (tab and line breaks included) removed: for names the
 * server keeps but nobody typed as data, such as an uploaded file's name.
 */
export function withoutControlCharacters(value: string): string {
  return value.replace(new RegExp(LINE_CONTROL.source, 'g'), '');
}
