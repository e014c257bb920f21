import { useLayoutEffect } from 'react';
import type { Alert } from '../../events/results.js';
import type { AlertSource } from '../sources.js';

/** Hands every alert of `source` to `onAlert` (which records it) and invalidates the frame. */
export function useAlertStream(
  source: AlertSource,
  onAlert: (a: Alert) => void,
  invalidate: () => void,
): void {
  useLayoutEffect(() => {
    const listener = (a: Alert) => {
      onAlert(a);
      invalidate();
    };
    source.on('alert', listener);
    return () => void source.off('alert', listener);
  }, [source, onAlert, invalidate]);
}
