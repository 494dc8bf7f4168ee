import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BulkFileError, type BulkType, openBulkCsv, type ParsedRow, resultsCsvHeader } from './index.ts';

/** Reads a whole file given as text (or bytes), as the engine would. */
async function read(file: string | Buffer | Buffer[], type: BulkType = 'add-users', maxRows = 1000) {
  const chunks = typeof file === 'string' ? [Buffer.from(file)] : Array.isArray(file) ? file : [file];
  const { header, rows } = await openBulkCsv(chunks, { type, maxRows });
  const all: ParsedRow[] = [];
  for await (const row of rows) {
    all.push(row);
  }
  return { header, rows: all };
}

async function refused(file: string | Buffer | Buffer[], type: BulkType, code: string, message?: RegExp) {
  await assert.rejects(read(file, type), (error: unknown) => {
    assert.ok(error instanceof BulkFileError, String(error));
    assert.equal(error.code, code);
    if (message) {
      assert.match(error.message, message);
    }
    return true;
  });
}

const codes = (row: ParsedRow | undefined) => row?.issues.map((issue) => issue.code) ?? [];

describe('bulk CSV header', () => {
  test('headers by name: case, spaces, BOM, order, subset, Product Profiles alias', async () => {
    const { header, rows } = await read(
      '\uFEFF  product profiles ; EMAIL ;first name\r\n"P1,P2";a@example.com;Ann\r\n',
      'add-users',
    );
    assert.equal(header.delimiter, ';');
    assert.deepEqual(header.names, ['product profiles', 'EMAIL', 'first name']);
    assert.deepEqual(header.columns, ['Product Configurations', 'Email', 'First Name']);
    assert.deepEqual(rows[0]?.record, {
      kind: 'user',
      identityType: null,
      email: 'a@example.com',
      firstName: 'Ann',
      profiles: ['P1', 'P2'],
    });
    assert.deepEqual(resultsCsvHeader(header), ['product profiles', 'EMAIL', 'first name', 'Status', 'Message']);
  });

  test('an unknown header lists the known ones', async () => {
    await refused('Email,Shoe Size\n', 'add-users', 'bulk.unknown_header', /"Shoe Size".*Identity Type, Username/);
    await refused('Email\n', 'add-groups', 'bulk.unknown_header', /looks like a user file/);
    await refused('Email,Content Action\n', 'add-users', 'bulk.unknown_header');
  });

  test('required columns, duplicates, empty files', async () => {
    await refused('First Name,Last Name\nA,B\n', 'add-users', 'bulk.missing_column', /Email/);
    await refused('Description\nx\n', 'edit-groups', 'bulk.missing_column', /User Group Name/);
    await refused('Username\nx\n', 'remove-users', 'bulk.missing_column');
    await refused('Email,Product Configurations,Product Profiles\n', 'add-users', 'bulk.duplicate_header');
    await refused('', 'add-users', 'bulk.empty_file');
    await refused('\uFEFF\r\n  \r\n', 'add-users', 'bulk.empty_file');
    const removal = await read('Username,Domain\njan,example.com\n', 'remove-users');
    assert.deepEqual(removal.rows[0]?.record, {
      kind: 'user',
      identityType: null,
      email: null,
      username: 'jan',
      domain: 'example.com',
    });
  });

  test('a header without rows has no rows; trailing empty header cells are dropped', async () => {
    const { header, rows } = await read('Email;First Name;;\r\n', 'add-users');
    assert.deepEqual(header.names, ['Email', 'First Name']);
    assert.equal(rows.length, 0);
  });
});

