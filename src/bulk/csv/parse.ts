/**
 * The streaming reader of bulk CSV files: UTF-8 decoding, delimiter detection, the header, and one
 * ParsedRow per data row. CSV syntax is csv-parse's (RFC 4180 with relaxed quotes); on top of it
 * come the spreadsheet quirks of docs/CSV.md (apostrophe-quoted lists, extra quotes, smart quotes).
 * Memory does not grow with the file: rows are read as the consumer asks for them.
 */
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { Issues, show, UNREADABLE } from './cells.ts';
import { BulkFileError, BulkFileErrorCodes } from './csv.errors.ts';
import type { BulkType, FileHeader, ParsedRow } from './formats.ts';
import { canonicalHeader, GROUP_FILE_TYPES, knownHeaders } from './formats.ts';
import { type ColumnPlan, recordOf } from './records.ts';

/** The longest record (characters) csv-parse will hold: an unclosed quote cannot eat the memory. */
const MAX_RECORD_CHARS = 1024 * 1024;
/** Unknown header names an error lists by name; the rest are counted. */
const SHOWN_UNKNOWN_HEADERS = 10;
/** How much of the file's start is searched for the end of the header line. */
const HEADER_SCAN_CHARS = 1024 * 1024;

const HOW_TO_SAVE_UTF8 =
  'Save it as "CSV UTF-8 (Comma delimited)" in Excel, or as "Text CSV" with character set "Unicode (UTF-8)" in LibreOffice, and upload it again.';

/** A cell that was enclosed in double quotes in the file (csv-parse's `quoting`). */
class Quoted {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
}
type Field = string | Quoted;

/** Openers of quoted lists that a CSV parser does not know, and whether a cell closes them. */
const SMART_OPENERS = '\u2018\u201A\u201B\u201C\u201E\u201F\u00AB\u00BB';
const SMART_CLOSERS = '\u2019\u2018\u201B\u201C\u201D\u201F\u00AB\u00BB';
function closerOf(opener: string | undefined): ((last: string) => boolean) | undefined {
  if (opener === "'" || opener === '"') {
    return (last) => last === opener;
  }
  if (opener !== undefined && SMART_OPENERS.includes(opener)) {
    return (last) => SMART_CLOSERS.includes(last);
  }
  return undefined;
}

/**
 * Opens a bulk CSV file: reads up to the header, checks it against the type's columns, and returns
 * the header with a lazy sequence of rows.
 * @param source the file's bytes (e.g. a multipart upload stream) or text chunks
 * @param options the operation type; the row limit (USHER_BULK_MAX_ROWS); optionally the byte
 *   limit (USHER_BULK_MAX_BYTES), for sources that are not already limited
 * @returns the header, and the rows; iterating the rows throws BulkFileError for
 *   `bulk.too_many_rows` (when row maxRows+1 appears), `bulk.not_utf8` and `bulk.malformed_csv`
 * @throws BulkFileError for problems of the file's start: empty, not UTF-8, unknown, duplicate
 *   or missing columns
 */
export async function openBulkCsv(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  options: { type: BulkType; maxRows: number; maxBytes?: number },
): Promise<{ header: FileHeader; rows: AsyncIterable<ParsedRow> }> {
  const text = decode(source, options.maxBytes)[Symbol.asyncIterator]();
  let head = '';
  let line = firstLine(head);
  while (line === undefined && head.length <= HEADER_SCAN_CHARS) {
    const next = await text.next();
    if (next.done) {
      break;
    }
    head += next.value;
    line = firstLine(head);
  }
  if (head.trim() === '') {
    throw new BulkFileError(
      BulkFileErrorCodes.emptyFile,
      'The file is empty. Upload a CSV file whose first line is the header, e.g. "Email,First Name,Last Name".',
    );
  }
  const delimiter = detectDelimiter(line ?? head);
  const parser = parse({
    delimiter,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
    cast: (value, context) => (context.quoting ? new Quoted(value) : value),
  });
  const feed = Readable.from(
    (async function* () {
      yield head;
      for (;;) {
        const next = await text.next();
        if (next.done) {
          return;
        }
        yield next.value;
      }
    })(),
  );
  feed.on('error', (error) => parser.destroy(error));
  feed.pipe(parser);
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<Field[]>;
  // Whether the parser stopped inside a quoted cell: tells an unclosed quote from a very long cell.
  const inQuotes = () => (parser as unknown as { state?: { quoting?: boolean } }).state?.quoting === true;
  const stop = () => {
    feed.destroy();
    parser.destroy();
  };
  let headerFields: Field[] | undefined;
  try {
    for (;;) {
      const next = await records.next();
      if (next.done) {
        break;
      }
      if (!blank(next.value)) {
        headerFields = next.value;
        break;
      }
    }
  } catch (error) {
    stop();
    throw fileError(error, inQuotes());
  }
  if (headerFields === undefined) {
    stop();
    throw new BulkFileError(BulkFileErrorCodes.emptyFile, 'The file has no header line.');
  }
  let header: FileHeader;
  let plan: ColumnPlan;
  try {
    ({ header, plan } = readHeader(options.type, delimiter, headerFields));
  } catch (error) {
    stop();
    throw error;
  }
  return { header, rows: readRows(records, header, plan, options.maxRows, stop, inQuotes) };
}

