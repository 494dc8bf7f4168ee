import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { USER_CSV_HEADERS } from '../../users/users.csv.ts';
import {
  BULK_TYPES,
  BulkFileError,
  type BulkType,
  GROUP_CSV_HEADERS,
  openBulkCsv,
  REMOVE_CSV_HEADERS,
} from './index.ts';

/**
 * Property-based tests: thousands of generated and mangled files. Each one yields rows (every row
 * with a record or with issues) or a BulkFileError: never another exception, never a hang (the
 * reading of every file must end; the test runner's timeout would catch a hang).
 */

type Outcome = { ok: true; names: string[]; rows: unknown[] } | { ok: false; code: string };

async function outcome(chunks: (Buffer | string)[], type: BulkType, maxRows = 40): Promise<Outcome> {
  try {
    const { header, rows } = await openBulkCsv(chunks, { type, maxRows });
    const seen: unknown[] = [];
    let expected = 1;
    for await (const row of rows) {
      assert.equal(row.rowNumber, expected, 'row numbers are consecutive from 1');
      expected += 1;
      assert.equal(row.cells.length, header.names.length, 'cells align with the header');
      assert.equal(row.record === null, row.issues.length > 0, 'a record, or issues');
      for (const issue of row.issues) {
        assert.ok(issue.code.startsWith('csv.') && issue.message.length > 0);
        assert.ok(issue.column === null || header.names.includes(issue.column));
      }
      seen.push([row.cells, row.record, row.issues.map((issue) => issue.code)]);
    }
    return { ok: true, names: header.names, rows: seen };
  } catch (error) {
    if (error instanceof BulkFileError) {
      assert.ok(error.code.startsWith('bulk.') && error.message.length > 0);
      return { ok: false, code: error.code };
    }
    throw error;
  }
}

const KNOWN = [...USER_CSV_HEADERS, ...REMOVE_CSV_HEADERS, ...GROUP_CSV_HEADERS, 'Product Profiles'];
/** Pieces that make CSV and spreadsheet files hard: quotes of every kind, delimiters, line ends. */
const FRAGMENTS = [
  '"',
  '""',
  "'",
  ',',
  ';',
  '\n',
  '\r\n',
  '\r',
  ' ',
  '“',
  '”',
  '‘',
  '’',
  '\uFEFF',
  '\u0000',
  '\t',
  '-',
  '@',
  'a@example.com',
  'test-account@acme.com',
  'Federated ID-',
  'Enterprise ID',
  'Adobe ID',
  'Personal ID',
  'Transfer now',
  'Delete',
  'PL',
  'Profile A,Profile B',
  'Nováková',
  'Žluťoučký',
  '=1+1',
  '00000000-0000-4000-8000-000000000000',
];

const headerName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const mangledName = fc
  .tuple(headerName, fc.constantFrom('', ' ', '  '), fc.boolean())
  .map(([name, pad, upper]) => `${pad}${upper ? name.toUpperCase() : name.toLowerCase()}${pad}`);
const cellText = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 4 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10, unit: 'grapheme' }) },
);
/** A cell as a spreadsheet or a person might write it: bare, double-quoted, apostrophes, doubled. */
const writtenCell = fc
  .tuple(cellText, fc.constantFrom('bare', 'quoted', 'apostrophes', 'excel-extra'))
  .map(([value, style]) => {
    switch (style) {
      case 'quoted':
        return `"${value.replaceAll('"', '""')}"`;
      case 'apostrophes':
        return `'${value}'`;
      case 'excel-extra':
        return `"""${value.replaceAll('"', '""')}"""`;
      default:
        return value;
    }
  });

const generatedFile = fc
  .record({
    type: fc.constantFrom(...BULK_TYPES),
    delimiter: fc.constantFrom(',', ';'),
    newline: fc.constantFrom('\n', '\r\n'),
    bom: fc.boolean(),
    header: fc.array(mangledName, { minLength: 1, maxLength: 8 }),
    rows: fc.array(fc.array(writtenCell, { maxLength: 9 }), { maxLength: 12 }),
  })
  .map(({ type, delimiter, newline, bom, header, rows }) => ({
    type,
    text: `${bom ? '\uFEFF' : ''}${[header, ...rows].map((cells) => cells.join(delimiter)).join(newline)}${newline}`,
  }));

/** Cuts bytes into chunks at the given points (inside characters too). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

describe('bulk CSV parser, property-based', () => {
  test('generated files: rows with records or issues, or a BulkFileError; chunking never matters', async () => {
    await fc.assert(
      fc.asyncProperty(generatedFile, fc.array(fc.nat(), { maxLength: 6 }), async ({ type, text }, cuts) => {
        const bytes = Buffer.from(text);
        const whole = await outcome([bytes], type);
        const pieces = await outcome(chunked(bytes, cuts), type);
        assert.deepEqual(pieces, whole);
      }),
      { numRuns: 1200 },
    );
  });

  test('files with well-formed headers parse, and every row gets a record or issues', async () => {
    const validHeader = fc.constantFrom(
      { type: 'add-users' as const, names: ['Email', 'Identity Type', 'Product Configurations', 'User Groups'] },
      { type: 'remove-users' as const, names: ['Email', 'Content Action', 'Transfer To'] },
      { type: 'add-groups' as const, names: ['User Group Name', 'Description', 'User Group Admins'] },
    );
    await fc.assert(
      fc.asyncProperty(
        validHeader,
        fc.constantFrom(',', ';'),
        fc.array(fc.array(writtenCell, { minLength: 1, maxLength: 5 }), { maxLength: 10 }),
        async ({ type, names }, delimiter, rows) => {
          const text = [names.join(delimiter), ...rows.map((cells) => cells.join(delimiter))].join('\r\n');
          const result = await outcome([text], type);
          // The header is fine, so only a CSV syntax error (an unclosed quote) can refuse the file.
          assert.ok(result.ok || result.code === 'bulk.malformed_csv', JSON.stringify(result));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('mangled bytes (inserted, deleted, replaced, truncated): never another exception', async () => {
    const base = Buffer.from(
      '\uFEFFIdentity Type;Email;Product Configurations;User Groups\r\nFederated ID;a-b@example.com;"P1,P2";\'G1,G2\'\r\n;b@example.com;P1;G1\r\n',
    );
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.uint8Array({ maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.constantFrom(...BULK_TYPES),
        async (edits, truncate, type) => {
          let bytes = base;
          for (const { at, remove, insert } of edits) {
            const point = at % (bytes.length + 1);
            bytes = Buffer.concat([bytes.subarray(0, point), Buffer.from(insert), bytes.subarray(point + remove)]);
          }
          bytes = bytes.subarray(0, bytes.length - (truncate % 4));
          await outcome([bytes], type);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('the row limit: exactly maxRows rows pass, one more is bulk.too_many_rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 31 }), async (limit, count) => {
        const text = `Email\n${Array.from({ length: count }, (_, i) => `u${i}@example.com`).join('\n')}`;
        const result = await outcome([text], 'add-users', limit);
        if (count > limit) {
          assert.deepEqual(result, { ok: false, code: 'bulk.too_many_rows' });
        } else {
          assert.equal(result.ok && result.rows.length, count);
        }
      }),
      { numRuns: 300 },
    );
  });
});