describe('bulk CSV rows', () => {
  test('identity types, case-insensitive; blank is null; unknown is a row issue', async () => {
    const { rows } = await read(
      'Identity Type,Email\nadobe id,a@x.com\nPersonal ID,b@x.com\nENTERPRISE ID,c@x.com\nFederated ID,d@x.com\n,e@x.com\nOkta ID,f@x.com\n',
    );
    assert.deepEqual(
      rows.map((row) => (row.record?.kind === 'user' ? row.record.identityType : 'error')),
      ['personal', 'personal', 'enterprise', 'federated', null, 'error'],
    );
    assert.deepEqual(codes(rows[5]), ['csv.unknown_identity_type']);
    assert.match(rows[5]?.issues[0]?.message ?? '', /"Okta ID".*Adobe ID, Personal ID, Enterprise ID, Federated ID/);
    assert.equal(rows[5]?.issues[0]?.column, 'Identity Type');
  });

  test('multi-valued cells: double quotes, apostrophes, extra quotes of spreadsheets', async () => {
    const { rows } = await read(
      [
        'Email,User Groups,First Name',
        'a@x.com,"G1,G2",Ann',
        "b@x.com,'G1,G2',O'Brien",
        'c@x.com,"""G1,G2""",C',
        `d@x.com,"'G1, G2 '",D`,
        'e@x.com, "G1,G2" ,E',
        'f@x.com,G1,F',
        'g@x.com,,G',
        "h@x.com,'G1,G2,G1',H",
      ].join('\n'),
    );
    for (const row of rows) {
      assert.deepEqual(row.issues, [], JSON.stringify(row));
    }
    const groups = rows.map((row) => (row.record?.kind === 'user' ? row.record.groups : undefined));
    assert.deepEqual(groups, [
      ['G1', 'G2'],
      ['G1', 'G2'],
      ['G1', 'G2'],
      ['G1', 'G2'],
      ['G1', 'G2'],
      ['G1'],
      [],
      ['G1', 'G2'],
    ]);
    assert.equal(rows[1]?.record?.kind === 'user' && rows[1].record.firstName, "O'Brien");
    assert.deepEqual(rows[1]?.cells, ['b@x.com', "'G1,G2'", "O'Brien"]);
  });

  test('smart quotes and unreadable cells are row issues that show the cell', async () => {
    const { rows } = await read(
      'Email,Product Configurations,Last Name\na@x.com,“P1,P2”,A\nb@x.com,P1,O’Brien\nc@x.com,P\u0000,C\nd@x.com,P"1,D\n',
    );
    assert.deepEqual(codes(rows[0]), ['csv.smart_quotes']);
    assert.match(rows[0]?.issues[0]?.message ?? '', /“P1,P2”.*straight double quotes/);
    assert.deepEqual(codes(rows[1]), [], 'a typographic apostrophe inside a name is fine');
    assert.deepEqual(codes(rows[2]), ['csv.unreadable_cell']);
    assert.deepEqual(codes(rows[3]), ['csv.unreadable_cell']);
  });

  test('row numbers start at 1 and skip blank rows; cell counts are checked', async () => {
    const { rows } = await read(
      'Email;First Name\r\n\r\na@x.com;A\r\n;\r\nb@x.com\r\nc@x.com;C;extra\r\nd@x.com;D;;\r\n',
    );
    assert.deepEqual(
      rows.map((row) => row.rowNumber),
      [1, 2, 3, 4],
    );
    assert.deepEqual(codes(rows[1]), ['csv.column_count']);
    assert.deepEqual(rows[1]?.cells, ['b@x.com', '']);
    assert.deepEqual(codes(rows[2]), ['csv.column_count']);
    assert.deepEqual(codes(rows[3]), []);
  });

  test('e-mail, country, id, lengths', async () => {
    const { rows } = await read(
      `Email,Country Code,ID,First Name\n a@x.com ,pl,,A\nnot-an-email,PL,,B\nc@x.com,Poland,,C\nd@x.com,,123,D\n,,,E\nf@x.com,,,${'x'.repeat(300)}\n`,
      'edit-users',
    );
    assert.deepEqual(rows[0]?.record, {
      kind: 'user',
      identityType: null,
      email: 'a@x.com',
      country: 'PL',
      id: null,
      firstName: 'A',
    });
    assert.deepEqual(rows.slice(1).map(codes), [
      ['csv.invalid_email'],
      ['csv.invalid_country'],
      ['csv.invalid_id'],
      ['csv.missing_email'],
      ['csv.too_long'],
    ]);
    const added = await read('Email,ID\na@x.com,ABC-adobe-id\n', 'add-users');
    assert.deepEqual(added.rows[0]?.issues, [], 'add-users ignores the ID column (Adobe exports carry their ids)');
  });

  test('group files: admins as <Identity Type>-<e-mail>, with hyphens in the e-mail', async () => {
    const { rows } = await read(
      [
        'User Group Name,Description,User Group Admins,Assigned Product Profiles',
        `Design,,'Federated ID-test-account@acme.com,Enterprise ID-test-user@acme.com',"P1,P2"`,
        'Ops,Runs things,adobe id-a-b-c@acme.com,',
        ',x,,',
        'Bad,,test-account@acme.com,',
      ].join('\r\n'),
      'edit-groups',
    );
    assert.deepEqual(rows[0]?.record, {
      kind: 'group',
      name: 'Design',
      description: null,
      admins: [
        { identityType: 'federated', email: 'test-account@acme.com' },
        { identityType: 'enterprise', email: 'test-user@acme.com' },
      ],
      profiles: ['P1', 'P2'],
    });
    assert.deepEqual(rows[1]?.record, {
      kind: 'group',
      name: 'Ops',
      description: 'Runs things',
      admins: [{ identityType: 'personal', email: 'a-b-c@acme.com' }],
      profiles: [],
    });
    assert.deepEqual(codes(rows[2]), ['csv.missing_group_name']);
    assert.deepEqual(codes(rows[3]), ['csv.invalid_group_admin']);
  });

  test('remove-users: content action and transfer-to', async () => {
    const { rows } = await read(
      [
        'Identity Type,Email,Content Action,Transfer To',
        'Enterprise ID,a@x.com,,',
        ',b@x.com,Transfer now,keeper@x.com',
        ',c@x.com,delete,',
        ',d@x.com,,keeper@x.com',
        ',e@x.com,Transfer now,',
        ',f@x.com,Delete,keeper@x.com',
        ',g@x.com,Shred,',
        ',,,',
        ',h@x.com,transfer now,h@x.com',
      ].join('\n'),
      'remove-users',
    );
    const actions = rows.map((row) =>
      row.record?.kind === 'user' ? [row.record.contentAction, row.record.transferTo] : codes(row),
    );
    assert.deepEqual(actions, [
      ['transfer-later', null],
      ['transfer-now', 'keeper@x.com'],
      ['delete', null],
      ['transfer-now', 'keeper@x.com'],
      ['csv.missing_transfer_to'],
      ['csv.transfer_to_conflict'],
      ['csv.unknown_content_action'],
      ['csv.transfer_to_self'],
    ]);
    // Transfer now in a file without a Transfer To column: the Content Action cell is named.
    const lacking = await read('Email,Content Action\na@x.com,Transfer now\n', 'remove-users');
    assert.deepEqual(
      lacking.rows[0]?.issues.map((issue) => [issue.code, issue.column]),
      [['csv.missing_transfer_to', 'Content Action']],
    );
    assert.match(lacking.rows[0]?.issues[0]?.message ?? '', /add a "Transfer To" column/);
    const plain = await read('Email,First Name\na@x.com,A\n', 'remove-users');
    assert.deepEqual(plain.rows[0]?.record, { kind: 'user', identityType: null, email: 'a@x.com' });
  });

  test('member files take Email and Identity Type and ignore the other user columns', async () => {
    const { rows } = await read(
      'Email,Identity Type,Country Code,User Groups\na@x.com,Federated ID,Nowhere,"“x”"\n',
      'add-group-members',
    );
    assert.deepEqual(rows[0]?.record, { kind: 'user', identityType: 'federated', email: 'a@x.com' });
  });
});

