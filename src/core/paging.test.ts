import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { z } from 'zod';
import { expectProblem } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { AppError } from './errors.ts';
import { encodeCursor, Positions, readCursor } from './paging.ts';

const UUID = '0b7e3f3c-4a55-4c3e-9a39-1f7f3a8d2c10';

/** Cursors no list ever makes: each is refused by every list, whatever its position's shape. */
const FORGED: [string, string][] = [
  ['not base64 JSON', 'not a cursor'],
  ['an empty object', encodeCursor({})],
  ['an id that is not a UUID', encodeCursor({ name: 'a', id: "x' or 1=1" })],
  ['a time that is not one', encodeCursor({ at: 'yesterday', id: UUID })],
  ['a date that does not exist', encodeCursor({ createdAt: '2026-02-30T10:00:00.000Z', id: UUID })],
  ['a sort key with a NUL character', encodeCursor({ k: ['a\u0000'], id: UUID })],
  ['a name with a NUL character', encodeCursor({ name: 'a\u0000', id: UUID })],
  ['a negative number', encodeCursor(-1)],
  ['a fractional id', encodeCursor({ id: 1.5 })],
  ['a row number as text', encodeCursor({ row: '3' })],
  ['an extra field', encodeCursor({ name: 'a', id: UUID, admin: true })],
];

describe('keyset cursors', () => {
  test('a position comes back as it was encoded', () => {
    const positions = [
      [Positions.nameId, { name: 'staff', id: UUID }],
      [Positions.atId, { at: '2026-12-07 11:50:38.123456+00', id: UUID }],
      [Positions.atId, { at: '2026-12-07T11:50:38.123Z', id: UUID }],
      [Positions.createdAtId, { createdAt: '2024-02-29T00:00:00.000Z', id: UUID }],
      [Positions.number, 42],
      [Positions.id, { id: 9007199254740991 }],
      [Positions.row, { row: 1 }],
      [Positions.sortKeyId, { s: 'name', k: ['smith', 'a@example.com'], id: UUID }],
    ] as [z.ZodType<unknown>, unknown][];
    for (const [schema, position] of positions) {
      assert.deepEqual(readCursor(encodeCursor(position), schema), position);
    }
    assert.equal(readCursor(undefined, Positions.nameId), undefined);
    assert.equal(readCursor('', Positions.nameId), undefined);
  });

  test('a forged cursor is a 400 naming querystring.cursor', () => {
    for (const schema of Object.values(Positions) as z.ZodType<unknown>[]) {
      for (const [what, cursor] of FORGED) {
        assert.throws(
          () => readCursor(cursor, schema),
          (error: unknown) =>
            error instanceof AppError &&
            error.status === 400 &&
            error.code === 'request.validation_failed' &&
            error.errors?.[0]?.field === 'querystring.cursor',
          what,
        );
      }
    }
  });
});

/**
 * Every cursor-paged list of the API (each route whose query is `PageQuery`), as the OpenAPI
 * document names it: a list added or dropped must be added here or removed, so none goes unchecked.
 */
const LISTS = [
  '/api/v1/audit-events',
  '/api/v1/bulk-operations',
  '/api/v1/bulk-operations/{id}/rows',
  '/api/v1/devices',
  '/api/v1/devices/awaiting',
  '/api/v1/directories',
  '/api/v1/directories/{id}/sync/runs',
  '/api/v1/directories/{id}/sync/runs/{runId}/users',
  '/api/v1/domains',
  '/api/v1/groups',
  '/api/v1/groups/{id}/members',
  '/api/v1/outbox',
  '/api/v1/product-profiles',
  '/api/v1/products',
  '/api/v1/users',
];

describe('every list answers a forged cursor with 400', () => {
  let instance: TestInstance;
  before(async () => {
    instance = await startTestInstance();
  });
  after(() => instance.close());

  test('each GET with a cursor parameter in the OpenAPI document', async () => {
    const admin = await instance.signIn();
    const group = await admin.post<{ id: string }>('/api/v1/groups', { name: 'Cursor test' });
    assert.equal(group.status, 201, group.text);
    const document = (await admin.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const lists = Object.entries(document.paths)
      .filter(([, operations]) => operations.get?.parameters?.some((p) => p.in === 'query' && p.name === 'cursor'))
      .map(([path]) => path);
    assert.deepEqual(lists.toSorted(), LISTS, 'the cursor-paged lists of the OpenAPI document');
    for (const path of lists) {
      // The cursor is checked before the list's parent is looked up, except a group's members,
      // which need a real group.
      const url = path.startsWith('/api/v1/groups/{id}/')
        ? path.replace('{id}', group.body.id)
        : path.replace(/\{[^}]+\}/g, () => randomUUID());
      const first = await admin.get(`${url}?cursor=`);
      assert.ok([200, 404].includes(first.status), `${path} without a cursor: ${first.status} ${first.text}`);
      for (const [what, cursor] of FORGED) {
        const response = await admin.get(`${url}?cursor=${encodeURIComponent(cursor)}`);
        const problem = expectProblem(response, 400, 'request.validation_failed');
        assert.deepEqual(
          (problem.errors as { field: string }[]).map((error) => error.field),
          ['querystring.cursor'],
          `${path}, ${what}`,
        );
      }
    }
  });
});