async function* readRows(
  records: AsyncIterator<Field[]>,
  header: FileHeader,
  plan: ColumnPlan,
  maxRows: number,
  stop: () => void,
  inQuotes: () => boolean,
): AsyncGenerator<ParsedRow> {
  const width = header.names.length;
  let rowNumber = 0;
  try {
    for (;;) {
      let next: IteratorResult<Field[]>;
      try {
        next = await records.next();
      } catch (error) {
        throw fileError(error, inQuotes());
      }
      if (next.done) {
        return;
      }
      if (blank(next.value)) {
        continue;
      }
      rowNumber += 1;
      if (rowNumber > maxRows) {
        throw new BulkFileError(
          BulkFileErrorCodes.tooManyRows,
          `The file has more than ${maxRows} data rows, the limit of this instance. Split it into files of at most ${maxRows} rows, or ask the operator to raise USHER_BULK_MAX_ROWS.`,
          { maxRows },
        );
      }
      const issues = new Issues();
      const values = joinQuotedLists(next.value, width, header.delimiter);
      if (values.length !== width && !(values.length > width && values.slice(width).every((v) => v.trim() === ''))) {
        issues.add(
          null,
          'csv.column_count',
          `The row has ${values.length} cells but the header has ${width} columns (${header.delimiter === ';' ? 'semicolon' : 'comma'}-separated). Enclose cells that contain "${header.delimiter}" in double quotes, e.g. "Profile A,Profile B", and give every row one cell per column.`,
        );
      }
      const cells = values.length === width ? values : Array.from({ length: width }, (_, i) => values[i] ?? '');
      let record = recordOf(plan, cells, issues);
      if (cells.some((value) => UNREADABLE.test(value))) {
        record = null;
        unreadableCells(cells, header, issues);
      }
      yield { rowNumber, cells, record, issues: issues.list };
    }
  } finally {
    stop();
  }
}

/**
 * Fails a row on control characters in any cell, also in columns the operation does not read
 * (docs/CSV.md: `csv.unreadable_cell`), and makes its cells storable: PostgreSQL text cannot hold
 * U+0000, so the results file shows U+FFFD there.
 */
function unreadableCells(cells: string[], header: FileHeader, issues: Issues): void {
  cells.forEach((value, at) => {
    if (!UNREADABLE.test(value)) {
      return;
    }
    const column = header.names[at] ?? `column ${at + 1}`;
    if (!issues.list.some((issue) => issue.code === 'csv.unreadable_cell' && issue.column === column)) {
      issues.add(
        column,
        'csv.unreadable_cell',
        `Column "${column}": the cell ${show(value)} contains unreadable characters (control characters or bytes that were not text). Retype the cell and save the file as "CSV UTF-8".`,
      );
    }
    cells[at] = value.replaceAll('\u0000', '\uFFFD');
  });
}

/**
 * The cells of a record as text, with lists that a spreadsheet wrote between apostrophes (or smart
 * quotes) put back together: `'A,B'` arrives as the two fields `'A` and `B'`. Only done when the
 * row has more fields than the header has columns, so apostrophes in names stay as they are.
 */
