import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';

/**
 * A list page's view (search, filters, sort) kept in the address too, replacing its entry, so Back
 * brings the same view back and a view can be bookmarked or shared. The address changing from
 * outside (a link to the bare page, Back within the page) shows what it says.
 * @param read the view an address describes (defaults for what it leaves out)
 * @param write the address of a view (nothing for the defaults)
 */
export function useAddressState<V>(
  read: (params: URLSearchParams) => V,
  write: (view: V) => URLSearchParams,
): [V, (update: V | ((current: V) => V)) => void] {
  const [searchParams, setSearchParams] = useSearchParams();
  const [view, setView] = useState<V>(() => read(searchParams));
  const written = useRef(searchParams.toString());

  const address = write(view).toString();
  useEffect(() => {
    if (address !== written.current) {
      written.current = address;
      setSearchParams(address, { replace: true });
    }
  }, [address, setSearchParams]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new address is read (`read` is the page's own).
  useEffect(() => {
    const current = searchParams.toString();
    if (current !== written.current) {
      written.current = current;
      setView(read(searchParams));
    }
  }, [searchParams]);

  return [view, setView];
}
