import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

/** Characters that make Excel, LibreOffice and Google Sheets read a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

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
 * @returns a readable stream of the file
 */
export function csvStream(header: string[], rows: AsyncIterable<(string | number | null | undefined)[]>): Readable {
  const stringifier = stringify({ bom: true, record_delimiter: 'windows' });
  const cells = async function* () {
    yield header;
    for await (const row of rows) {
      yield row.map((cell) => (cell === null || cell === undefined ? '' : guardCell(String(cell))));
    }
  };
  return Readable.from(cells()).pipe(stringifier);
}