function joinQuotedLists(fields: Field[], width: number, delimiter: string): string[] {
  const values: string[] = [];
  let excess = fields.length - width;
  let i = 0;
  while (i < fields.length) {
    const field = fields[i] as Field;
    if (typeof field === 'string' && excess > 0) {
      const start = field.trimStart();
      const closes = closerOf(start[0]);
      const rest = start.slice(1).trimEnd();
      if (closes && !(rest.length > 0 && closes(rest.at(-1) as string))) {
        let end = -1;
        for (let j = i + 1; j < fields.length && j - i <= excess; j += 1) {
          const candidate = fields[j];
          if (typeof candidate === 'string' && closes(candidate.trimEnd().at(-1) ?? '')) {
            end = j;
            break;
          }
        }
        if (end > 0) {
          values.push(
            fields
              .slice(i, end + 1)
              .map((part) => (typeof part === 'string' ? part : part.value))
              .join(delimiter),
          );
          excess -= end - i;
          i = end + 1;
          continue;
        }
      }
    }
    values.push(typeof field === 'string' ? field : field.value);
    i += 1;
  }
  return values;
}

function blank(fields: Field[]): boolean {
  return fields.every((field) => typeof field === 'string' && field.trim() === '');
}

/** Checks the header and maps each column; file-level errors list what is known. */
function readHeader(type: BulkType, delimiter: ',' | ';', fields: Field[]): { header: FileHeader; plan: ColumnPlan } {
  const written = fields.map((field) =>
    (typeof field === 'string' ? field : field.value).replace(/\uFEFF/g, '').trim(),
  );
  while (written.length > 1 && written.at(-1) === '') {
    written.pop(); // spreadsheets write empty header cells after the last used column
  }
  const known = knownHeaders(type);
  const columns: string[] = [];
  const unknown: string[] = [];
  const index = new Map<string, number>();
  for (const [at, name] of written.entries()) {
    const canonical = canonicalHeader(type, name);
    if (canonical === undefined) {
      unknown.push(name);
      columns.push('');
      continue;
    }
    if (index.has(canonical)) {
      const first = written[index.get(canonical) as number];
      throw new BulkFileError(
        BulkFileErrorCodes.duplicateHeader,
        `The column "${canonical}" appears twice in the header (as "${first}" and "${name}"). Keep one of them.`,
        { header: canonical },
      );
    }
    index.set(canonical, at);
    columns.push(canonical);
  }
  if (unknown.length > 0) {
    const groupFile = GROUP_FILE_TYPES.includes(type);
    const otherKind = unknown.some((name) => canonicalHeader(groupFile ? 'add-users' : 'add-groups', name));
    const hint = otherKind
      ? groupFile
        ? ' This looks like a user file: choose a user operation, or upload a group file.'
        : ' This looks like a group file: choose a group operation, or upload a user file.'
      : '';
    const named = unknown.slice(0, SHOWN_UNKNOWN_HEADERS).map((name) => (name === '' ? '(empty)' : show(name)));
    const more = unknown.length - named.length;
    const shown = `${named.join(', ')}${more > 0 ? ` and ${more} more (${unknown.length} unknown columns in all)` : ''}`;
    throw new BulkFileError(
      BulkFileErrorCodes.unknownHeader,
      `Unknown column${unknown.length > 1 ? 's' : ''} ${shown} (delimiter "${delimiter}"). The columns of ${type} files are: ${known.join(', ')} (names are case-insensitive, in any order, any of them).${hint}`,
      {
        unknown: unknown.slice(0, SHOWN_UNKNOWN_HEADERS).map((name) => name.slice(0, 200)),
        unknownCount: unknown.length,
        known,
      },
    );
  }
  const has = (header: string) => index.has(header);
  if (GROUP_FILE_TYPES.includes(type)) {
    if (!has('User Group Name')) {
      throw missing(type, 'User Group Name');
    }
  } else if (type === 'remove-users') {
    if (!has('Email') && !(has('Username') && has('Domain'))) {
      throw missing(type, 'Email (or Username and Domain)');
    }
  } else if (!has('Email')) {
    throw missing(type, 'Email');
  }
  return { header: { delimiter, names: written, columns }, plan: { type, index, names: written } };
}

