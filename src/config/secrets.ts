import type { Setting } from './settings.js';

export const MASK = '***';

/**
 * The values of secret settings (passwords, tokens) of a resolved command, to mask wherever rtap prints
 * text. Values shorter than 3 characters are not searched for: masking every "a" would garble messages.
 */
export function secretValues(settings: Setting[], values: Record<string, unknown>): string[] {
  return settings
    .filter((s) => s.secret)
    .map((s) => values[s.key])
    .filter((v): v is string => typeof v === 'string' && v.length >= 3);
}

/** `text` with every secret replaced by ***. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(MASK);
  return out;
}

/**
 * Masks secrets in everything written to `stream` (stderr: rtap's messages, the Kafka client's log lines,
 * the live views), so no code path can log a password or token. Returns a function that undoes it.
 */
export function redactStream(stream: NodeJS.WriteStream, secrets: readonly string[]): () => void {
  if (secrets.length === 0) return () => {};
  const original = stream.write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : null;
    const out = text === null ? chunk : redact(text, secrets);
    return (original as (...a: unknown[]) => boolean).call(this, out, ...rest);
  } as NodeJS.WriteStream['write'];
  return () => {
    stream.write = original;
  };
}
