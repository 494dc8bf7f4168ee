import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expectProblem } from '../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../test/support/instance.ts';

describe('HTTP edge: health, OpenAPI, bad input', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({ USHER_BODY_LIMIT_BYTES: '4096' });
  });
  after(() => instance.close());

  test('GET /healthz answers 200 {"status":"ok"} once migrated', async () => {
    const response = await instance.anonymous().get('/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 'ok' });
  });

  test('GET /api/openapi.json is a valid OpenAPI 3.1 document of /api/v1, every operation documented', async () => {
    const response = await instance.anonymous().get<Record<string, unknown>>('/api/openapi.json');
    assert.equal(response.status, 200);
    const document = response.body as {
      openapi: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    assert.equal(document.openapi, '3.1.0');
    const result = await new Validator().validate(document as never);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    const paths = Object.keys(document.paths);
    assert.ok(paths.length >= 8);
    for (const [path, operations] of Object.entries(document.paths)) {
      assert.ok(path.startsWith('/api/v1/'), `${path} is under /api/v1`);
      for (const [method, operation] of Object.entries(operations)) {
        for (const field of ['summary', 'description', 'tags']) {
          assert.ok(operation[field], `${method.toUpperCase()} ${path} has a ${field}`);
        }
      }
    }
    for (const expected of [
      '/api/v1/auth/login',
      '/api/v1/api-tokens/{id}',
      '/api/v1/audit-events',
      '/api/v1/audit-events.csv',
    ]) {
      assert.ok(paths.includes(expected), expected);
    }
    const login = document.paths['/api/v1/auth/login']?.post as {
      requestBody: { content: Record<string, { schema: unknown }> };
    };
    const body = JSON.stringify(login.requestBody.content['application/json']?.schema);
    assert.match(body, /"email"/, 'the document is generated from the schemas that validate requests');
  });

  test('a readable API reference is served', async () => {
    const response = await instance.anonymous().get('/api/docs/');
    assert.equal(response.status, 200);
    assert.match(response.text, /swagger-ui/i);
  });

  test('malformed JSON, wrong content type, unknown fields, oversized bodies: 4xx problem+json, nothing changed', async () => {
    const admin = await instance.signIn();
    expectProblem(
      await admin.request('PATCH', '/api/v1/organization', {
        raw: '{"name": ',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'request.malformed_json',
    );
    expectProblem(
      await admin.request('PATCH', '/api/v1/organization', {
        raw: 'name=x',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
      'request.unsupported_media_type',
    );
    const unknown = expectProblem(
      await admin.patch('/api/v1/organization', { name: 'Fine', colour: 'blue' }),
      400,
      'request.validation_failed',
    );
    assert.deepEqual(unknown.errors, [{ field: 'body.colour', message: 'Unknown field: remove it.' }]);
    const invalid = expectProblem(
      await admin.patch('/api/v1/organization', { name: '' }),
      400,
      'request.validation_failed',
    );
    assert.equal((invalid.errors as { field: string }[])[0]?.field, 'body.name');
    expectProblem(await admin.patch('/api/v1/organization', { name: 'x'.repeat(5000) }), 413, 'request.body_too_large');
    const organization = await admin.get<{ name: string }>('/api/v1/organization');
    assert.equal(organization.body.name, 'Example Org');
  });

  test('unknown endpoints and ids get a deliberate 404 problem', async () => {
    const admin = await instance.signIn();
    expectProblem(await admin.get('/api/v1/no-such-thing'), 404, 'request.not_found');
    expectProblem(
      await admin.delete('/api/v1/api-tokens/00000000-0000-4000-8000-000000000000'),
      404,
      'request.not_found',
    );
    const badId = expectProblem(await admin.delete('/api/v1/api-tokens/not-a-uuid'), 400, 'request.validation_failed');
    assert.equal((badId.errors as { field: string }[])[0]?.field, 'params.id');
  });

  test('the console is served for client-side routes', async () => {
    const response = await instance.anonymous().get('/settings');
    assert.ok([200, 503].includes(response.status), 'index.html, or a clear message when the console is not built');
    if (response.status === 200) {
      assert.match(response.text, /<div id="root">/);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
    }
  });
});
