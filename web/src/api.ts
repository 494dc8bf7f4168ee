/**
 * The console's one way to call the API: JSON in and out, the CSRF token on every write, and
 * problem+json errors turned into ApiError. The CSRF token lives only in memory.
 */

/** A field-level problem of a validation error. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** An error answer of the API (application/problem+json), or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldProblem[];
  /** The whole problem document, for members beyond the standard ones (e.g. `deficits`). */
  readonly problem: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    detail: string,
    errors: FieldProblem[] = [],
    problem: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.errors = errors;
    this.problem = problem;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: ((error: ApiError) => void) | null = null;

/** Remembers the CSRF token of the current session (null after sign-out). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Sets what happens when a call answers 401 (the session ended): back to the sign-in page. */
export function setUnauthorizedHandler(handler: ((error: ApiError) => void) | null): void {
  onUnauthorized = handler;
}

interface RequestOptions {
  body?: unknown;
  /** A multipart/form-data body (file uploads); the browser sets its content type and boundary. */
  form?: FormData;
  /** Do not treat a 401 as an ended session (sign-in itself, the first session check). */
  ignoreUnauthorized?: boolean;
  signal?: AbortSignal;
}

async function toApiError(response: Response): Promise<ApiError> {
  let problem: Record<string, unknown> & { code?: unknown; detail?: unknown; errors?: unknown } = {};
  try {
    problem = (await response.json()) as typeof problem;
  } catch {
    // Not JSON (a proxy's error page): fall back to the status line.
  }
  const code = typeof problem.code === 'string' ? problem.code : `http.${response.status}`;
  const detail = typeof problem.detail === 'string' ? problem.detail : response.statusText;
  const errors = Array.isArray(problem.errors) ? (problem.errors as FieldProblem[]) : [];
  return new ApiError(response.status, code, detail, errors, problem);
}

/**
 * Calls the API.
 * @param method HTTP method
 * @param path path under the origin, e.g. `/api/v1/auth/session`
 * @returns the parsed JSON body (undefined for 204)
 * @throws ApiError for error answers and network failures
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  if (method !== 'GET' && csrfToken) {
    headers['x-csrf-token'] = csrfToken;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') {
      throw error;
    }
    throw new ApiError(0, 'network.unreachable', error instanceof Error ? error.message : String(error));
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && !options.ignoreUnauthorized) {
      onUnauthorized?.(error);
    }
    throw error;
  }
  if (response.status === 204) {
    return undefined as T;
  }
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PATCH', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, { ...options, body }),
  delete: <T = undefined>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
  /** POSTs a multipart/form-data body (a CSV upload) with the CSRF token and no JSON content type. */
  upload: <T>(path: string, form: FormData, options?: RequestOptions) => request<T>('POST', path, { ...options, form }),
};

/** A query string of the non-empty values, with its leading `?` (or empty). */
export function queryString(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value) {
      search.set(key, value);
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
