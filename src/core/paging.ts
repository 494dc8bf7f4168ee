import { z } from 'zod';
import type { Page } from '../../shared/api/page.ts';
import { AppError, HttpErrorCodes } from './errors.ts';

/**
 * Keyset paging, the one way every list pages: a page reads `limit + 1` rows after the position a
 * cursor names, so it knows whether more follow without counting. A cursor is the base64url JSON of
 * the last row's position; it is opaque to clients, and a forged or foreign one is a 400 that names
 * `querystring.cursor`, never a database error.
 */

/** The parts positions are made of, each no wider than the database column it is compared with. */
const text = z
  .string()
  .max(1000)
  .refine((value) => !value.includes('\u0000'), 'no NUL characters');

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}(?::?\d{2})?)$/;

/** A timestamp as `toISOString()` or PostgreSQL's `timestamptz::text` writes it, with a real date. */
const timestamp = z.string().refine((value) => {
  const match = TIMESTAMP.exec(value);
  if (!match) {
    return false;
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}, 'not a timestamp');

/** A whole number that fits PostgreSQL's bigint and a JS number exactly. */
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** The parts positions are made of, for a list that checks its own position's values further. */
export const PositionParts = { text, timestamp } as const;

/** The positions lists use. */
export const Positions = {
  /** Name-ordered lists: the lower-cased name and the id. */
  nameId: z.strictObject({ name: text, id: z.uuid() }),
  /** Newest-first lists: the creation time and the id. */
  atId: z.strictObject({ at: timestamp, id: z.uuid() }),
  /** Lists ordered by a whole number: an id, a row number, a sequence. */
  number: count,
  /**
   * The users list: the sort order it was made for, its sort key values and the id (the list checks
   * the sort and the values' types with {@link PositionParts}).
   */
  sortKeyId: z.strictObject({ s: z.string().max(40), k: z.array(text).min(1).max(2), id: z.uuid() }),
  /** Lists ordered by a bigint id. */
  id: z.strictObject({ id: count }),
  /** Lists ordered by a row number. */
  row: z.strictObject({ row: count }),
  /** Lists ordered by one lower-cased text key (an e-mail) and the id. */
  keyId: z.strictObject({ k: text, id: z.uuid() }),
  /** Newest-first lists keyed `createdAt`. */
  createdAtId: z.strictObject({ createdAt: timestamp, id: z.uuid() }),
} as const;

/**
 * The positions of a list that sorts in more than one order: the list's position and the order it
 * was made for (`s`), so that a cursor of another order is a 400 instead of a page from the wrong place.
 * @param position the list's position schema (a strict object)
 * @param sort the order of this request
 * @returns the schema of this order's positions
 */
export function sortedPosition<S extends z.ZodRawShape>(position: z.ZodObject<S>, sort: string) {
  return position.extend({ s: z.literal(sort) });
}

/**
 * Encodes a keyset position as an opaque cursor.
 * @returns base64url text
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor` and checks it against the list's position schema, types
 * included (a UUID where an id goes, a real timestamp, a whole number).
 * @param cursor the `cursor` query parameter, if any
 * @param position the schema of this list's positions
 * @returns the position, or undefined for the first page
 * @throws AppError `request.validation_failed` (400) naming `querystring.cursor` for a cursor
 *   that is not one of this list's
 */
export function readCursor<P>(cursor: string | undefined, position: z.ZodType<P>): P | undefined {
  if (!cursor) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = position.safeParse(value);
  if (!parsed.success) {
    throw new AppError(
      HttpErrorCodes.validationFailed,
      400,
      'The cursor is not valid: use the nextCursor of a previous page, or leave it out for the first page.',
      { errors: [{ field: 'querystring.cursor', message: 'not a cursor of this list' }] },
    );
  }
  return parsed.data;
}

/** What a page's reader returns: the rows, or the rows and a position to resume from. */
type Read<Row, P> = Row[] | { rows: Row[]; resumeAt: P | null };

/**
 * One page of a keyset-paged list.
 * @param query the request's `limit` and `cursor`
 * @param list `position`: the schema of the list's positions; `read`: the rows after a position,
 *   at most `limit` (it is given `limit + 1`), optionally with a position to resume from when it
 *   stopped before filling the page; `positionOf`: a row's position; `present`: the page's items
 * @returns `{ items, nextCursor }`
 * @throws AppError 400 for a cursor that is not one of this list's
 */
export async function keysetPage<P, Row, Item>(
  query: { limit: number; cursor?: string | undefined },
  list: {
    position: z.ZodType<P>;
    read: (after: P | undefined, limit: number) => Promise<Read<Row, P>>;
    positionOf: (row: Row) => P;
    present: (page: Row[]) => Item[] | Promise<Item[]>;
  },
): Promise<Page<Item>> {
  const after = readCursor(query.cursor, list.position);
  const read = await list.read(after, query.limit + 1);
  const rows = Array.isArray(read) ? read : read.rows;
  const resumeAt = Array.isArray(read) ? null : read.resumeAt;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const next = rows.length > query.limit && last ? list.positionOf(last) : resumeAt;
  return { items: await list.present(page), nextCursor: next === null ? null : encodeCursor(next) };
}

/** The position of a name-ordered list. */
export type NamePosition = z.infer<typeof Positions.nameId>;

/**
 * The position of a row in a name-ordered list (`lower(name), id`).
 * @returns the position
 */
export function namePosition(row: { name: string; id: string }): NamePosition {
  return { name: row.name.toLowerCase(), id: row.id };
}
