import { type Insertable, type Selectable, sql } from 'kysely';
import type { Executor } from './database.ts';
import type { DB } from './schema.ts';

/**
 * A row for `insertMany`: the table's insertable columns, with jsonb columns given as the value
 * itself (an object or array, not its JSON text) and timestamps as `Date` or ISO text.
 */
export type ManyRow<T extends keyof DB> = { [K in keyof Insertable<DB[T]>]: unknown };

/**
 * Inserts many rows with one statement and one parameter: the rows travel as one JSON array that
 * PostgreSQL turns into the table's own row type (`json_populate_recordset`), so column types come
 * from the table. A `VALUES` list of 1,000 rows of 10 columns is 10,000 parameters for the server
 * to parse and bind, which cost as much as the insert itself.
 *
 * Every row must have the same columns (those of the first row); a value left out is NULL, not
 * the column's default. Rows are inserted in the order given.
 * @param db database or transaction
 * @param table the table
 * @param rows the rows
 */
export async function insertMany<T extends keyof DB & string>(
  db: Executor,
  table: T,
  rows: ManyRow<T>[],
): Promise<void> {
  const first = rows[0];
  if (!first) {
    return;
  }
  await insertStatement(table, Object.keys(first), rows, false).execute(db);
}

/**
 * `insertMany` that returns the inserted rows, in the order given.
 * @returns the inserted rows, every column
 */
export async function insertManyReturning<T extends keyof DB & string>(
  db: Executor,
  table: T,
  rows: ManyRow<T>[],
): Promise<Selectable<DB[T]>[]> {
  const first = rows[0];
  if (!first) {
    return [];
  }
  const result = await insertStatement(table, Object.keys(first), rows, true).execute(db);
  return result.rows as Selectable<DB[T]>[];
}

function insertStatement(table: string, columns: string[], rows: unknown[], returning: boolean) {
  const list = sql.join(columns.map((column) => sql.ref(column)));
  return sql`insert into ${sql.table(table)} (${list})
    select ${list} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json)
    ${returning ? sql`returning *` : sql``}`;
}
