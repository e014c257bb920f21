import { useEffect } from 'react';

/** Calls `invalidate` every `periodMs`: ages ("last alert 4s ago") and clocks move without new data. */
export function useTicker(periodMs: number, invalidate: () => void): void {
  useEffect(() => {
    const timer = setInterval(invalidate, periodMs);
    return () => clearInterval(timer);
  }, [periodMs, invalidate]);
}
