import { randomUUID } from 'node:crypto';
import type { Client } from './client.ts';
import { ADMIN_PASSWORD } from './instance.ts';

/**
 * Requests shaped exactly as Adobe's clients send them, for protocol tests (written from reading
 * their source; none of their code is here):
 * - umapi-client `umapi_client/auth.py` OAuthS2S: `POST https://<auth_host>/ims/token/v2/` with
 *   `Content-Type: application/x-www-form-urlencoded`, `Cache-Control: no-cache` and the form
 *   `client_id, client_secret, grant_type=client_credentials, scope=openid,AdobeID,user_management_sdk`.
 * - `auth.py` AdobeAuthBase.__call__: every call has `Content-type: application/json`,
 *   `Accept: application/json`, `x-api-key: <client_id>`, `Authorization: Bearer <token>`.
 * - `connection.py` Connection.make_call: `X-Request-Id: <uuid>_<ms>`, `Pragma: umapi-sync-start`
 *   or `umapi-sync-end` once when asked; bodies are `json.dumps` of the action list.
 * - `connection.py` query_multiple: `/users/{org}/{page}[/{quote(group)}][?urlencode(params)]`,
 *   `/groups/{org}/{page}`; query_single: `/organizations/{org}/users/{quote(user, safe='/@')}`.
 */

/** Python's `urllib.parse.quote`: letters, digits, `_.-~` and `safe` stay; the rest is %-encoded UTF-8. */
export function pythonQuote(text: string, safe = '/'): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out +=
      /[A-Za-z0-9_.\-~]/.test(char) || safe.includes(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Python's `urlencode` of a dict of str/bool values (bools as `True`/`False`). */
export function pythonUrlencode(params: Record<string, string | boolean>): string {
  return Object.entries(params)
    .map(
      ([key, value]) =>
        `${pythonQuote(key, '')}=${pythonQuote(String(value === true ? 'True' : value === false ? 'False' : value), '').replaceAll('%20', '+')}`,
    )
    .join('&');
}

/** What the token endpoint answered. */
export interface TokenAnswer {
  status: number;
  body: { access_token?: string; token_type?: string; expires_in?: number; error?: string };
}

/**
 * Asks for an access token as OAuthS2S.refresh_token does.
 * @param path `/ims/token/v2/` (the clients' form) or another spelling to test
 */
export async function requestToken(
  baseUrl: string,
  clientId: string,
  clientSecret: string,
  path = '/ims/token/v2/',
  overrides: Record<string, string> = {},
): Promise<TokenAnswer> {
  const form = new URLSearchParams({
    client_id: clientId,
    client_secret: clientSecret,
    grant_type: 'client_credentials',
    scope: 'openid,AdobeID,user_management_sdk',
    ...overrides,
  });
  const response = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Cache-Control': 'no-cache' },
    body: form.toString(),
  });
  return { status: response.status, body: (await response.json()) as TokenAnswer['body'] };
}

/** A UMAPI connection as umapi-client's Connection makes calls. */
export class UmapiConnection {
  readonly baseUrl: string;
  readonly orgId: string;
  readonly clientId: string;
  token: string;
  readonly uuid = randomUUID();

  constructor(baseUrl: string, orgId: string, clientId: string, token: string) {
    this.baseUrl = baseUrl;
    this.orgId = orgId;
    this.clientId = clientId;
    this.token = token;
  }

  /**
   * One call, with the headers of `make_call` and `AdobeAuthBase.__call__`.
   * @param path below /v2/usermanagement
   * @param body a list of actions (POST), or nothing (GET)
   */
  async call<T = Record<string, unknown>>(
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; headers: Headers; body: T }> {
    const headers: Record<string, string> = {
      'User-Agent': 'umapi-client/3.0.1 Python/3.11.2 (test)',
      'X-Request-Id': `${this.uuid}_${Date.now()}`,
      'Content-type': 'application/json',
      Accept: 'application/json',
      'x-api-key': this.clientId,
      Authorization: `Bearer ${this.token}`,
      ...extra,
    };
    const response = await fetch(`${this.baseUrl}/v2/usermanagement${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
  }

  /** connection.py query_multiple for users: `/users/{org}/{page}[/{group}]?[domain=…&]directOnly=True`. */
  users(page: number, options: { group?: string; domain?: string; directOnly?: boolean } = {}) {
    let path = `/users/${this.orgId}/${page}`;
    if (options.group) {
      path += `/${pythonQuote(options.group)}`;
    }
    const params: Record<string, string | boolean> = {};
    if (options.domain) {
      params.domain = options.domain;
    }
    params.directOnly = options.directOnly ?? true;
    return this.call<UsersPage>(`${path}?${pythonUrlencode(params)}`);
  }

  /** connection.py query_multiple for groups: `/groups/{org}/{page}`. */
  groups(page: number) {
    return this.call<{ result: string; lastPage: boolean; groups: UmapiGroupView[] }>(`/groups/${this.orgId}/${page}`);
  }

  /** connection.py query_single: `/organizations/{org}/users/{user}`. */
  user(login: string) {
    return this.call<{ result: string; user: UmapiUserView }>(
      `/organizations/${this.orgId}/users/${pythonQuote(login, '/@')}`,
    );
  }

  /** connection.py _execute_batch: `POST /action/{org}[?testOnly=true]` with the wire form of the actions. */
  actions(actions: unknown[], testOnly = false) {
    return this.call<ActionAnswer>(`/action/${this.orgId}${testOnly ? '?testOnly=true' : ''}`, actions);
  }
}

export interface UmapiUserView {
  id: string;
  email: string;
  username: string;
  domain: string;
  type: string;
  firstname: string | null;
  lastname: string | null;
  country: string | null;
  status: string;
  groups: string[];
}

export interface UmapiGroupView {
  groupId: string;
  groupName: string;
  type: string;
  memberCount: number;
  productName?: string;
  licenseQuota?: string;
}

export interface UsersPage {
  result: string;
  lastPage: boolean;
  users: UmapiUserView[];
}

export interface ActionAnswer {
  result: string;
  completed: number;
  notCompleted: number;
  completedInTestMode: number;
  errors?: { index: number; step: number; requestID?: string; errorCode: string; message: string }[];
}

/**
 * Creates an integration through the REST API as a system admin would (confirming with the
 * admin's password: the test instance's unless given), and gets an access token.
 * @returns the connection and the integration's ids
 */
export async function connectIntegration(
  admin: Client,
  baseUrl: string,
  input: { name?: string; role?: string; scope?: string[]; password?: string } = {},
): Promise<{ connection: UmapiConnection; id: string; clientId: string; clientSecret: string; orgId: string }> {
  const created = await admin.post<{ id: string; clientId: string; clientSecret: string; orgId: string }>(
    '/api/v1/integrations',
    {
      name: input.name ?? 'User Sync Tool',
      role: input.role ?? 'system-admin',
      ...(input.scope ? { scope: input.scope } : {}),
      password: input.password ?? ADMIN_PASSWORD,
    },
  );
  if (created.status !== 201) {
    throw new Error(`integration not created: ${created.status} ${JSON.stringify(created.body)}`);
  }
  const { clientId, clientSecret, orgId, id } = created.body;
  const token = await requestToken(baseUrl, clientId, clientSecret);
  if (!token.body.access_token) {
    throw new Error(`no access token: ${token.status} ${JSON.stringify(token.body)}`);
  }
  return {
    connection: new UmapiConnection(baseUrl, orgId, clientId, token.body.access_token),
    id,
    clientId,
    clientSecret,
    orgId,
  };
}
