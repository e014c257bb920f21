import type { Clock } from '../time/clock.js';
import type { OutgoingMessage, Producer } from '../transport/types.js';
import type { SimRecord } from './generator.js';
import { createSchedule, type LoadProfile, type Schedule } from './schedule.js';

/** Anything that yields the record to send at an intended send time: a Generator, or a replay. */
export interface RecordSource {
  next(intendedSendTime: number): SimRecord;
}

export interface PacingOptions {
  /** Base rate, events per second. */
  ratePerSec: number;
  /** Stop scheduling at this offset. With neither durationMs nor events, runs until the signal aborts. */
  durationMs?: number;
  events?: number;
  profile?: LoadProfile;
  /** A rate function of the offset (ms); overrides `profile`. */
  rateAt?: (offsetMs: number) => number;
  /**
   * Linger, like Kafka's linger.ms: once an event is due, wait up to this long for more to batch with it
   * (default 0: send at once). The wait counts as publish delay.
   */
  batchMaxMs?: number;
  /** Most records per send request (default 500). */
  batchMaxRecords?: number;
  /** Send requests awaiting acknowledgement at once; when reached the sender waits and falls behind (default 16). */
  maxInFlight?: number;
  /** How often onProgress is called, clock ms (default 1000). */
  progressIntervalMs?: number;
  /**
   * Clock time of the schedule's origin (default: now). Threads sharing one schedule start from the same
   * origin, so their intended send times are those of a single sender.
   */
  origin?: number;
  /**
   * Called before each batch; a promise it returns is awaited first (a replay reading its file ahead, so
   * the schedule and the source can stay synchronous).
   */
  refill?: () => Promise<void> | null;
}

export interface PacingProgress {
  elapsedMs: number;
  scheduled: number;
  sent: number;
  acked: number;
  failed: number;
  /** How far the sender is behind its schedule right now (0 when on time). */
  behindMs: number;
}

export interface PacingHooks {
  /**
   * For each group of records with the same intended send time, once acknowledged: publish delay is
   * `sentAt - intendedSendTime`, ack latency `ackedAt - sentAt` (clock ms).
   */
  onPublished?(intendedSendTime: number, sentAt: number, ackedAt: number, count: number): void;
  /** Every record, as generated (recording a live run, keeping events for a check). */
  onRecord?(record: SimRecord, intendedSendTime: number): void;
  onProgress?(progress: PacingProgress): void;
  /** A send failed; `count` records were lost. Without this hook failures are only counted. */
  onError?(error: Error, count: number): void;
  signal?: AbortSignal;
}

export interface RunSummary {
  /** Events the schedule called for before it ended or was aborted. */
  scheduled: number;
  sent: number;
  acked: number;
  failed: number;
  /** Clock time of the schedule's origin and of the last acknowledgement. */
  startedAt: number;
  endedAt: number;
  elapsedMs: number;
  /** Acknowledged events per second of elapsed time. */
  achievedRatePerSec: number;
  maxPublishDelayMs: number;
  byTopic: Record<string, number>;
  malformed: number;
  duplicates: number;
  late: number;
  aborted: boolean;
  firstError: string | null;
}

/**
 * Open-loop sending: every record is generated for its intended send time from the schedule and sent as
 * soon as that time has come. Due records are gathered into small batches (per topic) and sent without
 * waiting for earlier acknowledgements, up to `maxInFlight` requests; a slow producer therefore never
 * slows the schedule. If the sender falls behind (a stall, a full pipeline) it catches up immediately,
 * and the lateness is recorded as publish delay rather than hidden.
 */
export async function runOpenLoop(
  source: RecordSource,
  producer: Producer,
  pacing: PacingOptions,
  clock: Clock,
  hooks: PacingHooks = {},
): Promise<RunSummary> {
  const schedule = createSchedule(pacing);
  return runSchedule(source, producer, () => schedule, clock, hooks, pacing);
}

