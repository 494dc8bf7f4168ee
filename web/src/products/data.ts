/** Loading products and product profiles for pickers and pages. */
import { useEffect, useState } from 'react';
import { LIMITS } from '../../../shared/contracts.ts';
import { api, queryString } from '../api.ts';
import type { Page, Product, ProductProfile } from '../types.ts';

/** Pages followed at most by fetchAll (pickers list the first 10,000 entries). */
const MAX_PAGES = 20;

/**
 * Fetches every page of a cursor-paged list (up to a cap), in the API's order.
 * @param path list path, e.g. `/api/v1/products`
 * @param params extra query parameters
 */
export async function fetchAll<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const query = queryString({ ...params, limit: String(LIMITS.pageSizeMax), cursor: cursor ?? undefined });
    const answer: Page<T> = await api.get<Page<T>>(`${path}${query}`);
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) {
      break;
    }
  }
  return items;
}

/** What a list hook holds: the items (null while loading or when not allowed) and the load error. */
export interface Loaded<T> {
  items: T[] | null;
  error: unknown;
  reload: () => void;
}

function useAll<T>(path: string, enabled: boolean, params: Record<string, string | undefined> = {}): Loaded<T> {
  const key = queryString(params);
  /** The items with the query they answer, so a new query never shows the previous one's items. */
  const [loaded, setLoaded] = useState<{ key: string; items: T[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `params`; `version` reloads.
  useEffect(() => {
    if (!enabled) {
      return;
    }
    let active = true;
    setError(null);
    fetchAll<T>(path, params)
      .then((items) => {
        if (active) {
          setLoaded({ key, items });
        }
      })
      .catch((caught: unknown) => {
        if (active) {
          setError(caught);
        }
      });
    return () => {
      active = false;
    };
  }, [path, enabled, key, version]);
  return {
    items: enabled && loaded?.key === key ? loaded.items : null,
    error,
    reload: () => setVersion((value) => value + 1),
  };
}

/** The products the admin may see (when `enabled`, i.e. with `product.read`). */
export function useProducts(enabled: boolean): Loaded<Product> {
  return useAll<Product>('/api/v1/products', enabled);
}

/** The product profiles the admin may see, optionally of one product (when `enabled`). */
export function useProfiles(enabled: boolean, productId?: string): Loaded<ProductProfile> {
  return useAll<ProductProfile>('/api/v1/product-profiles', enabled, { productId });
}
