/**
 * Paste a list as mail programs copy addresses (issue 15, item 7): `Name <e-mail>`,
 * `"Last, First" <e-mail>`, `a@x; b@x`. The line splitter alone, then the preview endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '../../test/support/client.ts';
import { startTestInstance, type TestInstance } from '../../test/support/instance.ts';
import { addressesOfLine } from './users.paste.ts';

describe('addressesOfLine', () => {
  const cases: [string, string[]][] = [
    ['jan@example.com', ['jan@example.com']],
    ['  jan@example.com  ', ['jan@example.com']],
    ['Jan Kowalski <jan@example.com>', ['jan@example.com']],
    ['"Kowalski, Jan" <jan@example.com>', ['jan@example.com']],
    ['Kowalski, Jan <jan@example.com>', ['jan@example.com']],
    ["'Jan' <jan@example.com>", ['jan@example.com']],
    ['<jan@example.com>', ['jan@example.com']],
    ['mailto:jan@example.com', ['jan@example.com']],
    ['a@x.com; b@x.com', ['a@x.com', 'b@x.com']],
    ['a@x.com, b@x.com;', ['a@x.com', 'b@x.com']],
    [
      '"Nowak, Anna" <anna@x.com>; Kowalski, Jan <jan@x.com>, Eva <eva@x.com>',
      ['anna@x.com', 'jan@x.com', 'eva@x.com'],
    ],
    ['"Doe; John" <john@x.com>', ['john@x.com']],
    // What is not an address stays as typed, for the review to name.
    ['not an e-mail', ['not an e-mail']],
    ['a@x.com, not an e-mail, b@x.com', ['a@x.com', 'not an e-mail', 'b@x.com']],
    ['', []],
    [' ; , ', []],
  ];
  for (const [line, expected] of cases) {
    test(JSON.stringify(line), () => {
      assert.deepEqual(addressesOfLine(line), expected);
    });
  }
});

describe('paste-a-list preview of copied addresses', () => {
  let instance: TestInstance;
  let admin: Client;
  before(async () => {
    instance = await startTestInstance();
    admin = await instance.signIn();
  });
  after(() => instance.close());

  test('each address is a row of its line, with its alias and identity type', async () => {
    const text = [
      'Jan Kowalski <jan@example.org>',
      '"Nowak, Anna" <anna@example.org>; ewa@example.org',
      'not an e-mail',
      'JAN@example.org',
    ].join('\n');
    const preview = await admin.post<{
      rows: { line: number; input: string; email: string | null; alias: string | null; problem: string | null }[];
      accepted: number;
    }>('/api/v1/users/paste-preview', { text });
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(
      preview.body.rows.map((row) => [row.line, row.email, row.alias, row.problem]),
      [
        [1, 'jan@example.org', 'jan', null],
        [2, 'anna@example.org', 'anna', null],
        [2, 'ewa@example.org', 'ewa', null],
        [3, null, null, 'not_an_email'],
        [4, 'JAN@example.org', 'JAN', 'duplicate'],
      ],
    );
    assert.equal(preview.body.accepted, 3);
  });
});
