import assert from 'node:assert/strict';

/** A response as tests look at it. */
export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

type Json = Record<string, unknown>;

/**
 * A small HTTP client over fetch against a real Usher server. Keeps the session cookie and the
 * CSRF token like the console does, or sends a bearer token like an API client.
 */
export class Client {
  readonly baseUrl: string;
  cookie: string | undefined;
  csrfToken: string | undefined;
  bearer: string | undefined;

  constructor(baseUrl: string, bearer?: string) {
    this.baseUrl = baseUrl;
    this.bearer = bearer;
  }

  /** A client that calls with `Authorization: Bearer <token>`. */
  withToken(token: string): Client {
    return new Client(this.baseUrl, token);
  }

  /**
   * Sends a request.
   * @param init `body` is sent as JSON unless `raw` is given; `headers` are added
   */
  async request<T = Json>(
    method: string,
    path: string,
    init: { body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string>; csrf?: boolean } = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.bearer) {
      headers.authorization = `Bearer ${this.bearer}`;
    }
    if (this.cookie) {
      headers.cookie = this.cookie;
    }
    if (this.csrfToken && init.csrf !== false && method !== 'GET') {
      headers['x-csrf-token'] = this.csrfToken;
    }
    let body: string | Uint8Array | undefined = init.raw;
    if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(init.body);
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    const setCookie = response.headers.getSetCookie().find((cookie) => /^(__Host-)?usher_session=/.test(cookie));
    if (setCookie) {
      const value = setCookie.split(';')[0] ?? '';
      this.cookie = value.endsWith('=') ? undefined : value;
    }
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) {
      parsed = JSON.parse(text);
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = Json>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = Json>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body === undefined ? {} : { body });
  }
  patch<T = Json>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, { body });
  }
  delete<T = Json>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** Signs in and keeps the cookie and CSRF token; fails the test when it does not work. */
  async signIn(email: string, password: string): Promise<Json> {
    const response = await this.post('/api/v1/auth/login', { email, password });
    assert.equal(response.status, 200, `sign-in of ${email} failed: ${response.text}`);
    this.csrfToken = String(response.body.csrfToken);
    return response.body;
  }
}

/**
 * Asserts that a response is a problem+json error with this status and code.
 * @returns the problem body
 */
export function expectProblem(response: TestResponse, status: number, code: string): Json {
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${response.text}`);
  assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
  const body = response.body as Json;
  assert.equal(body.code, code);
  assert.equal(body.status, status);
  assert.equal(typeof body.detail, 'string');
  return body;
}
