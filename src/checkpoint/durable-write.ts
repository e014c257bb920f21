import { Worker } from 'node:worker_threads';
import { RtapError } from '../errors.js';

/**
 * Durable file writes on a thread of their own: write a temporary file, fsync it, rename it over its
 * final name and fsync the directory, all synchronously there, answered with one message. The same
 * steps through fs/promises took one turn of the processor's event loop each, and writeFile takes one
 * per 512 KiB: about 45 turns for a 19 MB checkpoint, each queued behind a batch being processed, so
 * the state became durable 0.9 s after the snapshot at 10k events/s (bench/checkpoint-size.ts) while
 * the disk writes and syncs 19 MB in about 0.1 s.
 */
const WORKER = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', ({ id, tmp, final, dir, data }) => {
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      if (typeof data === 'string') fs.writeFileSync(fd, data);
      else for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, final);
    const d = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(d);
    } finally {
      fs.closeSync(d);
    }
    parentPort.postMessage({ id });
  } catch (err) {
    try { fs.rmSync(tmp, { force: true }); } catch {}
    parentPort.postMessage({ id, error: err.message });
  }
});
`;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; final: string }>();

function writer(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER, { eval: true });
  w.on('message', (m: { id: number; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) w.unref();
    if (m.error) p.reject(new RtapError(`checkpoint ${p.final}: cannot be written: ${m.error}`));
    else p.resolve();
  });
  const failAll = (err: Error) => {
    worker = null;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new RtapError(`checkpoint ${p.final}: the writer thread failed: ${err.message}`));
    }
  };
  w.on('error', failAll);
  w.on('exit', (code) => failAll(new Error(`exited with code ${code}`)));
  w.unref();
  return (worker = w);
}

/**
 * Writes `data` to `final` durably: atomic on POSIX (a reader sees the whole file or the old one), and
 * the rename survives a crash. A Buffer that owns its memory is moved to the writer thread, not copied:
 * the caller must not use it afterwards.
 */
export function writeDurably(final: string, dir: string, data: string | Buffer): Promise<void> {
  const w = writer();
  const id = nextId++;
  const tmp = `${final}.tmp-${process.pid}`;
  const owned =
    typeof data !== 'string' && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return new Promise<void>((resolve, reject) => {
    pending.set(id, { resolve, reject, final });
    // A pending write keeps the process alive until it is durable.
    w.ref();
    w.postMessage({ id, tmp, final, dir, data }, owned ? [data.buffer as ArrayBuffer] : []);
  });
}
