import { UsageError } from '../errors.js';

/**
 * JSON.parse of a file the user gave; a syntax error names `where` with the line and column (Node's own
 * message gives only the character offset).
 */
export function parseJsonFile(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    if (!pos) throw new UsageError(`${where}: not valid JSON: ${msg}`);
    const offset = Number(pos[1]);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    throw new UsageError(
      `${where}:${line}:${column}: not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`,
    );
  }
}
