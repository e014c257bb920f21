import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Caps redraws: data hooks call `invalidate()` as often as they like, and the component re-renders at
 * most once per `refreshMs`, only when something changed. `onFrame` runs just before each redraw (to
 * move pending lines into the next batch of finished output).
 */
export function useFrame(refreshMs: number, onFrame?: () => void): { invalidate: () => void; frame: number } {
  const [frame, setFrame] = useState(0);
  const dirty = useRef(false);
  const frameHook = useRef(onFrame);
  frameHook.current = onFrame;
  useEffect(() => {
    const timer = setInterval(() => {
      if (!dirty.current) return;
      dirty.current = false;
      frameHook.current?.();
      setFrame((f) => f + 1);
    }, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs]);
  const invalidate = useCallback(() => {
    dirty.current = true;
  }, []);
  return { invalidate, frame };
}
