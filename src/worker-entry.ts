/**
 * How to start worker module `compiled` (a URL ending in .js, beside its caller in dist). From source
 * (tests, `node --import tsx`) the module is the .ts file, and Node 20 does not pass tsx's loader on to
 * worker threads: tsx-worker.mjs registers it inside the thread and imports the module named in
 * workerData.entry.
 */
export function workerEntry(compiled: URL): { url: URL; workerData: (data: object) => unknown } {
  if (import.meta.url.endsWith('.ts')) {
    const entry = compiled.href.replace(/\.js$/, '.ts');
    return { url: new URL('./tsx-worker.mjs', import.meta.url), workerData: (data) => ({ ...data, entry }) };
  }
  return { url: compiled, workerData: (data) => data };
}
