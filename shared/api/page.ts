/** The page of every cursor-paged list (`GET /api/v1/users`, `/groups`, `/audit-events`…). */
import { z } from 'zod';

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

/** One page of a cursor-paged list: `pageOf`'s shape for items of type `T`. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}
