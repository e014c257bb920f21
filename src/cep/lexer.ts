import type { Source } from './errors.js';

export type TokenType = 'ident' | 'number' | 'string' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  /** For strings: the unescaped value; for the rest: the text as written. */
  value: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

// Longest first, so `->` wins over `-` and `<=` over `<`.
const OPS = [
  '->',
  '=>',
  '==',
  '!=',
  '<>',
  '<=',
  '>=',
  '(',
  ')',
  '{',
  '}',
  ',',
  '.',
  '+',
  '-',
  '*',
  '/',
  '%',
  '?',
  '|',
  '=',
  '<',
  '>',
  ';',
  ':',
  '[',
  ']',
];

/**
 * Splits .cep text into tokens. Comments run from `--` or `#` to the end of the line (the reference
 * documents use SQL's `--`); strings take single or double quotes with backslash escapes.
 * `from`/`to` let the template parser lex the inside of a `{...}` placeholder with true source offsets.
 */
export function tokenize(src: Source, from = 0, to = src.text.length): Token[] {
  const text = src.text;
  const out: Token[] = [];
  let i = from;
  while (i < to) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
      continue;
    }
    if (c === '#' || (c === '-' && text[i + 1] === '-')) {
      while (i < to && text[i] !== '\n') i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < to && /[A-Za-z0-9_]/.test(text[j])) j++;
      out.push({ type: 'ident', value: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < to && /[0-9_]/.test(text[j])) j++;
      if (text[j] === '.' && /[0-9]/.test(text[j + 1] ?? '')) {
        j++;
        while (j < to && /[0-9]/.test(text[j])) j++;
      }
      out.push({ type: 'number', value: text.slice(i, j).replace(/_/g, ''), start: i, end: j });
      i = j;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let value = '';
      while (j < to && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < to) {
          const n = text[j + 1];
          value += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else {
          value += text[j++];
        }
      }
      if (j >= to) throw src.error(i, `unterminated string: expected a closing ${c}`);
      out.push({ type: 'string', value, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw src.error(i, `unexpected character '${c}'`);
    out.push({ type: 'op', value: op, start: i, end: i + op.length });
    i += op.length;
  }
  out.push({ type: 'eof', value: '', start: to, end: to });
  return out;
}
