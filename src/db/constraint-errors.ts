import { AppError, HttpErrorCodes } from '../core/errors.ts';

/** What a violated constraint means to the caller: code, status, message and the field to fix. */
export interface ConstraintMeaning {
  code: string;
  status: number;
  message: string;
  field: string;
}

/**
 * Named constraints (`table__columns`) that a request can violate, mapped to the errors of the
 * capability that owns them. The database is the last word on uniqueness (two requests at once),
 * and this turns its refusal into the same answer a service check would give. Each capability
 * registers its constraints from its `<feature>.errors.ts`, so this module imports none of them.
 */
const CONSTRAINTS = new Map<string, ConstraintMeaning>();

/**
 * Registers what violating each of these named constraints means.
 * @param meanings constraint name → meaning
 * @throws Error when a constraint is registered twice with another meaning (a programming error)
 */
export function registerConstraints(meanings: Record<string, ConstraintMeaning>): void {
  for (const [name, meaning] of Object.entries(meanings)) {
    const known = CONSTRAINTS.get(name);
    if (known && JSON.stringify(known) !== JSON.stringify(meaning)) {
      throw new Error(`constraint ${name} is registered twice`);
    }
    CONSTRAINTS.set(name, meaning);
  }
}

/**
 * Translates a database error about a known constraint into an AppError.
 * @param error anything thrown by a query
 * @returns the AppError, or undefined when the error is not a known constraint violation
 */
export function constraintError(error: unknown): AppError | undefined {
  const constraint = (error as { constraint?: unknown }).constraint;
  const meaning = typeof constraint === 'string' ? CONSTRAINTS.get(constraint) : undefined;
  if (meaning) {
    return new AppError(meaning.code, meaning.status, meaning.message, {
      errors: [{ field: meaning.field, message: meaning.message }],
      cause: error,
    });
  }
  // Any other unique or foreign-key violation is a change that raced another one: a conflict, not a 500.
  const sqlState = (error as { code?: unknown }).code;
  if (sqlState === '23505' || sqlState === '23503') {
    return new AppError(
      HttpErrorCodes.conflict,
      409,
      'Something this change refers to was changed or deleted at the same moment: reload and try again.',
      { cause: error },
    );
  }
  return undefined;
}
