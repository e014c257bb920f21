import { useLayoutEffect, useRef } from 'react';
import type { StatusSource } from '../sources.js';

/** The latest status text of a feed (or `initial`). */
export function useStatus(source: StatusSource | undefined, invalidate: () => void, initial = ''): string {
  const status = useRef(initial);
  useLayoutEffect(() => {
    if (!source) return;
    const onStatus = (s: string) => {
      status.current = s;
      invalidate();
    };
    source.on('status', onStatus);
    return () => void source.off('status', onStatus);
  }, [source, invalidate]);
  return status.current;
}