/** The sending loop behind runOpenLoop and replay: `makeSchedule` receives the clock time of the origin. */
export async function runSchedule(
  source: RecordSource,
  producer: Producer,
  makeSchedule: (startedAt: number) => Schedule,
  clock: Clock,
  hooks: PacingHooks,
  o: Pick<
    PacingOptions,
    'batchMaxMs' | 'batchMaxRecords' | 'maxInFlight' | 'progressIntervalMs' | 'origin' | 'refill'
  > = {},
): Promise<RunSummary> {
  const linger = o.batchMaxMs ?? 0;
  const batchMaxRecords = o.batchMaxRecords ?? 500;
  const maxInFlight = o.maxInFlight ?? 16;
  const progressEvery = o.progressIntervalMs ?? 1000;
  const startedAt = o.origin ?? clock.now();
  const schedule = makeSchedule(startedAt);
  const s = emptySummary(startedAt);
  const inFlight = new Set<Promise<void>>();
  let nextProgress = startedAt + progressEvery;
  let nextOffset = schedule.next();
  const aborted = () => hooks.signal?.aborted === true;

  const progress = (now: number) => {
    if (!hooks.onProgress || now < nextProgress) return;
    nextProgress = now + progressEvery;
    const behind = nextOffset === null ? 0 : Math.max(0, now - (startedAt + nextOffset));
    hooks.onProgress({
      elapsedMs: now - startedAt,
      scheduled: s.scheduled,
      sent: s.sent,
      acked: s.acked,
      failed: s.failed,
      behindMs: behind,
    });
  };

  const send = (topic: string, batch: { record: SimRecord; intended: number }[], sentAt: number) => {
    const messages: OutgoingMessage[] = batch.map(({ record }) => ({ key: record.key, value: record.value }));
    s.sent += batch.length;
    s.byTopic[topic] = (s.byTopic[topic] ?? 0) + batch.length;
    for (const b of batch) s.maxPublishDelayMs = Math.max(s.maxPublishDelayMs, sentAt - b.intended);
    const p: Promise<void> = producer.send(topic, messages).then(
      () => {
        const ackedAt = clock.now();
        s.acked += batch.length;
        if (!hooks.onPublished) return;
        let i = 0;
        while (i < batch.length) {
          let j = i + 1;
          while (j < batch.length && batch[j].intended === batch[i].intended) j++;
          hooks.onPublished(batch[i].intended, sentAt, ackedAt, j - i);
          i = j;
        }
      },
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        s.failed += batch.length;
        s.firstError ??= e.message;
        hooks.onError?.(e, batch.length);
      },
    );
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  while (nextOffset !== null && !aborted()) {
    let now = clock.now();
    progress(now);
    const due = startedAt + nextOffset;
    if (due + linger > now) {
      // Short sleeps so an abort or a progress tick is never far away.
      await clock.sleep(Math.min(due + linger - now, 100));
      continue;
    }
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const refilling = o.refill?.();
    if (refilling) await refilling;
    now = clock.now();
    const byTopic = new Map<string, { record: SimRecord; intended: number }[]>();
    let n = 0;
    // Everything due goes now, in requests of at most batchMaxRecords: behind schedule, the sender catches up at once.
    while (nextOffset !== null && n < batchMaxRecords) {
      const intended = startedAt + nextOffset;
      if (intended > now) break;
      const record = source.next(intended);
      s.scheduled++;
      if (record.malformedReason !== undefined) s.malformed++;
      if (record.duplicate) s.duplicates++;
      if (record.late) s.late++;
      hooks.onRecord?.(record, intended);
      let list = byTopic.get(record.topic);
      if (!list) byTopic.set(record.topic, (list = []));
      list.push({ record, intended });
      n++;
      nextOffset = schedule.next();
    }
    const sentAt = clock.now();
    for (const [topic, batch] of byTopic) send(topic, batch, sentAt);
    // Let acknowledgements, consumers and timers sharing this event loop run between batches.
    await new Promise<void>((r) => setImmediate(r));
  }
  s.aborted = aborted() && nextOffset !== null;
  await Promise.all(inFlight);
  s.endedAt = clock.now();
  s.elapsedMs = s.endedAt - startedAt;
  s.achievedRatePerSec = s.elapsedMs > 0 ? (s.acked * 1000) / s.elapsedMs : 0;
  return s;
}

/** A summary of nothing sent yet, starting at `at` (threads merge theirs into one). */
export function emptySummary(at: number): RunSummary {
  return {
    scheduled: 0,
    sent: 0,
    acked: 0,
    failed: 0,
    startedAt: at,
    endedAt: at,
    elapsedMs: 0,
    achievedRatePerSec: 0,
    maxPublishDelayMs: 0,
    byTopic: {},
    malformed: 0,
    duplicates: 0,
    late: 0,
    aborted: false,
    firstError: null,
  };
}
