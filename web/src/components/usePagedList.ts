import { useCallback, useEffect, useRef, useState } from 'react';
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
  loadMore: () => void;
  /** Loads the first page again (after a change). */
  reload: () => void;
  /** Whether an answer started at `generation` still belongs to the list shown. */
  isCurrent: (generation: number) => boolean;
  /** The current generation, to check an answer against later with `isCurrent`. */
  generation: () => number;
}

/**
 * Loads a cursor-paged list, first page on each change of `path` (its query string carries the
 * search, filters and sort), then more pages on demand. An answer to an earlier path or reload
 * never replaces a later one.
 * @param path the list with its query, e.g. `/api/v1/groups?search=des`; null loads nothing
 * @param options.onFirstPage called when a first page arrives (to clear a selection)
 */
export function usePagedList<T>(path: string | null, options: { onFirstPage?: () => void } = {}): PagedList<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState<'first' | 'more' | null>(path === null ? null : 'first');
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const generation = useRef(0);
  const onFirstPage = useRef(options.onFirstPage);
  onFirstPage.current = options.onFirstPage;

  const load = useCallback(async (from: string, cursor: string | null) => {
    const mine = cursor ? generation.current : ++generation.current;
    setLoading(cursor ? 'more' : 'first');
    setError(null);
    try {
      const url = new URL(from, window.location.origin);
      url.searchParams.set('limit', String(LIMITS.pageSizeDefault));
      if (cursor) {
        url.searchParams.set('cursor', cursor);
      }
      const page = await api.get<Page<T>>(`${url.pathname}${url.search}`);
      if (mine !== generation.current) {
        return;
      }
      setItemsState((current) => (cursor ? [...current, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
      if (!cursor) {
        onFirstPage.current?.();
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
    loadMore: () => {
      if (path !== null && nextCursor) {
        void load(path, nextCursor);
      }
    },
    reload: () => setVersion((value) => value + 1),
    isCurrent: (at) => at === generation.current,
    generation: () => generation.current,
  };
}
