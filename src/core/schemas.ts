import { z } from 'zod';
import { LIMITS } from '../../shared/contracts.ts';

export { countedPageOf, pageOf } from '../../shared/api/page.ts';

/** RFC 9457 problem details, with Usher's stable `code` and field-level `errors`. */
export const ProblemSchema = z
  .looseObject({
    type: z.string().meta({ description: 'URI reference naming the problem type (`urn:usher:problem:<code>`).' }),
    title: z.string().meta({ description: 'Short human summary of the problem type.' }),
    status: z.number().int().meta({ description: 'The HTTP status code.' }),
    detail: z.string().meta({ description: 'Human explanation of this occurrence, saying how to fix it.' }),
    code: z.string().meta({ description: 'Stable machine-readable error code, e.g. `auth.invalid_credentials`.' }),
    instance: z.string().optional().meta({ description: 'The request path.' }),
    errors: z
      .array(
        z.object({
          field: z.string().meta({ description: 'Dotted path of the field, e.g. `body.users.3.email`.' }),
          message: z.string(),
        }),
      )
      .optional()
      .meta({ description: 'Field-level problems of a validation error.' }),
  })
  .meta({ id: 'Problem', description: 'An error, as application/problem+json (RFC 9457).' });

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request or invalid input; `errors` names each field.',
  401: 'Not signed in, session ended, or the API token is invalid or revoked.',
  403: 'The caller lacks the permission, or the CSRF token is missing.',
  404: "No such resource in the caller's organization.",
  409: 'Conflicts with the current state (duplicate name, concurrent change).',
  410: 'No longer available.',
  413: 'The request body is larger than the configured limit.',
  415: 'Unsupported Content-Type (send application/json).',
  422: 'Well-formed but refers to something that does not exist or is not allowed.',
  429: 'Too many attempts; retry later.',
};

/**
 * Problem responses for a route's declared error statuses, for validation of the declaration and
 * for the OpenAPI document.
 * @param statuses the 4xx statuses the route may answer
 * @returns a response map to spread into the route schema
 */
export function problems(...statuses: number[]): Record<number, typeof ProblemSchema> {
  return Object.fromEntries(
    [400, ...statuses].map((status) => [
      status,
      ProblemSchema.meta({ description: PROBLEM_DESCRIPTIONS[status] ?? 'Error.' }),
    ]),
  );
}

/** Cursor paging parameters shared by every list. */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.pageSizeMax)
    .default(LIMITS.pageSizeDefault)
    .meta({ description: `Page size, 1–${LIMITS.pageSizeMax} (default ${LIMITS.pageSizeDefault}).` }),
  cursor: z.string().max(200).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

/** A path with one `{id}` that is a UUID. */
export const IdParams = z.object({ id: z.uuid({ message: 'must be a UUID' }).meta({ description: 'The id.' }) });
