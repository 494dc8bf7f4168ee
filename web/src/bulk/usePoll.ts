import { useEffect, useRef } from 'react';

/** How often unfinished operations are asked for their progress. */
export const POLL_MS = 1000;

/**
 * Calls `tick` every second while `active`, never two at once: the next call is planned only
 * after the previous one settled. Stops when `active` turns false or the component goes away.
 */
export function usePoll(active: boolean, tick: () => Promise<void>): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!active) {
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await latest.current();
      } catch {
        // A failed poll is tried again on the next tick.
      }
      if (!stopped) {
        timer = setTimeout(run, POLL_MS);
      }
    };
    timer = setTimeout(run, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active]);
}
