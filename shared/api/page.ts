/** The page of every cursor-paged list (`GET /api/v1/users`, `/groups`, `/audit-events`…). */
import { z } from 'zod';
import { type CappedCount, CappedCountSchema } from './overview.ts';

/**
 * The schema of one page of a list of `item`.
 * @param item the schema of one item
 * @returns `{ items, nextCursor }`
 */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` to get the next page; null on the last page.' }),
  });
}

/**
 * The schema of one page of a list that also says how many items match its filters: `total` on the
 * first page (exact up to 10,000, else "more than"), null on the next ones.
 * @param item the schema of one item
 * @returns `{ items, nextCursor, total }`
 */
export function countedPageOf<T extends z.ZodType>(item: T) {
  return pageOf(item).extend({
    total: CappedCountSchema.nullable().meta({
      description: 'How many match (exact up to 10,000); on the first page only, null on the next ones.',
    }),
  });
}

/** One page of a list that counts its matches: `countedPageOf`'s shape. */
export interface CountedPage<T> extends Page<T> {
  total: CappedCount | null;
}

/** One page of a cursor-paged list: `pageOf`'s shape for items of type `T`. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}
