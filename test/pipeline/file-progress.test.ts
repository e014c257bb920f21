import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FileProgress, formatEta, progressText } from '../../src/pipeline/file-progress.js';

function fakeStream() {
  const out: string[] = [];
  return { out, stream: { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WriteStream };
}

test('progress text: reading first, then processed of total with rate and ETA', () => {
  assert.equal(
    progressText('a.jsonl', { read: 1200, readDone: false, processed: 0, ratePerSec: null }),
    'reading a.jsonl: 1,200 records',
  );
  // 10,000 left at 2,000/s: 5 s.
  assert.equal(
    progressText('a.jsonl', { read: 40_000, readDone: true, processed: 30_000, ratePerSec: 2000 }),
    'processing a.jsonl: 30,000 of 40,000 events (75%) · 2,000 events/s · ETA 5s',
  );
  assert.equal(formatEta(61), '1m01s');
  assert.equal(formatEta(3 * 3600 + 120), '3h02m');
});

test('on a terminal the line is redrawn in place and erased at the end; elsewhere a plain line now and then', () => {
  let now = 0;
  let processed = 0;
  const source = { read: () => 10_000, readDone: () => true, processed: () => processed };
  const tty = fakeStream();
  const p = new FileProgress(source, { file: 'f', stream: tty.stream, interactive: true, now: () => now });
  for (let i = 0; i < 5; i++) {
    now += 1000;
    processed += 1000;
    p.tick();
  }
  p.stop();
  assert.ok(
    tty.out.every((s) => s.startsWith('\r\x1b[K') && !s.includes('\n')),
    'no line feeds: nothing scrolls',
  );
  assert.equal(
    tty.out.at(-2),
    '\r\x1b[Kprocessing f: 5,000 of 10,000 events (50%) · 1,000 events/s · ETA 5s',
  );
  assert.equal(tty.out.at(-1), '\r\x1b[K');

  const plain = fakeStream();
  now = 0;
  processed = 0;
  const q = new FileProgress(source, { file: 'f', stream: plain.stream, interactive: false, now: () => now });
  for (let i = 0; i < 25; i++) {
    now += 1000;
    q.tick();
  }
  q.stop();
  assert.equal(plain.out.length, 2, 'one line per 10 s');
  assert.ok(plain.out.every((s) => s.startsWith('rtap process: ') && s.endsWith('\n')));
});
