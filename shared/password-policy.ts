/**
 * The password policy of administrators, one function for every place a password is chosen: the
 * set-up page, `USHER_ADMIN_PASSWORD`, the `create-org` command (and later password change and
 * reset). It follows NIST SP 800-63B §5.1.1.2: a minimum length, every character allowed (spaces
 * and Unicode included, counted as characters), no composition rules, and a refusal of values
 * that are trivially guessed.
 */
import { LIMITS } from './contracts.ts';

/** Passwords so common that they are the first ones guessed, whatever their length. */
const COMMON = new Set([
  'password1234',
  'password12345',
  'password123456',
  'passwordpassword',
  '123456789012',
  '1234567890123',
  '12345678901234',
  'qwertyuiop12',
  'qwertyuiopasdf',
  'administrator',
  'administrator1',
  'letmeinletmein',
  'changemechangeme',
  'welcome12345',
  'iloveyou1234',
]);

/** Why a password may not be used, or null when it may. */
export type PasswordProblem = 'too_short' | 'too_long' | 'blank' | 'repetitive' | 'common' | 'is_email';

/**
 * Checks a new password.
 * @param password the password as typed
 * @param context the account's e-mail, which the password must not be
 * @returns the problem, or null
 */
export function passwordProblem(password: string, context: { email?: string } = {}): PasswordProblem | null {
  const characters = [...password];
  if (characters.length < LIMITS.passwordMin) {
    return 'too_short';
  }
  if (characters.length > LIMITS.passwordMax) {
    return 'too_long';
  }
  if (password.trim() === '') {
    return 'blank';
  }
  if (new Set(characters).size <= 2) {
    return 'repetitive';
  }
  const folded = password.trim().toLowerCase();
  if (COMMON.has(folded)) {
    return 'common';
  }
  if (context.email && folded === context.email.trim().toLowerCase()) {
    return 'is_email';
  }
  return null;
}

/** The problem in English, saying what to do instead. */
export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
  too_short: `must be at least ${LIMITS.passwordMin} characters`,
  too_long: `must be at most ${LIMITS.passwordMax} characters`,
  blank: 'must not be only spaces',
  repetitive: 'must not repeat one or two characters: use a few unrelated words',
  common: 'is one of the most common passwords: choose another',
  is_email: 'must not be the e-mail address',
};
