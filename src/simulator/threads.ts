import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RtapError, UsageError } from '../errors.js';
import { systemClock } from '../time/clock.js';
import type { SimulatorConfig } from './config.js';
import { emptySummary, type PacingHooks, type PacingProgress, type RunSummary } from './pacing.js';
import type { Admin, Producer } from '../transport/types.js';
import { serveRelay } from './relay.js';
import { shardOfIndex, topicsMixingShards, usableThreads } from './sharding.js';
import type { FromThread, LineKind, PacingSpec, ThreadSpec, ToThread } from './thread-protocol.js';

export interface ThreadedRun {
  /** Generator threads; each generates whole shards (at most config.shards threads). */
  threads: number;
  config: SimulatorConfig;
  pacing: PacingSpec;
  /**
   * Where each thread sends: with a producer of its own (Kafka options), through `relay` on this thread
   * ('relay': the embedded log), or nowhere (null: unpaced generation, a recording).
   */
  transport: ThreadSpec['transport'];
  /** The producer relayed sends go to (transport 'relay'). */
  relay?: Producer;
  clientId: string;
  /** The records' lines to merge back in schedule order and hand to onLine. */
  lines?: LineKind;
  /**
   * Clock time of the schedule's origin. Give config.startTime (a whole millisecond, a little ahead) to
   * make a live run's events a function of the configuration alone; by default the threads start
   * START_MARGIN_MS after the last one is ready.
   */
  origin?: number;
}

export interface ThreadedHooks extends Pick<
  PacingHooks,
  'onPublished' | 'onProgress' | 'onError' | 'signal'
> {
  /** Each record's line (recording line, or event JSON; '' for a malformed record), in schedule order. */
  onLine?(line: string): void;
  /** The clock time the threads' common schedule starts at. */
  onStart?(origin: number): void;
  /** Awaited after each chunk of lines before the threads may generate more (unpaced back-pressure). */
  afterLines?(): Promise<void>;
}

/**
 * Generator threads for a run into a log (Kafka or embedded): at most one per shard, and one when a topic's partition count
 * is not a multiple of the shard count (its partitions would mix shards, so several threads would write
 * to one partition and its order would depend on timing).
 */
export async function threadsForTopics(
  requested: number,
  config: SimulatorConfig,
  admin: Admin,
  log: (message: string) => void,
): Promise<number> {
  const threads = usableThreads(requested, config.shards);
  if (threads === 1) return 1;
  const t = config.topics;
  const names = [...new Set([t.events, t.userEvents, t.productView, t.orders])];
  const described = await admin.describeTopics(names);
  const mixing = topicsMixingShards(
    Object.fromEntries(described.map((d) => [d.name, d.partitions])),
    config.shards,
  );
  if (mixing.length === 0) return threads;
  log(
    `one generator thread: ${mixing.join(', ')} is not a multiple of --shards ${config.shards}, so shards would share partitions`,
  );
  return 1;
}

/** Delay from the last thread ready to the common origin: every thread is waiting on its timer by then. */
const START_MARGIN_MS = 20;

/**
 * The worker of this build: thread-worker.js next to this module in dist. Run from source (tests, benches
 * through tsx) it is a .ts file, and Node 20 does not pass tsx's loader on to worker threads: a small
 * bootstrap imports it through tsx's API instead.
 */
