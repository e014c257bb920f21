import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { RtapError, UsageError } from '../errors.js';

/** Where a damaged input stopped: every line up to `line` was complete and was read. */
export interface InputCut {
  path: string;
  /** The last complete line (1-based, blank lines counted); 0 when none was. */
  line: number;
  /** What the decompressor said, e.g. "unexpected end of file". */
  reason: string;
}

export interface LineOptions {
  /**
   * Called once when the input ends early (a cut or corrupt .gz): the lines before the cut were all
   * yielded, the incomplete one after it is not, and reading ends without an error. Without it the cut
   * is an error that names the file and line.
   */
  onCut?(cut: InputCut): void;
  /** Hears how many bytes were read from disk so far (progress of a large file). */
  onBytes?(bytes: number): void;
}

/** One text line with its 1-based line number in the file. */
export interface NumberedLine {
  line: number;
  text: string;
}

export function describeCut(cut: InputCut): string {
  return `${cut.path} ends early after line ${cut.line} (${cut.reason}): the ${cut.line} complete lines before it were read, the rest of the file is lost`;
}

function ioError(path: string, err: NodeJS.ErrnoException): RtapError {
  if (err.code === 'EISDIR') return new UsageError(`${path}: is a directory, expected a file`);
  if (err.code === 'ENOENT') return new UsageError(`${path}: no such file`);
  return new RtapError(`cannot read ${path}: ${err.code ?? err.message}`);
}

/**
 * The non-blank lines of a text file, gunzipped when the name ends in .gz, with their line numbers.
 * A .gz file that is not gzip data is a usage error naming the file; one that ends early (a copy cut
 * short, a writer killed) yields every complete line before the cut and reports where it stopped.
 */
export async function* readNumberedLines(
  path: string,
  options: LineOptions = {},
): AsyncGenerator<NumberedLine> {
  for await (const lines of readNumberedLineBatches(path, options)) yield* lines;
}

/** No text but blanks: such lines are skipped (most lines start with a printable character: no trim). */
function blank(text: string): boolean {
  const c = text.charCodeAt(0);
  return !(c > 32 && c < 127) && text.trim().length === 0;
}

/** A line without its CR of a CRLF ending. */
function chomp(text: string): string {
  return text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
}

/**
 * readNumberedLines a chunk of the file at a time: the lines of each chunk read as one array, so a
 * reader of a million lines (a replay) takes a step of the generator per chunk, not per line.
 */
export async function* readNumberedLineBatches(
  path: string,
  options: LineOptions = {},
): AsyncGenerator<NumberedLine[]> {
  const raw = createReadStream(path);
  const onBytes = options.onBytes;
  if (onBytes) raw.on('data', () => onBytes(raw.bytesRead));
  await new Promise<void>((resolve, reject) => {
    raw.once('open', () => resolve());
    raw.once('error', (err: NodeJS.ErrnoException) => reject(ioError(path, err)));
  });
  const gzip = path.endsWith('.gz');
  let input: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip();
    // pipe() does not forward a read error of the file: pass it on so the loop below sees it.
    raw.on('error', (err) => gunzip.destroy(err));
    input = raw.pipe(gunzip);
  }
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNo = 0;
  let decompressed = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      decompressed += chunk.length;
      pending += decoder.write(chunk);
      let start = 0;
      let nl: number;
      const lines: NumberedLine[] = [];
      while ((nl = pending.indexOf('\n', start)) >= 0) {
        const text = chomp(pending.slice(start, nl));
        start = nl + 1;
        lineNo++;
        if (!blank(text)) lines.push({ line: lineNo, text });
      }
      pending = pending.slice(start);
      if (lines.length) yield lines;
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (!gzip || !e.code?.startsWith('Z_')) throw ioError(path, e);
    if (decompressed === 0 && e.code === 'Z_DATA_ERROR')
      throw new UsageError(`${path}: not gzip data (${e.message}), although the name ends in .gz`);
    // The bytes after the last newline belong to a line the cut left incomplete: not a record.
    const cut: InputCut = { path, line: lineNo, reason: e.message };
    if (!options.onCut) throw new RtapError(describeCut(cut));
    options.onCut(cut);
    return;
  }
  const last = chomp(pending + decoder.end());
  if (!blank(last)) yield [{ line: lineNo + 1, text: last }];
}

/** The non-blank lines of a text file (see readNumberedLines). */
export async function* readTextLines(path: string, options: LineOptions = {}): AsyncGenerator<string> {
  for await (const { text } of readNumberedLines(path, options)) yield text;
}
