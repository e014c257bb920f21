/**
 * One generator thread (threads.ts starts it): generates, encodes and sends whole shards of the seeded
 * stream with a producer of its own, on the shared schedule, from the origin the main thread gives.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RtapError, UsageError } from '../errors.js';
import { systemClock } from '../time/clock.js';
import { openTransport } from '../transport/open.js';
import type { Producer } from '../transport/types.js';
import { createShardGenerator, type Generator, type SimRecord } from './generator.js';
import { emptySummary, runSchedule, type PacingHooks, type RunSummary } from './pacing.js';
import { pacingFromSpec } from './pacing-spec.js';
import { recordingLine } from './recording.js';
import { RelayProducer } from './relay.js';
import { createSchedule, type Schedule } from './schedule.js';
import { shardOfIndex, shardsOfThread } from './sharding.js';
import type { FromThread, ThreadSpec, ToThread } from './thread-protocol.js';

const spec = workerData as ThreadSpec;
const port = parentPort!;
const post = (m: FromThread, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

/** Lines go out in chunks; unpaced generation waits for the main thread once this many are unread. */
const LINES_PER_CHUNK = 2000;
const CHUNKS_AHEAD = 8;
const TUPLES_PER_CHUNK = 4096;

/**
 * The thread's part of the schedule: every offset of the shared schedule is drawn, those of other
 * threads' shards are skipped, and the shard of each offset handed out is queued for the record source
 * (runSchedule asks the schedule for an offset before it asks the source for that offset's record).
 */
function ownPart(schedule: Schedule, generators: Map<number, Generator>, shards: number) {
  let i = 0;
  const due: number[] = [];
  return {
    schedule: {
      next(): number | null {
        for (;;) {
          const offset = schedule.next();
          if (offset === null) return null;
          const shard = shardOfIndex(i++, shards);
          if (generators.has(shard)) {
            due.push(shard);
            return offset;
          }
        }
      },
    },
    source: { next: (t: number): SimRecord => generators.get(due.shift()!)!.next(t) },
  };
}

function lineOf(record: SimRecord, intended: number): string {
  if (spec.lines === 'recording') return recordingLine(record, intended);
  return record.event ? JSON.stringify(record.event) : '';
}

let credit = CHUNKS_AHEAD;
let creditWaiter: (() => void) | null = null;
let go: ((origin: number) => void) | null = null;
const abort = new AbortController();
const relay = spec.transport === 'relay' ? new RelayProducer(post) : null;
port.on('message', (m: ToThread) => {
  if (m.kind === 'go') go?.(m.origin);
  else if (m.kind === 'sent' || m.kind === 'send-failed') relay?.settle(m);
  else if (m.kind === 'stop') abort.abort();
  else if (m.kind === 'credit') {
    credit++;
    creditWaiter?.();
    creditWaiter = null;
  }
});

async function unpaced(part: ReturnType<typeof ownPart>): Promise<RunSummary> {
  const start = spec.config.startTime;
  const s = emptySummary(0);
  let lines: string[] = [];
  for (let offset = part.schedule.next(); offset !== null; offset = part.schedule.next()) {
    if (abort.signal.aborted) break;
    const intended = start + offset;
    const record = part.source.next(intended);
    s.scheduled++;
    s.byTopic[record.topic] = (s.byTopic[record.topic] ?? 0) + 1;
    if (!record.event) s.malformed++;
    if (record.duplicate) s.duplicates++;
    if (record.late) s.late++;
    lines.push(lineOf(record, intended));
    if (lines.length >= LINES_PER_CHUNK) {
      while (credit === 0) await new Promise<void>((r) => (creditWaiter = r));
      credit--;
      post({ kind: 'lines', lines });
      lines = [];
    }
  }
  if (lines.length) post({ kind: 'lines', lines });
  s.sent = s.scheduled;
  s.aborted = abort.signal.aborted;
  return s;
}

async function live(part: ReturnType<typeof ownPart>, producer: Producer): Promise<RunSummary> {
  let tuples = new Float64Array(TUPLES_PER_CHUNK * 4);
  let n = 0;
  let lines: string[] = [];
  const flushTuples = () => {
    if (n === 0) return;
    const out = tuples.subarray(0, n * 4).slice();
    post({ kind: 'published', tuples: out }, [out.buffer]);
    tuples = new Float64Array(TUPLES_PER_CHUNK * 4);
    n = 0;
  };
  const flushLines = () => {
    if (lines.length) post({ kind: 'lines', lines });
    lines = [];
  };
  const hooks: PacingHooks = {
    signal: abort.signal,
    onPublished: spec.published
      ? (intended, sentAt, ackedAt, count) => {
          tuples.set([intended, sentAt, ackedAt, count], n * 4);
          if (++n === TUPLES_PER_CHUNK) flushTuples();
        }
      : undefined,
    onRecord: spec.lines
      ? (record, intended) => {
          lines.push(lineOf(record, intended));
          if (lines.length >= LINES_PER_CHUNK) flushLines();
        }
      : undefined,
    onProgress: (progress) => {
      flushTuples();
      flushLines();
      post({ kind: 'progress', progress });
    },
    onError: (err, count) => post({ kind: 'error', message: err.message, count }),
  };
  const origin = await new Promise<number>((r) => {
    go = r;
    post({ kind: 'ready' });
  });
  const summary = await runSchedule(part.source, producer, () => part.schedule, systemClock, hooks, {
    ...spec.pacing,
    progressIntervalMs: Math.min(spec.pacing.progressIntervalMs ?? 1000, 250),
    origin,
  });
  await producer.flush();
  flushTuples();
  flushLines();
  return summary;
}

async function main(): Promise<void> {
  const shards = shardsOfThread(spec.thread, spec.threads, spec.config.shards);
  const generators = new Map(shards.map((s) => [s, createShardGenerator(spec.config, s)]));
  const part = ownPart(createSchedule(pacingFromSpec(spec.pacing)), generators, spec.config.shards);
  if (!spec.transport) {
    post({ kind: 'done', summary: await unpaced(part) });
    return;
  }
  if (spec.transport === 'relay') {
    post({ kind: 'done', summary: await live(part, relay!) });
    return;
  }
  const transport = await openTransport(spec.transport);
  const producer = transport.producer({ clientId: spec.clientId });
  try {
    const t = spec.config.topics;
    await producer.connect?.([t.events, t.userEvents, t.productView, t.orders]);
    const summary = await live(part, producer);
    post({ kind: 'done', summary });
  } finally {
    await producer.close().catch(() => {});
    await transport.close().catch(() => {});
  }
}

main()
  .catch((err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    post({
      kind: 'fatal',
      message: e.message,
      usage: e instanceof UsageError,
      hint: e instanceof RtapError ? e.hint : undefined,
    });
  })
  // The message port would keep the thread alive: let it end once everything posted is on its way.
  .finally(() => port.unref());
