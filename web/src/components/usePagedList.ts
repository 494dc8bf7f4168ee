import { useCallback, useEffect, useRef, useState } from 'react';
import type { CappedCount } from '../../../shared/api/overview.ts';
import { LIMITS } from '../../../shared/contracts.ts';
import { api } from '../api.ts';
import type { Page } from '../types.ts';

/** A cursor-paged list of the API as a page shows it. */
export interface PagedList<T> {
  items: T[];
  /** Replaces the loaded items (live progress of some of them). */
  setItems: (update: (items: T[]) => T[]) => void;
  hasMore: boolean;
  /** 'first' while the first page loads (the table shows a spinner), 'more' while a next one does. */
  loading: 'first' | 'more' | null;
  /** The last failed load, or null. */
  error: unknown;
  /** How many match, where the list's first page says it (`total`); else null. */
  total: CappedCount | null;
  loadMore: () => void;
  /** Loads the first page again (after a change). */
  reload: () => void;
  /**
   * Fetches the first page again without the spinner (the list moved on by itself: live progress);
   * a list the admin paged on with "Load more" is left as it is.
   */
  refresh: () => void;
  /** Whether an answer started at `generation` still belongs to the list shown. */
  isCurrent: (generation: number) => boolean;
  /** The current generation, to check an answer against later with `isCurrent`. */
  generation: () => number;
}

interface PagedListOptions<T, R> {
  /** Called when a first page arrives (to clear a selection). */
  onFirstPage?: () => void;
  /** The item a row of the answer shows as (a list read from one of two paths). */
  toItem?: (row: R) => T;
}

/**
 * Loads a cursor-paged list, first page on each change of `path` (its query string carries the
 * search, filters and sort), then more pages on demand. An answer to an earlier path or reload
 * never replaces a later one.
 * @param path the list with its query, e.g. `/api/v1/groups?search=des`; null loads nothing
 * @param options.onFirstPage called when a first page arrives (to clear a selection)
 * @param options.toItem turns a row of the answer into an item (by default the row is the item)
 * @returns the items loaded so far and what moves the list
 */
export function usePagedList<T, R = T>(path: string | null, options: PagedListOptions<T, R> = {}): PagedList<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [total, setTotal] = useState<CappedCount | null>(null);
  const [loading, setLoading] = useState<'first' | 'more' | null>(path === null ? null : 'first');
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const generation = useRef(0);
  /** Whether the last page loaded was a next one (then a refresh leaves the list as it is). */
  const pagedOn = useRef(false);
  const latest = useRef(options);
  latest.current = options;

  const load = useCallback(async (from: string, cursor: string | null, quiet = false) => {
    const mine = cursor ? generation.current : ++generation.current;
    if (!quiet) {
      setLoading(cursor ? 'more' : 'first');
    }
    setError(null);
    try {
      const url = new URL(from, window.location.origin);
      url.searchParams.set('limit', String(LIMITS.pageSizeDefault));
      if (cursor) {
        url.searchParams.set('cursor', cursor);
      }
      const page = await api.get<Page<R> & { total?: CappedCount | null }>(`${url.pathname}${url.search}`);
      if (mine !== generation.current) {
        return;
      }
      const { toItem } = latest.current;
      const loaded = toItem ? page.items.map(toItem) : (page.items as unknown as T[]);
      pagedOn.current = Boolean(cursor);
      setItemsState((current) => (cursor ? [...current, ...loaded] : loaded));
      setNextCursor(page.nextCursor);
      if (!cursor) {
        setTotal(page.total ?? null);
        latest.current.onFirstPage?.();
      }
    } catch (caught) {
      if (mine === generation.current) {
        setError(caught);
      }
    } finally {
      if (mine === generation.current) {
        setLoading(null);
      }
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks for a reload after a change.
  useEffect(() => {
    if (path !== null) {
      void load(path, null);
    }
  }, [path, load, version]);

  return {
    items,
    setItems: setItemsState,
    hasMore: nextCursor !== null,
    loading,
    error,
    total,
    loadMore: () => {
      if (path !== null && nextCursor) {
        void load(path, nextCursor);
      }
    },
    reload: () => setVersion((value) => value + 1),
    refresh: () => {
      if (path !== null && !pagedOn.current) {
        void load(path, null, true);
      }
    },
    isCurrent: (at) => at === generation.current,
    generation: () => generation.current,
  };
}
