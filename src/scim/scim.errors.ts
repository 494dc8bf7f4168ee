import type { ItemOutcome } from '../changes/runner.ts';
import { AppError } from '../core/errors.ts';

/**
 * SCIM errors (RFC 7644 §3.12): every failure under /scim/v2 leaves as
 * `urn:ietf:params:scim:api:messages:2.0:Error` with `status` as a string and, where the RFC names
 * one, a `scimType`. See https://www.rfc-editor.org/rfc/rfc7644#section-3.12.
 */

/** The schema URN of a SCIM error response. */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * The `scimType` values of RFC 7644 Table 9, plus `tooLarge` for a payload over
 * `bulk.maxPayloadSize` / `bulk.maxOperations` (413, §3.7.4).
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'tooLarge';

/** An error to answer with the SCIM error schema. */
export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;

  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }
}

/** The body of a SCIM error response. */
export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/**
 * Builds a SCIM error body.
 * @param status the HTTP status
 * @param detail a human message
 * @param scimType the RFC 7644 error type, when one applies
 * @returns the body to send as application/scim+json
 */
export function scimErrorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

/** 400 invalidValue: a value the server cannot accept. */
export function invalidValue(detail: string): ScimError {
  return new ScimError(400, 'invalidValue', detail);
}

/** What a provider does about a refusal, where the REST wording does not say it in SCIM terms. */
const SCIM_HINTS: Record<string, string> = {
  'groups.unknown_users':
    'A member must be a user of Usher first: create it (POST /Users), then add it to the group; nothing was changed.',
  'groups.removed_users': 'A user with active false joins no group: set active true first; nothing was changed.',
};

/**
 * Translates any error thrown under /scim/v2 into a SCIM error: SCIM errors pass through, Usher's
 * AppErrors keep their status and message with the matching `scimType` (409 → uniqueness, a
 * read-only user → mutability, 422 refusals → 400 invalidValue, as RFC 7644 lists no 422).
 * @param error what was thrown (already passed through constraintError)
 * @returns the SCIM error, or null for an unknown error (a 500)
 */
export function toScimError(error: unknown): ScimError | null {
  if (error instanceof ScimError) {
    return error;
  }
  if (error instanceof AppError) {
    if (error.status === 409) {
      // A user or group another source manages is no uniqueness problem: no scimType fits it.
      if (error.code === 'users.not_managed' || error.code === 'groups.not_managed') {
        return new ScimError(409, undefined, error.message);
      }
      return new ScimError(409, error.code === 'users.read_only' ? 'mutability' : 'uniqueness', error.message);
    }
    if (error.status === 422 || error.status === 400) {
      // The problems' messages, without the REST field paths (`body.userIds.0`) a SCIM client never sent.
      const fields = error.errors?.map((problem) => problem.message).join('; ');
      const detail = [fields ? `${error.message} (${fields})` : error.message, SCIM_HINTS[error.code]]
        .filter(Boolean)
        .join(' ');
      // An e-mail the organization may not give this user is a value Usher does not let the
      // provider change, not a malformed one.
      return new ScimError(400, error.code === 'users.email_not_changeable' ? 'mutability' : 'invalidValue', detail);
    }
    return new ScimError(error.status, undefined, error.message);
  }
  return null;
}

/**
 * The outcomes of a change engine command, when every item applied: a failed item becomes its
 * SCIM error, and the caller's transaction rolls the whole request back.
 * @returns the outcomes
 * @throws ScimError for the first failed item
 */
export function succeeded<S>(outcomes: ItemOutcome<S>[]): ItemOutcome<S>[] {
  const failed = outcomes.find((outcome) => outcome.status === 'failed');
  if (failed) {
    const error = new AppError(failed.code, failed.httpStatus ?? 400, failed.message ?? failed.code, {
      ...(failed.problems ? { errors: failed.problems } : {}),
    });
    throw toScimError(error) ?? new ScimError(error.status, undefined, error.message);
  }
  return outcomes;
}
