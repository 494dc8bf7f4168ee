/**
 * Errors of the Adobe User Management API adapter. Requests that fail as a whole (authentication,
 * organization, paging, a malformed batch, throttling) answer with an HTTP status and
 * `{"error_code","message"}`; Adobe's clients read only the status and show the text
 * (umapi-client `connection.py` APIResult.check_result raises RequestError/ServerError with it).
 * Failures of single commands inside an action batch are not errors of the request: they are
 * entries of the 200 answer's `errors[]` (see umapi.actions.ts).
 */
export class UmapiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  /** Seconds the client should wait (429 and 503 send `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, errorCode: string, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'UmapiError';
    this.status = status;
    this.errorCode = errorCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Error codes of the token endpoint, from OAuth 2.0 (RFC 6749 section 5.2). */
export const OAuthErrorCodes = {
  invalidRequest: 'invalid_request',
  invalidClient: 'invalid_client',
  unsupportedGrantType: 'unsupported_grant_type',
} as const;

/** An error of the token endpoint: `{"error","error_description"}` (RFC 6749 section 5.2). */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;

  constructor(status: number, error: string, description: string) {
    super(description);
    this.name = 'OAuthError';
    this.status = status;
    this.error = error;
  }
}

/**
 * The `errorCode`s of `errors[]` entries in an action batch answer. Errors raised by Usher's
 * services keep their own stable code, prefixed `error.` (e.g. `error.licenses.insufficient`).
 */
export const UmapiStepErrorCodes = {
  malformed: 'error.command.malformed',
  unknownCommand: 'error.command.unknown',
  userNotFound: 'error.user.nonexistent',
  userExists: 'error.user.already_exists',
  identityType: 'error.user.identity_type',
  usernameChange: 'error.user.username_not_changeable',
  groupNotFound: 'error.group.not_found',
  groupAmbiguous: 'error.group.ambiguous',
  groupExists: 'error.group.already_exists',
  adminGroup: 'error.group.admin_not_supported',
  internal: 'error.internal',
} as const;
