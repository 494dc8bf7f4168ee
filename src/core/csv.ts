import { pipeline, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

/**
 * Cells that Excel, LibreOffice or Google Sheets may read as a formula: one that starts with
 * `= + - @`, a tab or a line break — also after leading spaces or a double quote, and in their
 * fullwidth forms (＝ ＋ － ＠), which some spreadsheets fold to ASCII.
 */
export const FORMULA_START = /^[\s\u00A0\u3000"]*[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * Neutralises a cell that a spreadsheet would run as a formula (CSV injection, OWASP), by
 * prefixing an apostrophe, which spreadsheets hide and treat as "text".
 * @param value the cell
 * @returns the safe cell
 */
export function guardCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * Streams rows as RFC 4180 CSV (UTF-8 with BOM so Excel reads accents, CRLF line ends), every cell
 * guarded against formula injection.
 * @param header the header row
 * @param rows the data rows, produced lazily so memory stays flat whatever the size
 * @returns a readable stream of the file; an error while reading `rows` fails the stream
 */
export function csvStream(header: string[], rows: AsyncIterable<(string | number | null | undefined)[]>): Readable {
  const stringifier = stringify({ bom: true, record_delimiter: 'windows' });
  const cells = async function* () {
    yield header;
    for await (const row of rows) {
      yield row.map((cell) => (cell === null || cell === undefined ? '' : guardCell(String(cell))));
    }
  };
  // pipeline, not pipe: a failing source (a query error mid-export) destroys the stringifier with
  // its error, which ends this one response (Fastify logs it) instead of the process.
  return pipeline(Readable.from(cells()), stringifier, () => {});
}
