import { useRef, useState } from 'react';
import { RtapError } from '../../errors.js';
import { parseFilterText, type AlertFilter } from '../alert-filter.js';

export interface PromptKey {
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
}

export interface FilterPrompt {
  /** Text being typed, or null when the prompt is closed. */
  text: string | null;
  error: string | null;
  open(initial: string): void;
  /** Feeds one key to the open prompt; returns the new filter when Enter applied a valid one. */
  key(input: string, key: PromptKey): AlertFilter | null;
}

/**
 * The `f` prompt of the alerts view: line editing, Enter applies (or shows why not), Esc cancels. The
 * text lives in a ref as well as in state: keys can arrive faster than renders (a paste, tmux send-keys),
 * and each must see the text the previous one left.
 */
export function useFilterPrompt(): FilterPrompt {
  const current = useRef<string | null>(null);
  const [text, setTextState] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const setText = (t: string | null) => {
    current.current = t;
    setTextState(t);
  };
  return {
    text,
    error,
    open(initial) {
      setText(initial);
      setError(null);
    },
    key(input, key) {
      const t = current.current;
      if (t === null) return null;
      if (key.escape) {
        setText(null);
        setError(null);
        return null;
      }
      if (key.return) {
        try {
          const f = parseFilterText(t);
          setText(null);
          setError(null);
          return f;
        } catch (err) {
          setError(err instanceof RtapError ? err.message : String(err));
          return null;
        }
      }
      if (key.backspace || key.delete) setText(t.slice(0, -1));
      else if (key.ctrl && input === 'u') setText('');
      else if (!key.ctrl && !key.meta && input) setText(t + input.replace(/[\r\n\t]/g, ''));
      return null;
    },
  };
}
