/**
 * The security suite: each request of the security review (issue 14) that once crashed the
 * server, answered 500, locked the owner out or leaked a secret, sent again against a real server
 * and database, with the answer it must get now and a check that the server still serves.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { openBulkCsv } from '../src/bulk/csv/index.ts';
import { loadConfig } from '../src/config.ts';
import { csvStream, guardCell } from '../src/core/csv.ts';
import { constraintError } from '../src/db/constraint-errors.ts';
import { upload, waitForOperation } from './support/bulk.ts';
import { type Client, expectProblem } from './support/client.ts';
import {
  ADMIN_PASSWORD,
  createAdmin,
  createCatalog,
  startTestInstance,
  type TestInstance,
} from './support/instance.ts';

const from = (address: string) => ({ 'x-forwarded-for': address });

describe('security: nobody can lock the owner out of sign-in', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance({
      USHER_LOGIN_MAX_FAILURES: '2',
      USHER_LOGIN_ACCOUNT_MAX_FAILURES: '6',
      USHER_TRUST_PROXY: 'true',
    });
  });
  after(() => instance.close());

  const login = (address: string, password: string, email = instance.admin.email) =>
    instance.anonymous().request('POST', '/api/v1/auth/login', { body: { email, password }, headers: from(address) });

  test('10 wrong passwords from one address do not keep the owner out from another', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      statuses.push((await login('203.0.113.10', 'not the password')).status);
    }
    // Two free failures, then each attempt waits twice as long as the one before (1 s, 2 s, 4 s …);
    // how many later attempts come after their wait depends on the machine's speed.
    assert.deepEqual(statuses.slice(0, 2), [401, 401]);
    assert.ok(statuses.includes(429), `later attempts wait: ${statuses}`);
    assert.ok(statuses.filter((status) => status === 401).length <= 7, `most later attempts wait: ${statuses}`);
    assert.equal((await login('198.51.100.1', ADMIN_PASSWORD)).status, 200);
  });

  test('past the account-wide limit only known addresses may try, and the owner is e-mailed once', async () => {
    assert.equal((await login('198.51.100.1', ADMIN_PASSWORD)).status, 200, 'the owner signs in: a known address');
    for (let address = 1; address <= 7; address++) {
      await login(`192.0.2.${address}`, 'guess guess guess');
    }
    const stranger = await login('192.0.2.200', ADMIN_PASSWORD);
    expectProblem(stranger, 429, 'auth.rate_limited');
    assert.ok(Number(stranger.headers.get('retry-after')) > 0);
    assert.equal((await login('198.51.100.1', ADMIN_PASSWORD)).status, 200, 'the known address still signs in');
    const warnings = await instance.app.ctx.db
      .selectFrom('outbox_messages')
      .select(['to_address', 'data'])
      .where('kind', '=', 'sign_in_throttled')
      .execute();
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.to_address, instance.admin.email);
    const audited = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'auth.login_throttled')
      .execute();
    assert.equal(audited.length, 1);
  });
});

/** The parts of the OpenAPI document the property test reads. */
interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface JsonSchema {
  $ref?: string;
  properties?: Record<string, unknown>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** The properties of an operation's JSON body (one `$ref` followed). */
function bodyProperties(document: OpenApiDocument, operation: OpenApiOperation): Record<string, unknown> {
  let schema = operation.requestBody?.content?.['application/json']?.schema;
  if (schema?.$ref) {
    schema = document.components?.schemas?.[schema.$ref.split('/').at(-1) ?? ''];
  }
  return schema?.properties ?? {};
}

/** A generated value as query-string text. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Collects the server's log lines. */
class LogLines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

async function alive(instance: TestInstance): Promise<void> {
  const health = await fetch(`${instance.baseUrl}/healthz`);
  assert.equal(health.status, 200, 'the server still serves');
}

describe('security: requests that once hurt the server', () => {
  let instance: TestInstance;
  let admin: Client;
  const log = new LogLines();
  before(async () => {
    instance = await startTestInstance({ USHER_LOG_LEVEL: 'info' }, { logStream: log });
    admin = await instance.signIn();
  });
  after(() => instance.close());

  test('NUL in an export filter is a 400, and the server keeps serving', async () => {
    const response = await admin.get('/api/v1/audit-events.csv?action=%00');
    const problem = expectProblem(response, 400, 'request.validation_failed');
    assert.deepEqual(
      (problem.errors as { field: string }[]).map((error) => error.field),
      ['query.action'],
    );
    await alive(instance);
  });

  test('an error while streaming a CSV export fails that stream, not the process', async () => {
    const failing = async function* () {
      yield ['a', 'b'];
      throw new Error('the query failed');
    };
    const stream = csvStream(['A', 'B'], failing());
    const failed = await new Promise<Error>((resolve, reject) => {
      stream.on('error', resolve);
      stream.on('end', () => reject(new Error('the stream ended without its error')));
      stream.resume();
    });
    assert.equal(failed.message, 'the query failed');
    await alive(instance);
  });

  test('control characters in sign-in, filters, bodies and SCIM get 400 naming the field', async () => {
    const login = await instance.anonymous().post('/api/v1/auth/login', {
      email: `a\u0000${instance.admin.email}`,
      password: 'x',
    });
    const refused = expectProblem(login, 400, 'request.validation_failed');
    assert.equal((refused.errors as { field: string }[])[0]?.field, 'body.email');
    const queries = [
      '/api/v1/users?search=%00',
      '/api/v1/users?group=%00',
      '/api/v1/users?profile=%00',
      '/api/v1/users?product=%00',
      '/api/v1/users?search=a%0Ab',
      '/api/v1/groups?search=%00',
      '/api/v1/audit-events?action=%00',
      '/api/v1/audit-events?actor=%00',
      '/api/v1/audit-events?target=%00',
      '/api/v1/audit-events.csv?actor=%01',
      '/api/v1/audit-events.csv?target=%7F',
    ];
    for (const path of queries) {
      const problem = expectProblem(await admin.get(path), 400, 'request.validation_failed');
      const field = `query.${path.split('?')[1]?.split('=')[0]}`;
      assert.equal((problem.errors as { field: string }[])[0]?.field, field, path);
    }
    const bodies: [string, string, unknown, string][] = [
      ['POST', '/api/v1/groups', { name: 'Ops\u0000' }, 'body.name'],
      ['POST', '/api/v1/groups', { name: 'Ops\r\nBcc: x' }, 'body.name'],
      ['POST', '/api/v1/groups', { name: 'Ops', description: 'x\u0000' }, 'body.description'],
      [
        'POST',
        '/api/v1/users',
        { users: [{ email: 'nul@example.com', firstName: 'A\u0000' }] },
        'body.users.0.firstName',
      ],
      ['POST', '/api/v1/users', { users: [{ email: 'tab@example.com', lastName: 'A\tB' }] }, 'body.users.0.lastName'],
      ['POST', '/api/v1/products', { name: 'P\u0000', licenseQuantity: 1 }, 'body.name'],
      ['POST', '/api/v1/api-tokens', { name: 'T\u0000', role: 'support-admin' }, 'body.name'],
      ['PATCH', '/api/v1/organization', { name: 'Org\u0000' }, 'body.name'],
      ['PATCH', '/api/v1/organization', { name: 'Org\nName' }, 'body.name'],
    ];
    for (const [method, path, body, field] of bodies) {
      const problem = expectProblem(await admin.request(method, path, { body }), 400, 'request.validation_failed');
      assert.equal((problem.errors as { field: string }[])[0]?.field, field, `${method} ${path}`);
      assert.match(String(problem.detail), new RegExp(field.replaceAll('.', '\\.')));
    }
    const multiLine = await admin.post('/api/v1/groups', { name: 'Multi-line description', description: 'a\nb' });
    assert.equal(multiLine.status, 201, 'a description may have line breaks');

    const token = await admin.post<{ token: string }>('/api/v1/scim/tokens', { name: 'IdP', password: ADMIN_PASSWORD });
    assert.equal(token.status, 201);
    const scim = await fetch(`${instance.baseUrl}/scim/v2/Groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.body.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'G\u0000' }),
    });
    assert.equal(scim.status, 400);
    const scimBody = (await scim.json()) as { detail: string; schemas: string[] };
    assert.match(scimBody.detail, /body\.displayName/);
    assert.deepEqual(scimBody.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    await alive(instance);
  });

  test('a CSV cell with control characters fails its row with csv.unreadable_cell; results download', async () => {
    const file =
      'Email,First Name,Last Name,Country Code\r\nnul@example.org,A\u0000B,C,PL\r\nok@example.org,Ok,Fine,PL\r\n';
    const uploaded = await upload(admin, { type: 'add-users', dryRun: true }, file);
    assert.equal(uploaded.status, 202, uploaded.text);
    const done = await waitForOperation(admin, uploaded.body.id);
    assert.equal(done.failedRows, 1);
    assert.equal(done.succeededRows, 1);
    const rows = await admin.get<{
      items: { rowNumber: number; message: string; outcomes: { params?: Record<string, string> }[] }[];
    }>(`/api/v1/bulk-operations/${uploaded.body.id}/rows`);
    const first = rows.body.items.find((row) => row.rowNumber === 1);
    assert.deepEqual(
      first?.outcomes.map((outcome) => outcome.params?.column),
      ['First Name'],
    );
    assert.match(first?.message ?? '', /Column "First Name": .* unreadable characters/);

    const results = await admin.get(`/api/v1/bulk-operations/${uploaded.body.id}/results.csv`);
    assert.equal(results.status, 200);
    assert.ok(!results.text.includes('\u0000'));
  });

  test('a second file part in an upload is refused and creates nothing', async () => {
    const form = new FormData();
    form.set('type', 'add-users');
    form.set('dryRun', 'true');
    form.append('file', new Blob(['Email\r\none@example.org\r\n'], { type: 'text/csv' }), 'one.csv');
    form.append('file', new Blob(['Email\r\ntwo@example.org\r\n'], { type: 'text/csv' }), 'two.csv');
    const before = await admin.get<{ items: unknown[] }>('/api/v1/bulk-operations');
    const response = await fetch(`${instance.baseUrl}/api/v1/bulk-operations`, {
      method: 'POST',
      headers: { cookie: admin.cookie ?? '', 'x-csrf-token': admin.csrfToken ?? '' },
      body: form,
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { code: string }).code, 'bulk.several_files');
    const afterwards = await admin.get<{ items: unknown[] }>('/api/v1/bulk-operations');
    assert.equal(afterwards.body.items.length, before.body.items.length);
  });

  test('a 2 MiB cell is named as too long, and 100,000 unknown columns as a short list and a count', async () => {
    const long = `Email,First Name\r\nlong@example.org,${'x'.repeat(2 * 1024 * 1024)}\r\n`;
    const tooLong = expectProblem(
      await upload(admin, { type: 'add-users', dryRun: true }, long),
      400,
      'bulk.malformed_csv',
    );
    assert.match(String(tooLong.detail), /longer than 1,048,576 characters/);
    assert.doesNotMatch(String(tooLong.detail), /double quote/);
    const unclosed = `Email,First Name\r\nq@example.org,"${'x'.repeat(2 * 1024 * 1024)}\r\n`;
    assert.match(
      String(expectProblem(await upload(admin, { type: 'add-users' }, unclosed), 400, 'bulk.malformed_csv').detail),
      /double quote/,
    );
    const columns = Array.from({ length: 100_000 }, (_, i) => `Extra${i}`).join(',');
    const wide = await upload(admin, { type: 'add-users' }, `Email,${columns}\r\na@example.org\r\n`);
    const problem = expectProblem(wide, 400, 'bulk.unknown_header');
    assert.ok(wide.text.length < 5_000, `the answer is short (${wide.text.length} bytes)`);
    assert.match(String(problem.detail), /"Extra0"/);
    assert.match(String(problem.detail), /100000 unknown columns/);
    assert.equal(problem.unknownCount, 100_000);
  });

  test('paste-preview checks 1,000 lines and reports the rest as one problem', async () => {
    const text = Array.from({ length: 40_000 }, (_, i) => `p${i}@example.org`).join('\n');
    const preview = await admin.post<{ rows: { problem: string | null; message: string }[]; accepted: number }>(
      '/api/v1/users/paste-preview',
      { text },
    );
    assert.equal(preview.status, 200);
    assert.equal(preview.body.rows.length, 1001);
    assert.equal(preview.body.accepted, 1000);
    assert.equal(preview.body.rows.at(-1)?.problem, 'too_many');
    assert.match(preview.body.rows.at(-1)?.message ?? '', /39000 lines from line 1001/);
    assert.ok(preview.text.length < 400_000, `the answer stays small (${preview.text.length} bytes)`);
  });

  test('a profile admin reads the product of its profile; a profile deleted mid-assignment is a 409', async () => {
    const catalog = await createCatalog(instance, instance.organizationId, 'Scoped');
    const { email } = await createAdmin(instance, instance.organizationId, 'profile-admin', {
      profileId: catalog.profileId,
    });
    const profileAdmin = await instance.signIn(email);
    const product = await profileAdmin.get<{ id: string }>(`/api/v1/products/${catalog.productId}`);
    assert.equal(product.status, 200, product.text);
    const other = await createCatalog(instance, instance.organizationId, 'Elsewhere');
    expectProblem(await profileAdmin.get(`/api/v1/products/${other.productId}`), 403, 'auth.forbidden');
    // The foreign-key refusal of an assignment to a profile deleted at the same moment.
    const raced = constraintError(
      Object.assign(new Error('insert or update violates foreign key constraint'), {
        code: '23503',
        constraint: 'user_profiles__profile',
      }),
    );
    assert.equal(raced?.status, 409);
    assert.equal(raced?.code, 'product_profiles.gone');
    assert.equal(constraintError(Object.assign(new Error('fk'), { code: '23503', constraint: 'other' }))?.status, 409);
  });

  test('assigning a profile that another transaction deletes at the same moment is a 409, not a 500', async (t) => {
    if (instance.app.ctx.database.kind !== 'postgres') {
      t.skip('needs two connections (PostgreSQL)');
      return;
    }
    const catalog = await createCatalog(instance, instance.organizationId, 'Raced');
    let assigned: Promise<{ status: number; text: string }> | undefined;
    await instance.app.ctx.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('product_profiles').where('id', '=', catalog.profileId).execute();
      // The assignment reads the profile (still there for it), then waits on the deleted row's lock.
      assigned = admin.post(`/api/v1/groups/${catalog.groupId}/profiles`, { profileIds: [catalog.profileId] });
      await new Promise((resolve) => setTimeout(resolve, 1500));
    });
    const response = await (assigned as Promise<{ status: number; text: string }>);
    assert.equal(response.status, 409, response.text);
    assert.match(response.text, /"code":"product_profiles\.gone"/);
    await alive(instance);
  });

  test('API answers are not cached nor sniffed; sessions fit an admin console', async () => {
    for (const response of [
      await admin.get('/api/v1/auth/session'),
      await admin.post('/api/v1/api-tokens', { name: 'headers', role: 'support-admin' }),
      await instance.anonymous().get('/api/v1/users'),
    ]) {
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
    const defaults = loadConfig({});
    assert.ok(defaults.session.idleMinutes <= 60, 'idle sessions end within an hour');
    assert.ok(defaults.session.maxHours <= 12, 'a session lasts a working day at most');
  });

  test('minting a system-admin or SCIM token from a session asks for the password again', async () => {
    expectProblem(
      await admin.post('/api/v1/api-tokens', { name: 'no password', role: 'system-admin' }),
      403,
      'auth.reauthentication_required',
    );
    expectProblem(
      await admin.post('/api/v1/api-tokens', { name: 'wrong', role: 'system-admin', password: 'not my password' }),
      403,
      'auth.reauthentication_required',
    );
    expectProblem(
      await admin.post('/api/v1/scim/tokens', { name: 'no password' }),
      403,
      'auth.reauthentication_required',
    );
    const minted = await admin.post<{ token: string }>('/api/v1/api-tokens', {
      name: 'with password',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    assert.equal(minted.status, 201);
    const audited = await instance.app.ctx.db
      .selectFrom('audit_events')
      .select(['after'])
      .where('action', '=', 'api_token.create')
      .execute();
    assert.ok(!JSON.stringify(audited).includes(ADMIN_PASSWORD), 'the password is not audited');
    // An API token has no password to ask for.
    const robot = admin.withToken(minted.body.token);
    assert.equal((await robot.post('/api/v1/api-tokens', { name: 'by token', role: 'system-admin' })).status, 201);
  });

  test('formula starters after spaces, quotes or in fullwidth form are guarded on export', () => {
    for (const cell of [
      ' =1+1',
      '  =HYPERLINK("x")',
      '\uFF1D1+1',
      '"=1',
      ' +1',
      '\uFF0B1',
      '@SUM(A1)',
      ' \uFF20x',
      '\t=1',
      '\r=1',
      '\uFF0D1',
    ]) {
      assert.equal(guardCell(cell), `'${cell}`, JSON.stringify(cell));
    }
    for (const cell of ['Anna', 'a=b', 'O\u2019Brien', '']) {
      assert.equal(guardCell(cell), cell);
    }
  });

  test('guarded cells read back as written (round trip of an exported file)', async () => {
    const file = `Email,First Name\r\na@example.org,${guardCell(' =Anna')}\r\n`;
    const { rows } = await openBulkCsv(Readable.from([file]), { type: 'add-users', maxRows: 10 });
    for await (const row of rows) {
      assert.equal(row.record?.kind === 'user' ? row.record.firstName : undefined, ' =Anna');
    }
  });

  test('property: control characters in any query string or JSON body of the OpenAPI document never get a 5xx', async () => {
    const minted = await admin.post<{ token: string }>('/api/v1/api-tokens', {
      name: 'fuzz',
      role: 'system-admin',
      password: ADMIN_PASSWORD,
    });
    const robot = admin.withToken(minted.body.token);
    const document = (await instance.anonymous().get<OpenApiDocument>('/api/openapi.json')).body;
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
    assert.ok(operations.length > 50, `${operations.length} operations`);
    const nasty = fc
      .array(
        fc.constantFrom(
          '\u0000',
          '\u0001',
          '\u001b',
          '\u007f',
          '\t',
          '\n',
          '\r',
          'a',
          'é',
          '=',
          '"',
          '%',
          ' ',
          '\u2028',
        ),
        {
          minLength: 1,
          maxLength: 8,
        },
      )
      .map((parts) => parts.join(''));
    const value = fc.oneof(
      nasty,
      fc.integer({ min: -5, max: 5 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(nasty, { maxLength: 2 }),
      fc.dictionary(nasty, nasty, { maxKeys: 2 }),
    );
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: operations.length - 1 }),
        fc.array(value, { minLength: 8, maxLength: 8 }),
        fc.boolean(),
        async (index, values, extraKey) => {
          const { path, method, operation } = operations[index] as (typeof operations)[number];
          seen.add(`${method} ${path}`);
          const url = path.replace(/\{[^}]+\}/g, () => crypto.randomUUID());
          const query = (operation.parameters ?? [])
            .filter((parameter) => parameter.in === 'query')
            .map((parameter, at) => `${parameter.name}=${encodeURIComponent(asText(values[at % values.length]))}`)
            .join('&');
          const properties = Object.keys(bodyProperties(document, operation));
          const body: Record<string, unknown> = Object.fromEntries(
            properties.map((name, at) => [name, values[(at + 3) % values.length]]),
          );
          if (extraKey) {
            body['na\u0000me'] = 'x';
          }
          const response = await robot.request(method, `${url}${query ? `?${query}` : ''}`, {
            ...(method === 'GET' || method === 'DELETE' ? {} : { body }),
          });
          assert.ok(
            response.status < 500,
            `${method} ${url}?${query} ${JSON.stringify(body)} → ${response.status} ${response.text}`,
          );
        },
      ),
      { numRuns: Number(process.env.USHER_FUZZ_RUNS ?? 400) },
    );
    assert.ok(seen.size > operations.length / 3, `${seen.size} of ${operations.length} operations were called`);
    await alive(instance);
  });

  test('no secret of a link reaches the log', async () => {
    const secret = 'Sup3rSecretT0ken';
    await fetch(`${instance.baseUrl}/connect/${secret}`);
    await fetch(`${instance.baseUrl}/setup?token=${secret}`);
    await fetch(`${instance.baseUrl}/api/v1/setup?token=${secret}`);
    await fetch(`${instance.baseUrl}/api/v1/nothing?access_token=${secret}&x=1`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(log.lines.length > 0, 'the request log is written');
    const leaked = log.lines.filter((line) => line.includes(secret));
    assert.deepEqual(leaked, []);
    assert.ok(log.lines.some((line) => line.includes('/connect/[redacted]')));
    assert.ok(log.lines.some((line) => line.includes('token=[redacted]')));
  });
});
