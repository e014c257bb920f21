import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** Terminal width, updated on resize (ink redraws on resize; this makes the layout follow). */
export function useTerminalWidth(override?: number): number {
  const { stdout } = useStdout();
  const [width, setWidth] = useState(() => override ?? stdout.columns ?? 80);
  useEffect(() => {
    if (override !== undefined) {
      setWidth(override);
      return;
    }
    const onResize = () => setWidth(stdout.columns ?? 80);
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, override]);
  return width;
}
