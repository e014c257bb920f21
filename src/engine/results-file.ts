import { existsSync } from 'node:fs';
import { readNumberedLines } from '../files/lines.js';
import { RtapError, UsageError } from '../errors.js';
import type { ViewResult } from '../events/results.js';

/**
 * Reads stored results: JSON lines as the JSONL sink writes them (`{"kind":"result", ...ViewResult}`;
 * alert lines are skipped), gzip-compressed when the name ends in .gz. A malformed line is an error that
 * names the file and line.
 */
export async function readResults(path: string): Promise<ViewResult[]> {
  if (!existsSync(path)) throw new UsageError(`results file not found: ${path}`);
  const out: ViewResult[] = [];
  // A .gz cut short is an error naming the file and the last complete line (src/files/lines.ts).
  for await (const { line, text } of readNumberedLines(path)) {
    const n = line;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(text);
    } catch (err) {
      throw new RtapError(`${path}:${n}: not valid JSON (${(err as Error).message})`);
    }
    // Alerts and file mode's dead letters share the file: only results are read.
    if (v.kind === 'alert' || v.kind === 'dead_letter') continue;
    if (
      typeof v.view !== 'string' ||
      typeof v.key !== 'string' ||
      typeof v.window_start !== 'number' ||
      typeof v.window_end !== 'number' ||
      (v.emit !== 'final' && v.emit !== 'early') ||
      typeof v.fields !== 'object'
    ) {
      throw new RtapError(
        `${path}:${n}: not a view result (needs view, key, window_start, window_end, emit, fields)`,
      );
    }
    delete v.kind;
    out.push(v as unknown as ViewResult);
  }
  return out;
}
