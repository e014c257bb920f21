import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** Terminal height in rows, updated on resize; `override` for tests. */
export function useTerminalRows(override?: number): number {
  const { stdout } = useStdout();
  const [rows, setRows] = useState(() => override ?? stdout.rows ?? 24);
  useEffect(() => {
    if (override !== undefined) {
      setRows(override);
      return;
    }
    const onResize = () => setRows(stdout.rows ?? 24);
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout, override]);
  return rows;
}