function startWorker(workerData: ThreadSpec): Worker {
  const here = fileURLToPath(import.meta.url);
  const file = join(dirname(here), `thread-worker${extname(here)}`);
  if (extname(here) !== '.ts') return new Worker(file, { workerData });
  const api = import.meta.resolve('tsx/esm/api');
  const url = pathToFileURL(file).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(url)}, ${JSON.stringify(url)}))`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Merges the threads' lines back into schedule order: record i belongs to shard i mod shards, which
 * thread (i mod shards) mod threads generates. A thread that has finished and has nothing left owns no
 * further records (its schedule ended or it was stopped), so those positions are skipped.
 */
export class LineMerger {
  private readonly chunks: string[][][];
  private readonly pos: number[];
  private readonly ended: boolean[];
  private index = 0;

  constructor(
    private readonly threads: number,
    private readonly shards: number,
    private readonly onChunkDone: (thread: number) => void,
  ) {
    this.chunks = Array.from({ length: threads }, () => []);
    this.pos = Array.from({ length: threads }, () => 0);
    this.ended = Array.from({ length: threads }, () => false);
  }

  push(thread: number, lines: string[]): void {
    this.chunks[thread].push(lines);
  }

  end(thread: number): void {
    this.ended[thread] = true;
  }

  /** Hands out every line that is next in order now. */
  drain(emit: (line: string) => void): void {
    for (;;) {
      if (this.ended.every(Boolean) && this.chunks.every((c) => c.length === 0)) return;
      const t = shardOfIndex(this.index, this.shards) % this.threads;
      const q = this.chunks[t];
      if (q.length === 0) {
        if (!this.ended[t]) return;
        this.index++;
        continue;
      }
      emit(q[0][this.pos[t]++]);
      this.index++;
      if (this.pos[t] === q[0].length) {
        q.shift();
        this.pos[t] = 0;
        this.onChunkDone(t);
      }
    }
  }
}

function mergeSummaries(all: RunSummary[], origin: number): RunSummary {
  const out = emptySummary(origin);
  for (const s of all) {
    out.scheduled += s.scheduled;
    out.sent += s.sent;
    out.acked += s.acked;
    out.failed += s.failed;
    out.malformed += s.malformed;
    out.duplicates += s.duplicates;
    out.late += s.late;
    out.endedAt = Math.max(out.endedAt, s.endedAt);
    out.maxPublishDelayMs = Math.max(out.maxPublishDelayMs, s.maxPublishDelayMs);
    out.aborted ||= s.aborted;
    out.firstError ??= s.firstError;
    for (const [t, n] of Object.entries(s.byTopic)) out.byTopic[t] = (out.byTopic[t] ?? 0) + n;
  }
  out.elapsedMs = out.endedAt - origin;
  out.achievedRatePerSec = out.elapsedMs > 0 ? (out.acked * 1000) / out.elapsedMs : 0;
  return out;
}

/**
 * Runs the seeded stream on `threads` worker threads: each generates, encodes and sends whole shards
 * (sharding.ts) on the shared open-loop schedule from one common origin, so intended send times are
 * those of a single sender and every partition receives the records of one thread in schedule order.
 * Hooks see what a single runSchedule would show: acknowledged groups, aggregated progress, errors, and
 * (with `lines`) each record's line in schedule order.
 */
export async function runThreads(run: ThreadedRun, hooks: ThreadedHooks = {}): Promise<RunSummary> {
  const threads = run.threads;
  if (!Number.isInteger(threads) || threads < 1 || threads > run.config.shards)
    throw new UsageError(
      `invalid --threads ${threads}: expected 1 to ${run.config.shards} (the number of shards, --shards)`,
    );
  if (run.transport === 'relay' && !run.relay)
    throw new RtapError("generator threads with transport 'relay' need the producer to relay to");
  const workers: Worker[] = [];
  const summaries: (RunSummary | null)[] = Array.from({ length: threads }, () => null);
  const progress: (PacingProgress | null)[] = Array.from({ length: threads }, () => null);
  const post = (w: Worker, m: ToThread) => w.postMessage(m);
  const merger = new LineMerger(threads, run.config.shards, (t) => {
    pendingCredits[t]++;
  });
  const pendingCredits = Array.from({ length: threads }, () => 0);
  let origin = systemClock.now();
  let ready = 0;
  let nextProgress = 0;
  const progressEvery = run.pacing.progressIntervalMs ?? 1000;
  let failure: RtapError | null = null;
  let linesBusy: Promise<void> = Promise.resolve();

  const stopAll = () => workers.forEach((w) => post(w, { kind: 'stop' }));
  const onAbort = () => stopAll();
  hooks.signal?.addEventListener('abort', onAbort);

  const emitProgress = () => {
    const now = systemClock.now();
    if (!hooks.onProgress || now < nextProgress) return;
    nextProgress = now + progressEvery;
    const sum = (k: 'scheduled' | 'sent' | 'acked' | 'failed') =>
      progress.reduce((a, p) => a + (p?.[k] ?? 0), 0);
    hooks.onProgress({
      elapsedMs: now - origin,
      scheduled: sum('scheduled'),
      sent: sum('sent'),
      acked: sum('acked'),
      failed: sum('failed'),
      behindMs: Math.max(0, ...progress.map((p) => p?.behindMs ?? 0)),
    });
  };

  const flushLines = () => {
    if (hooks.onLine) merger.drain(hooks.onLine);
    // Credits go back once the consumer of the lines has taken them (a recording's file write).
    linesBusy = linesBusy.then(async () => {
      await hooks.afterLines?.();
      for (let t = 0; t < threads; t++) {
        for (; pendingCredits[t] > 0; pendingCredits[t]--) post(workers[t], { kind: 'credit' });
      }
    });
  };

  const done = Array.from({ length: threads }, (_, thread) => {
    const spec: ThreadSpec = {
      thread,
      threads,
      config: run.config,
      pacing: run.pacing,
      transport: run.transport,
      clientId: threads > 1 ? `${run.clientId}-${thread + 1}` : run.clientId,
      published: hooks.onPublished !== undefined,
      lines: run.lines ?? null,
    };
    const w = startWorker(spec);
    workers.push(w);
    return new Promise<void>((resolve) => {
      w.on('message', (m: FromThread) => {
        switch (m.kind) {
          case 'ready':
            if (++ready === threads) {
              origin = run.origin ?? systemClock.now() + START_MARGIN_MS;
              nextProgress = origin + progressEvery;
              hooks.onStart?.(origin);
              for (const x of workers) post(x, { kind: 'go', origin });
            }
            break;
          case 'send':
            serveRelay(run.relay!, m, (r) => post(w, r));
            break;
          case 'progress':
            progress[thread] = m.progress;
            emitProgress();
            break;
          case 'published': {
            const t = m.tuples;
            for (let i = 0; i < t.length; i += 4) hooks.onPublished?.(t[i], t[i + 1], t[i + 2], t[i + 3]);
            break;
          }
          case 'lines':
            merger.push(thread, m.lines);
            flushLines();
            break;
          case 'error':
            hooks.onError?.(new Error(m.message), m.count);
            break;
          case 'done':
            summaries[thread] = m.summary;
            break;
          case 'fatal':
            failure ??= m.usage
              ? new UsageError(m.message, m.hint)
              : new RtapError(m.message, undefined, m.hint);
            stopAll();
            break;
        }
      });
      w.on('error', (err) => {
        failure ??= new RtapError(`generator thread ${thread + 1}: ${err.message}`);
        stopAll();
      });
      w.on('exit', (code) => {
        if (code !== 0 && !summaries[thread])
          failure ??= new RtapError(`generator thread ${thread + 1} exited with code ${code}`);
        merger.end(thread);
        flushLines();
        resolve();
      });
    });
  });
  try {
    await Promise.all(done);
    await linesBusy;
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure;
  const s = mergeSummaries(summaries as RunSummary[], origin);
  if (!run.transport) s.startedAt = s.endedAt = s.elapsedMs = 0;
  return s;
}