function missing(type: BulkType, column: string): BulkFileError {
  return new BulkFileError(
    BulkFileErrorCodes.missingColumn,
    `A ${type} file needs the column ${column}. Add it to the header line (the first line of the file).`,
    { column },
  );
}

/** The first non-blank line of a text (outside double quotes), or undefined when it is not complete yet. */
function firstLine(text: string): string | undefined {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && (char === '\n' || char === '\r')) {
      const line = text.slice(start, i);
      if (line.trim() !== '') {
        return line;
      }
      start = i + 1;
    }
  }
  return undefined;
}

/** `;` when the header line has more semicolons than commas outside quotes, else `,`. */
function detectDelimiter(line: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const char of line) {
    if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === ',') {
      commas += 1;
    } else if (!quoted && char === ';') {
      semicolons += 1;
    }
  }
  return semicolons > commas ? ';' : ',';
}

/** Decodes the source as UTF-8 (BOM dropped), refusing bytes that are not UTF-8. */
async function* decode(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxBytes: number | undefined,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let lines = 1;
  let first = true;
  const notUtf8 = (detail: string) =>
    new BulkFileError(BulkFileErrorCodes.notUtf8, `The file is not UTF-8 text: ${detail}. ${HOW_TO_SAVE_UTF8}`, {
      line: lines,
    });
  for await (const chunk of source) {
    let part: string;
    if (typeof chunk === 'string') {
      bytes += Buffer.byteLength(chunk);
      part = first ? chunk.replace(/^\uFEFF/, '') : chunk;
    } else {
      bytes += chunk.length;
      if (
        first &&
        chunk.length >= 2 &&
        ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
      ) {
        throw notUtf8('it is UTF-16 ("Unicode text")');
      }
      try {
        part = decoder.decode(chunk, { stream: true });
      } catch {
        const loose = new TextDecoder('utf-8').decode(chunk);
        const before = loose.slice(0, Math.max(0, loose.indexOf('\uFFFD')));
        lines += before.split('\n').length - 1;
        throw notUtf8(
          `the bytes on line ${lines} are not valid UTF-8 (the file was probably saved as ANSI or Windows-1252)`,
        );
      }
    }
    if (maxBytes !== undefined && bytes > maxBytes) {
      throw new BulkFileError(
        BulkFileErrorCodes.fileTooLarge,
        `The file is larger than ${maxBytes} bytes, the limit of this instance. Split it, or ask the operator to raise USHER_BULK_MAX_BYTES.`,
        { maxBytes },
      );
    }
    if (part.length > 0) {
      first = false;
      for (let at = part.indexOf('\n'); at >= 0; at = part.indexOf('\n', at + 1)) {
        lines += 1;
      }
      yield part;
    }
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw notUtf8('the file ends in the middle of a character');
  }
  if (tail.length > 0) {
    yield tail;
  }
}

/**
 * csv-parse's syntax errors as `bulk.malformed_csv`; BulkFileErrors unchanged.
 * @param error what reading threw
 * @param inQuotes whether the parser was inside a quoted cell when it stopped
 */
function fileError(error: unknown, inQuotes: boolean): unknown {
  if (error instanceof CsvError) {
    const where = error.lines === undefined ? '' : ` near line ${error.lines}`;
    if (error.code === 'CSV_MAX_RECORD_SIZE' && !inQuotes) {
      return new BulkFileError(
        BulkFileErrorCodes.malformedCsv,
        `The file cannot be read as CSV: a row${where} is longer than ${MAX_RECORD_CHARS.toLocaleString('en')} characters (a cell holds at most a few hundred). Check that row: it probably holds pasted data or a line break is missing.`,
        { line: error.lines, reason: 'row_too_long', maxChars: MAX_RECORD_CHARS },
      );
    }
    const reason =
      error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE'
        ? `a double quote opened${where} is never closed`
        : `${error.message}${where}`;
    return new BulkFileError(
      BulkFileErrorCodes.malformedCsv,
      `The file cannot be read as CSV: ${reason}. Check the quotes of that row: a cell that starts with a double quote must end with one, and double quotes inside a quoted cell are written twice ("").`,
      { line: error.lines, reason: error.code },
    );
  }
  return error;
}
