import { sql } from 'kysely';
import { z } from 'zod';
import type { PastedRow, PastePreview } from '../../shared/api/users.ts';
import type { AppContext } from '../context.ts';
import { emailDomain, resolveDomainStandings } from '../domains/identity.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { mailboxOf } from './users.service.ts';

/** Most e-mails one pasted list may hold (seed 000). */
export const PASTE_MAX_LINES = 1000;

const isEmail = (value: string) => z.email().safeParse(value).success;

/**
 * Splits a list separator-wise: at `;` and `,` outside double quotes and angle brackets, so
 * `"Kowalski, Jan" <jan@example.com>` stays one part.
 */
function splitOutsideQuotes(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let angled = false;
  for (const char of line) {
    if (char === '"' && !angled) {
      quoted = !quoted;
    } else if (char === '<' && !quoted) {
      angled = true;
    } else if (char === '>' && !quoted) {
      angled = false;
    }
    if ((char === ';' || char === ',') && !quoted && !angled) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * The addresses of one pasted line, as mail programs copy them: a bare e-mail, `Name <e-mail>`,
 * `"Last, First" <e-mail>`, `Last, First <e-mail>` (Outlook), `mailto:` links, and several of
 * these separated by `;` or `,`. A part that is not an address is kept as typed, so the review
 * can say what is wrong with it.
 * @param line one line of the pasted text
 * @returns the line's entries (addresses, or the text that is not one), without blanks
 */
export function addressesOfLine(line: string): string[] {
  const entries: string[] = [];
  const keep = (entry: string) => {
    if (entry.trim()) {
      entries.push(entry.trim());
    }
  };
  // A part without "@" may be a name split at its comma (`Kowalski, Jan <jan@…>`): it joins the
  // next part when that one ends with an address in angle brackets; otherwise it stands alone.
  let pending = '';
  for (const part of splitOutsideQuotes(line)) {
    if (!part.trim()) {
      continue;
    }
    if (!part.includes('@')) {
      pending = pending ? `${pending},${part}` : part;
      continue;
    }
    const bracketed = /<([^<>]*)>\s*$/.exec(part);
    if (!bracketed) {
      keep(pending);
    }
    pending = '';
    keep(
      (bracketed ? (bracketed[1] ?? '') : part)
        .trim()
        .replace(/^mailto:/i, '')
        .replace(/^["']+|["']+$/g, ''),
    );
  }
  keep(pending);
  return entries;
}

/**
 * Checks a pasted list of e-mails without adding anyone: one per line, or as mail programs copy
 * them (`Name <e-mail>`, several on a line separated by `;` or `,`; see addressesOfLine). Each
 * address gets a row with its line number, e-mail, default alias (the mailbox name) and identity
 * type, or the problem that stops it.
 * @param text the pasted text
 * @returns the rows and how many can be added
 * @throws AppError 403 without `user.create`
 */
export async function previewPastedList(ctx: AppContext, actor: Actor, text: string): Promise<PastePreview> {
  authorize(actor, 'user.create');
  const all = text
    .split(/\r\n|\r|\n/)
    .flatMap((input, index) => addressesOfLine(input).map((entry) => ({ input: entry, line: index + 1 })));
  // Addresses past the limit are not checked one by one: they are one problem, after the rows.
  const lines = all.slice(0, PASTE_MAX_LINES);
  const beyond = all.slice(PASTE_MAX_LINES);
  const emails = lines.filter((entry) => isEmail(entry.input)).map((entry) => entry.input);
  const standings = await resolveDomainStandings(ctx.db, actor.organizationId, emails.map(emailDomain));
  const existing = emails.length
    ? await ctx.db
        .selectFrom('users')
        .select(['email', 'identity_type'])
        .where('organization_id', '=', actor.organizationId)
        .where(
          sql<string>`lower(email)`,
          'in',
          emails.map((email) => email.toLowerCase()),
        )
        .execute()
    : [];
  const existingKeys = new Set(existing.map((user) => `${user.email.toLowerCase()}|${user.identity_type}`));
  const seen = new Map<string, number>();
  let counted = 0;
  const rows = lines.map(({ input, line }): PastedRow => {
    const base = { line, input, email: null, alias: null, identityType: null };
    if (!isEmail(input)) {
      return { ...base, problem: 'not_an_email', message: 'Not an e-mail address: correct it or remove the line.' };
    }
    const identityType = standings.get(emailDomain(input))?.identityType ?? 'personal';
    const key = `${input.toLowerCase()}|${identityType}`;
    const full = { ...base, email: input, alias: mailboxOf(input), identityType };
    const first = seen.get(key);
    if (first !== undefined) {
      return { ...full, problem: 'duplicate', message: `Same e-mail as line ${first}: it is added once.` };
    }
    seen.set(key, line);
    if (existingKeys.has(key)) {
      return { ...full, problem: 'already_exists', message: 'Already a user of the organization.' };
    }
    counted += 1;
    return { ...full, problem: null, message: null };
  });
  const first = beyond[0];
  if (first) {
    rows.push({
      line: first.line,
      input: `${beyond.length} more lines`,
      email: null,
      alias: null,
      identityType: null,
      problem: 'too_many',
      message: `A list holds at most ${PASTE_MAX_LINES} lines: the ${beyond.length} lines from line ${first.line} on were not checked. Paste them as another list.`,
    });
  }
  return { rows, accepted: counted };
}
