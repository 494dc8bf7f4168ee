import assert from 'node:assert/strict';
import { Client, type TestResponse } from './client.ts';
import { ADMIN_PASSWORD, type TestInstance } from './instance.ts';

type Json = Record<string, unknown>;

/** A SCIM client: bearer token, application/scim+json bodies, paths relative to /scim/v2. */
export class ScimClient {
  readonly client: Client;

  constructor(baseUrl: string, token: string) {
    this.client = new Client(baseUrl, token);
  }

  request<T = Json>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.client.request<T>(method, `/scim/v2${path}`, {
      ...(body === undefined ? {} : { raw: JSON.stringify(body) }),
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }), ...headers },
    });
  }
  get<T = Json>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = Json>(path: string, body: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T = Json>(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', path, body, headers);
  }
  patch<T = Json>(path: string, operations: unknown[], headers?: Record<string, string>) {
    return this.request<T>(
      'PATCH',
      path,
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations },
      headers,
    );
  }
  delete(path: string, headers?: Record<string, string>) {
    return this.request('DELETE', path, undefined, headers);
  }
}

/**
 * Creates a SCIM token in Settings → SCIM as the instance's first admin.
 * @returns a SCIM client using it, and the token's id
 */
export async function scimClient(
  instance: TestInstance,
  name = 'IdP',
): Promise<{ scim: ScimClient; tokenId: string; token: string }> {
  const admin = await instance.signIn();
  const created = await admin.post<{ id: string; token: string }>('/api/v1/scim/tokens', {
    name,
    password: ADMIN_PASSWORD,
  });
  assert.equal(created.status, 201, created.text);
  return {
    scim: new ScimClient(instance.baseUrl, created.body.token),
    tokenId: created.body.id,
    token: created.body.token,
  };
}

/**
 * Asserts a SCIM error response (RFC 7644 §3.12).
 * @returns the body
 */
export function expectScimError(response: TestResponse, status: number, scimType?: string): Json {
  assert.equal(
    response.status,
    status,
    `expected ${status} ${scimType ?? ''}, got ${response.status}: ${response.text}`,
  );
  assert.match(response.headers.get('content-type') ?? '', /application\/scim\+json/);
  const body = response.body as Json;
  assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(body.status, String(status));
  assert.equal(body.scimType, scimType);
  assert.equal(typeof body.detail, 'string');
  return body;
}

/** A SCIM User body as identity providers send it. */
export function scimUser(userName: string, extra: Json = {}): Json {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}
