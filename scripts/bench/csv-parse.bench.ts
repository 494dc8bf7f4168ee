import { openBulkCsv } from '../../src/bulk/csv/index.ts';

/**
 * The bulk CSV parser alone: an add-users file of `rows` rows (each with 2 profiles and 2 groups,
 * Excel-style: BOM, semicolons, CRLF) generated in 64 KiB chunks and parsed with the row limit
 * raised. Prints rows per second and the peak resident memory, which must not grow with the file.
 * @param options the number of rows
 */
export async function runCsvParseBench(options: { rows: number }): Promise<void> {
  const { rows } = options;
  async function* file(): AsyncGenerator<Buffer> {
    let chunk = '\uFEFFIdentity Type;Email;First Name;Last Name;Country Code;Product Configurations;User Groups\r\n';
    for (let i = 0; i < rows; i += 1) {
      chunk += `Federated ID;user.${i}@bench.example;Jan;Novák ${i};CZ;"Photoshop - Default,Acrobat Pro - Default";'Designers,Group ${i % 1000}'\r\n`;
      if (chunk.length >= 65_536) {
        yield Buffer.from(chunk);
        chunk = '';
      }
    }
    yield Buffer.from(chunk);
  }
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  const { rows: parsed } = await openBulkCsv(file(), { type: 'add-users', maxRows: rows });
  let count = 0;
  let issues = 0;
  for await (const row of parsed) {
    count += 1;
    issues += row.issues.length;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(`csv-parse: ${count.toLocaleString('en')} rows (${issues} issues) in ${seconds.toFixed(2)} s`);
  console.log(
    `  ${Math.round(count / seconds).toLocaleString('en')} rows/s, peak RSS ${Math.round(peak / 1024 / 1024)} MB`,
  );
}