describe('bulk CSV file-level errors while reading rows', () => {
  test('too many rows: thrown when row maxRows+1 appears', async () => {
    const file = `Email\n${Array.from({ length: 6 }, (_, i) => `u${i}@x.com`).join('\n')}\n`;
    const { rows } = await openBulkCsv([file], { type: 'add-users', maxRows: 5 });
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const row of rows) {
          seen.push(row.rowNumber);
        }
      })(),
      (error: unknown) => error instanceof BulkFileError && error.code === 'bulk.too_many_rows' && error.status === 413,
    );
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    assert.equal((await read(file, 'add-users', 6)).rows.length, 6);
  });

  test('not UTF-8: Windows-1252 and UTF-16 files are refused with how to save them', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('Email,Last Name\na@x.com,'),
      Buffer.from([0x4e, 0xe9, 0x6d]),
      Buffer.from('\n'),
    ]);
    // Wherever the bad byte is, reading the file (opening it or its rows) ends with bulk.not_utf8.
    await refused([Buffer.from('Email,Last Name\n'), latin1.subarray(16)], 'add-users', 'bulk.not_utf8', /CSV UTF-8/);
    await refused(latin1, 'add-users', 'bulk.not_utf8', /line 2/);
    await refused(Buffer.from('\uFEFFEmail\n', 'utf16le'), 'add-users', 'bulk.not_utf8', /UTF-16/);
  });

  test('an unclosed quote is bulk.malformed_csv', async () => {
    await refused('Email,First Name\na@x.com,"Ann\nb@x.com,Bob\n', 'add-users', 'bulk.malformed_csv', /never closed/);
  });

  test('chunks split anywhere, even inside a character', async () => {
    const text = 'Email;Last Name\r\na@x.com;Nováková\r\nb@x.com;"Ž,ř"\r\n';
    const bytes = Buffer.from(`\uFEFF${text}`);
    const whole = await read(bytes);
    for (let size = 1; size < 8; size += 1) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) {
        chunks.push(bytes.subarray(at, at + size));
      }
      const { header, rows } = await openBulkCsv(chunks, { type: 'add-users', maxRows: 10 });
      const all: ParsedRow[] = [];
      for await (const row of rows) {
        all.push(row);
      }
      assert.deepEqual({ header, rows: all }, whole);
    }
  });
});
