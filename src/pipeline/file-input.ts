import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { RtapError } from '../errors.js';

/**
 * Every line of a JSONL file (empty ones too, so callers count line numbers), gunzipped when the name ends
 * in .gz; `onBytes` hears the bytes read from disk.
 */
export async function* readLines(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const raw = createReadStream(path);
  if (onBytes) raw.on('data', () => onBytes(raw.bytesRead));
  const opened = new Promise<void>((resolve, reject) => {
    raw.once('open', () => resolve());
    raw.once('error', (err: NodeJS.ErrnoException) =>
      reject(new RtapError(`cannot read ${path}: ${err.code ?? err.message}`)),
    );
  });
  await opened;
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}
