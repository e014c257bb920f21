import { RtapError, EXIT } from '../errors.js';

/**
 * A problem in a .cep file: names the file, line and column, shows the offending line with a caret under
 * the column, and says what was expected. Exit code 2 (usage): the user's input is wrong, not rtap.
 */
export class CepSyntaxError extends RtapError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly problem: string,
    readonly sourceLine: string,
  ) {
    super(`${file}:${line}:${column}: ${problem}\n${formatCaret(line, column, sourceLine)}`, EXIT.USAGE);
    this.name = 'CepSyntaxError';
  }
}

/** Characters of the offending line shown on each side of the column (generated files have huge lines). */
const CONTEXT = 60;

function formatCaret(line: number, column: number, text: string): string {
  const gutter = String(line);
  const from = Math.max(0, column - 1 - CONTEXT);
  const to = Math.min(text.length, column - 1 + CONTEXT);
  const shown = (from > 0 ? '…' : '') + text.slice(from, to) + (to < text.length ? '…' : '');
  // Tabs are kept so the caret lines up under the same characters in a terminal.
  const pad = ((from > 0 ? '…' : '') + text.slice(from, column - 1)).replace(/[^\t]/g, ' ');
  return `  ${gutter} | ${shown}\n  ${' '.repeat(gutter.length)} | ${pad}^`;
}

/** Source text with a name, able to turn an offset into a line/column error. */
export class Source {
  private lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    const end = line < this.lineStarts.length ? this.lineStarts[line] - 1 : this.text.length;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  error(offset: number, problem: string): CepSyntaxError {
    const { line, column } = this.position(offset);
    return new CepSyntaxError(this.file, line, column, problem, this.lineText(line));
  }
}
