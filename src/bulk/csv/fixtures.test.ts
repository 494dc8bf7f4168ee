import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BulkFileError, type BulkType, openBulkCsv, type ParsedRow } from './index.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../test/fixtures/csv');

/** Reads a fixture file as an upload stream would deliver it (64 KiB chunks; these are smaller). */
async function readFixture(name: string, type: BulkType) {
  const { header, rows } = await openBulkCsv(fs.createReadStream(path.join(FIXTURES, name)), { type, maxRows: 100 });
  const all: ParsedRow[] = [];
  for await (const row of rows) {
    all.push(row);
  }
  return { header, rows: all };
}

const users = (rows: ParsedRow[]) => rows.map((row) => (row.record?.kind === 'user' ? row.record : row.issues));

describe('real files (test/fixtures/csv)', () => {
  test('Excel "CSV UTF-8": BOM, semicolons, CRLF, unquoted lists, empty rows and columns', async () => {
    const { header, rows } = await readFixture('excel-add-users.csv', 'add-users');
    assert.equal(header.delimiter, ';');
    assert.equal(header.names[0], 'Identity Type');
    assert.equal(header.names.length, 9);
    assert.deepEqual(
      rows.map((row) => row.rowNumber),
      [1, 2, 3, 4],
    );
    assert.deepEqual(users(rows), [
      {
        kind: 'user',
        identityType: 'federated',
        email: 'jan.novak@example.com',
        username: 'jan.novak',
        domain: 'example.com',
        firstName: 'Jan',
        lastName: 'Novák',
        country: 'CZ',
        profiles: ['Photoshop - Default', 'Acrobat Pro - Default'],
        groups: ['Designers'],
      },
      {
        kind: 'user',
        identityType: 'enterprise',
        email: 'anna.kowalska@example.com',
        username: 'anna.kowalska',
        domain: 'example.com',
        firstName: 'Anna',
        lastName: 'Kowalska',
        country: 'PL',
        profiles: ['Acrobat Pro - Default'],
        groups: ['Designers', 'Marketing'],
      },
      {
        kind: 'user',
        identityType: null,
        email: 'matti.virtanen@example.org',
        username: null,
        domain: null,
        firstName: 'Matti',
        lastName: 'Virtanen',
        country: 'FI',
        profiles: [],
        groups: [],
      },
      {
        kind: 'user',
        identityType: 'personal',
        email: 'zoe@example.net',
        username: null,
        domain: null,
        firstName: 'Zoë',
        lastName: `O'Neil "Zed"`,
        country: null,
        profiles: [],
        groups: [],
      },
    ]);
  });

  test('extra quotes added by a spreadsheet around a list are accepted', async () => {
    const { rows } = await readFixture('excel-extra-quotes.csv', 'edit-users');
    for (const row of rows) {
      assert.deepEqual(row.issues, []);
      assert.ok(row.record?.kind === 'user');
      assert.deepEqual(row.record.profiles, ['Photoshop - Default', 'Acrobat Pro - Default']);
    }
    assert.deepEqual(rows[0]?.record?.kind === 'user' && rows[0].record.groups, ['Designers', 'Marketing']);
  });

  test('LibreOffice "Text CSV": comma, every text cell quoted, LF', async () => {
    const { header, rows } = await readFixture('libreoffice-add-users.csv', 'add-users');
    assert.equal(header.delimiter, ',');
    assert.deepEqual(
      rows.map((row) => row.issues),
      [[], [], []],
    );
    assert.deepEqual(
      rows.map((row) => row.record?.kind === 'user' && [row.record.lastName, row.record.profiles, row.record.groups]),
      [
        ['Novák', ['Photoshop - Default', 'Acrobat Pro - Default'], ['Designers']],
        ['Kowalska', ['Acrobat Pro - Default'], []],
        ['Virtanen, Jr.', [], []],
      ],
    );
  });

  test('by hand: header case and spaces, apostrophe lists, blank lines, no final newline', async () => {
    const { header, rows } = await readFixture('hand-written.csv', 'add-users');
    assert.deepEqual(header.columns, ['Email', 'User Groups', 'Product Configurations', 'First Name']);
    assert.deepEqual(
      rows.map((row) => row.record?.kind === 'user' && [row.record.email, row.record.groups, row.record.profiles]),
      [
        ['jan.novak@example.com', ['Designers', 'Marketing'], ['Photoshop - Default', 'Acrobat Pro - Default']],
        ['anna.kowalska@example.com', ['Designers'], []],
        ['matti.virtanen@example.org', [], ['Acrobat Pro - Default']],
      ],
    );
  });

  test('an Adobe Admin Console export with all 17 headers imports unchanged', async () => {
    for (const type of ['add-users', 'edit-users', 'remove-users', 'add-group-members'] as const) {
      const { header, rows } = await readFixture('adobe-export.csv', type);
      assert.equal(header.names.length, 17);
      if (type === 'edit-users' || type === 'remove-users') {
        // Adobe's ids are not Usher's: edit and remove refuse them, and say to clear the column.
        assert.deepEqual(
          rows.map((row) => row.issues.map((issue) => issue.code)),
          [['csv.invalid_id'], ['csv.invalid_id'], []],
        );
        continue;
      }
      assert.deepEqual(
        rows.map((row) => row.issues),
        [[], [], []],
        type,
      );
    }
    const { rows } = await readFixture('adobe-export.csv', 'add-users');
    const anna = rows[1]?.record;
    assert.ok(anna?.kind === 'user');
    assert.equal(anna.id, undefined);
    assert.deepEqual(anna.adminRoles, ['Product Profile Admin', 'User Group Admin']);
    assert.deepEqual(anna.profilesAdministered, ['Acrobat Pro DC - Default']);
    assert.deepEqual(anna.groupsAdministered, ['Marketing']);
    assert.deepEqual(anna.contractsAdministered, []);
    assert.equal(rows[2]?.record?.kind === 'user' && rows[2].record.identityType, 'personal');
  });

  test('groups saved by Excel: admins with hyphens in their e-mails, a quoted semicolon', async () => {
    const { rows } = await readFixture('excel-add-groups.csv', 'add-groups');
    assert.deepEqual(
      rows.map((row) => row.record),
      [
        {
          kind: 'group',
          name: 'Designers',
          description: 'Creative team',
          admins: [
            { identityType: 'federated', email: 'test-account@example.com' },
            { identityType: 'enterprise', email: 'anna.kowalska@example.com' },
          ],
          profiles: ['Photoshop - Default', 'Illustrator - Default'],
        },
        {
          kind: 'group',
          name: 'Marketing',
          description: null,
          admins: [{ identityType: 'federated', email: 'test-account@example.com' }],
          profiles: ['Acrobat Pro - Default'],
        },
        { kind: 'group', name: 'Auditors', description: 'Read; only', admins: [], profiles: [] },
      ],
    );
  });

  test('remove-users with the content columns', async () => {
    const { rows } = await readFixture('remove-users.csv', 'remove-users');
    assert.deepEqual(users(rows), [
      {
        kind: 'user',
        identityType: 'enterprise',
        email: 'leaver@example.com',
        username: null,
        domain: null,
        contentAction: 'transfer-later',
        transferTo: null,
      },
      {
        kind: 'user',
        identityType: 'federated',
        email: 'mover@example.com',
        username: null,
        domain: null,
        contentAction: 'transfer-now',
        transferTo: 'keeper@example.com',
      },
      {
        kind: 'user',
        identityType: null,
        email: null,
        username: 'gone',
        domain: 'example.com',
        contentAction: 'delete',
        transferTo: null,
      },
    ]);
  });

  test('smart quotes and control characters: row issues that show the cell', async () => {
    const { rows } = await readFixture('smart-quotes.csv', 'add-users');
    assert.deepEqual(
      rows.map((row) => row.issues.map((issue) => [issue.column, issue.code])),
      [
        [['Product Configurations', 'csv.smart_quotes']],
        [['Product Configurations', 'csv.smart_quotes']],
        [['Product Configurations', 'csv.unreadable_cell']],
      ],
    );
    assert.match(rows[0]?.issues[0]?.message ?? '', /“Photoshop - Default,Acrobat Pro - Default”/);
    assert.deepEqual(rows[0]?.cells, ['a@example.com', '“Photoshop - Default,Acrobat Pro - Default”', 'Novák']);
  });

  test('Excel "CSV (Comma delimited)" in ANSI is refused: save as CSV UTF-8', async () => {
    await assert.rejects(readFixture('excel-ansi.csv', 'add-users'), (error: unknown) => {
      assert.ok(error instanceof BulkFileError);
      assert.equal(error.code, 'bulk.not_utf8');
      assert.match(error.message, /line 2.*CSV UTF-8/);
      return true;
    });
  });
});
