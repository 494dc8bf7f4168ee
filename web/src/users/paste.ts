/** The review of a pasted list: corrected e-mails and aliases, and what is wrong with each line. */
import type { PastedRow } from '../types.ts';

/** The e-mails one paste may hold (the 1,001st line is refused). */
export const PASTE_MAX = 1000;

export type PasteProblem = NonNullable<PastedRow['problem']>;

/** One line of the review table as the admin edits it. */
export interface ReviewRow {
  line: number;
  input: string;
  /** The e-mail as checked by the server (null: the line was not an e-mail). */
  checkedEmail: string | null;
  identityType: PastedRow['identityType'];
  serverProblem: PastedRow['problem'];
  serverMessage: string | null;
  email: string;
  alias: string;
  /** The admin typed an alias: it no longer follows the e-mail. */
  aliasEdited: boolean;
}

/** A line's current problem; `line` names the earlier line of a duplicate. */
export interface RowProblem {
  problem: PasteProblem;
  line?: number;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The mailbox part of an e-mail: the default alias. */
export function mailboxOf(email: string): string {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(0, at) : email;
}

/** The review rows of a paste-preview answer. */
export function toReviewRows(rows: PastedRow[]): ReviewRow[] {
  return rows.map((row) => ({
    line: row.line,
    input: row.input,
    checkedEmail: row.email,
    identityType: row.identityType,
    serverProblem: row.problem,
    serverMessage: row.message,
    email: row.email ?? row.input.trim(),
    alias: row.alias ?? (row.email ? mailboxOf(row.email) : ''),
    aliasEdited: false,
  }));
}

/**
 * What is wrong with each line now: lines the server found past the limit; a line that is not an
 * e-mail; a repeat of an earlier line (case-insensitive); the server's verdict on an e-mail the
 * admin has not changed (already a user, or not an e-mail by the server's stricter rules); and
 * any good line past the first 1,000 (a corrected line can push one over).
 */
export function reviewProblems(rows: ReviewRow[]): (RowProblem | null)[] {
  const seen = new Map<string, number>();
  let accepted = 0;
  return rows.map((row): RowProblem | null => {
    const problem = lineProblem(row, seen);
    if (problem) {
      return problem;
    }
    accepted += 1;
    return accepted > PASTE_MAX ? { problem: 'too_many' } : null;
  });
}

/** A line's own problem, or null; records good e-mails in `seen` to find later repeats. */
function lineProblem(row: ReviewRow, seen: Map<string, number>): RowProblem | null {
  if (row.serverProblem === 'too_many') {
    return { problem: 'too_many' };
  }
  const email = row.email.trim();
  const unchanged = row.checkedEmail !== null && email === row.checkedEmail;
  if (!EMAIL.test(email) || (row.serverProblem === 'not_an_email' && email === row.input.trim())) {
    return { problem: 'not_an_email' };
  }
  const key = email.toLowerCase();
  const earlier = seen.get(key);
  if (earlier !== undefined) {
    return { problem: 'duplicate', line: earlier };
  }
  seen.set(key, row.line);
  if (unchanged && row.serverProblem === 'already_exists') {
    return { problem: 'already_exists' };
  }
  return null;
}
