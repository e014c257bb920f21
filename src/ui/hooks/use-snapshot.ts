import { useLayoutEffect, useRef } from 'react';
import type { LiveSnapshot } from '../../pipeline/live-stats.js';
import type { SnapshotSource } from '../sources.js';

/**
 * Subscribes in a layout effect (during the mount commit), so a sample emitted right after mounting is
 * not missed.
 */
/** The latest LiveSnapshot of `source` (null before the first); each new one invalidates the frame. */
export function useSnapshot(
  source: SnapshotSource,
  invalidate: () => void,
  initial: LiveSnapshot | null = null,
): LiveSnapshot | null {
  const latest = useRef<LiveSnapshot | null>(initial);
  useLayoutEffect(() => {
    const onSnapshot = (s: LiveSnapshot) => {
      latest.current = s;
      invalidate();
    };
    source.on('snapshot', onSnapshot);
    return () => void source.off('snapshot', onSnapshot);
  }, [source, invalidate]);
  return latest.current;
}
