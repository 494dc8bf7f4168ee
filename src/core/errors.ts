/**
 * Usher's one error type and the codes of the cross-cutting errors. Feature folders declare their
 * own codes in `<feature>.errors.ts`; the console shows each code's message in the admin's language
 * (web/src/i18n/locales/<lang>.json, key `errors.<code>`).
 */

/** Codes of errors any endpoint can answer with. */
export const HttpErrorCodes = {
  validationFailed: 'request.validation_failed',
  malformedJson: 'request.malformed_json',
  unsupportedMediaType: 'request.unsupported_media_type',
  bodyTooLarge: 'request.body_too_large',
  notFound: 'request.not_found',
  methodNotAllowed: 'request.method_not_allowed',
  conflict: 'request.conflict',
  internal: 'server.internal_error',
  unavailable: 'server.unavailable',
} as const;

/** A field-level validation problem: which field, and what is wrong with it. */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `users.3.email` or `limit`. */
  field: string;
  message: string;
}

/**
 * An error with a stable machine-readable code, an HTTP status and a human message. The edge
 * handler turns it into an `application/problem+json` body (RFC 9457).
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly errors: FieldProblem[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { errors?: FieldProblem[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.errors = options.errors;
    this.extra = options.extra;
  }
}

/**
 * Throws an AppError unless `condition` holds; narrows the type for the code after it.
 * @param condition the invariant
 * @param code the error code to throw with
 * @param status the HTTP status
 * @param message the human message
 * @throws AppError when the condition is false
 */
export function assertThat(condition: unknown, code: string, status: number, message: string): asserts condition {
  if (!condition) {
    throw new AppError(code, status, message);
  }
}

/** Shorthand for a 404 that never says whether the thing exists in another organization. */
export function notFound(what: string): AppError {
  return new AppError(HttpErrorCodes.notFound, 404, `${what} not found.`);
}
