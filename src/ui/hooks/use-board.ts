import { useLayoutEffect, useState } from 'react';
import type { ViewResult } from '../../events/results.js';
import { Board } from '../board.js';
import type { ResultSource } from '../sources.js';

/** Top pages and active users from the view results of `source`. */
export function useBoard(source: ResultSource, invalidate: () => void): Board {
  const [board] = useState(() => new Board());
  useLayoutEffect(() => {
    const onResult = (r: ViewResult) => {
      if (board.onResult(r)) invalidate();
    };
    source.on('result', onResult);
    return () => void source.off('result', onResult);
  }, [source, board, invalidate]);
  return board;
}
