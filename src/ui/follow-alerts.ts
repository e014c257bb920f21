import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Alert, Severity } from '../events/results.js';
import { systemClock, type Clock } from '../time/clock.js';
import { TOPICS } from '../transport/topics.js';
import type { ConsumedRecord, Consumer, RecordBatch, Transport } from '../transport/types.js';

const SEVERITIES: readonly string[] = ['info', 'warning', 'critical'];

/** An alert record that cannot be shown, with where it is and why. */
export class UnreadableAlertError extends Error {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
    this.name = 'UnreadableAlertError';
  }
}

/** Decodes one cep-alerts record (JSON, as the topic sink writes it), checking the fields the UI needs. */
export function parseAlertRecord(
  record: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset' | 'value'>,
): Alert {
  const where = `${record.topic}/${record.partition}@${record.offset}`;
  let v: unknown;
  try {
    v = JSON.parse(record.value.toString('utf8'));
  } catch {
    throw new UnreadableAlertError(where, 'not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new UnreadableAlertError(where, 'not a JSON object');
  const o = v as Record<string, unknown>;
  for (const f of ['pattern', 'key', 'message'] as const) {
    if (typeof o[f] !== 'string')
      throw new UnreadableAlertError(where, `field '${f}' missing or not a string`);
  }
  if (typeof o.severity !== 'string' || !SEVERITIES.includes(o.severity))
    throw new UnreadableAlertError(where, `field 'severity' must be one of ${SEVERITIES.join(', ')}`);
  if (typeof o.detected_at !== 'number' || !Number.isFinite(o.detected_at))
    throw new UnreadableAlertError(where, "field 'detected_at' missing or not a number");
  const num = (x: unknown, d: number) => (typeof x === 'number' && Number.isFinite(x) ? x : d);
  return {
    alert_id: typeof o.alert_id === 'string' ? o.alert_id : where,
    pattern: o.pattern as string,
    severity: o.severity as Severity,
    key: o.key as string,
    message: o.message as string,
    events: Array.isArray(o.events) ? (o.events as Alert['events']) : [],
    first_event_time: num(o.first_event_time, o.detected_at),
    last_event_time: num(o.last_event_time, o.detected_at),
    detected_at: o.detected_at,
    trigger_intended_send_time: num(o.trigger_intended_send_time, o.detected_at),
  };
}

export interface FollowAlertsOptions {
  transport: Transport;
  /** Default: cep-alerts. */
  topic?: string;
  /** Start at the oldest alert instead of the newest. */
  fromBeginning?: boolean;
  /** Show the last N alerts already in the topic (by detection time), then follow. */
  tail?: number | null;
  /**
   * The follower counts as caught up once it is assigned, at the end of every partition it has read, and
   * no batch has arrived for this long. Default: 300 ms embedded, 2 s Kafka (fetches are slower to settle).
   */
  quietMs?: number;
  /** A fresh group per follower by default: a tail reads, it never commits, and never steals partitions. */
  groupId?: string;
  clock?: Clock;
}

export interface AlertFollowerEvents {
  alert: [Alert];
  status: [string];
  /** The backlog has been read: what follows is live. */
  caughtUp: [];
  /** A record that could not be decoded (skipped). */
  unreadable: [UnreadableAlertError];
}

/**
 * Follows the cep-alerts topic through the Transport consumer API (Kafka or the embedded log), for
 * `rtap alerts --brokers`. Without --tail, alerts are emitted as they are read; with --tail N, the backlog
 * is read first and only its newest N are emitted, then the follower goes live.
 */
export class AlertFollower extends EventEmitter<AlertFollowerEvents> {
  private consumer: Consumer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lag = new Map<string, number>();
  private lastBatchAt = 0;
  private assignedAt: number | null = null;
  private backlog: Alert[] = [];
  private read = 0;
  private skipped = 0;
  caughtUp = false;
  readonly topic: string;

  constructor(private readonly o: FollowAlertsOptions) {
    super();
    this.topic = o.topic ?? TOPICS.alerts;
  }

  private get clock(): Clock {
    return this.o.clock ?? systemClock;
  }

  /** Starts following; resolves when the consumer stops (stop(), or a failure, which rejects). */
  start(): Promise<void> {
    const tail = this.o.tail ?? null;
    this.consumer = this.o.transport.consumer({
      groupId: this.o.groupId ?? `rtap-alerts-${process.pid}-${randomUUID().slice(0, 8)}`,
      topics: [this.topic],
      fromBeginning: Boolean(this.o.fromBeginning) || tail !== null,
      onAssigned: (added) => {
        if (added.length) this.assignedAt ??= this.clock.now();
      },
    });
    const quietMs = this.o.quietMs ?? (this.o.transport.kind === 'kafka' ? 2000 : 300);
    this.lastBatchAt = this.clock.now();
    this.status();
    this.timer = setInterval(() => this.checkCaughtUp(quietMs), Math.min(100, quietMs));
    return this.consumer.run((batch) => this.onBatch(batch));
  }

  private async onBatch(batch: RecordBatch): Promise<void> {
    this.lastBatchAt = this.clock.now();
    const tail = this.o.tail ?? null;
    for (const record of batch.records) {
      let a: Alert;
      try {
        a = parseAlertRecord(record);
      } catch (err) {
        if (!(err instanceof UnreadableAlertError)) throw err;
        this.skipped++;
        this.emit('unreadable', err);
        this.status();
        continue;
      }
      this.read++;
      if (!this.caughtUp && tail !== null) {
        this.backlog.push(a);
        // Keep the buffer bounded on a long topic; the newest N by detection time survive the trim.
        if (this.backlog.length > Math.max(1000, tail * 4)) this.trimBacklog(tail);
      } else this.emit('alert', a);
    }
    this.lag.set(
      `${batch.topic}/${batch.partition}`,
      Math.max(0, batch.highWatermark - (batch.records[batch.records.length - 1].offset + 1)),
    );
    if (!this.caughtUp) this.status();
  }

  private trimBacklog(n: number): void {
    this.backlog.sort((x, y) => x.detected_at - y.detected_at);
    this.backlog = n === 0 ? [] : this.backlog.slice(-n);
  }

  private checkCaughtUp(quietMs: number): void {
    if (this.caughtUp) return;
    const now = this.clock.now();
    // The embedded log assigns before run() returns and calls onAssigned only with partitions; Kafka
    // announces the assignment on join. Either way, an assignment is needed before "at the end" means anything.
    const assigned = this.assignedAt !== null || (this.consumer?.assignment().length ?? 0) > 0;
    if (!assigned) return;
    this.assignedAt ??= now;
    if (now - this.assignedAt < quietMs || now - this.lastBatchAt < quietMs) return;
    for (const lag of this.lag.values()) if (lag > 0) return;
    this.caughtUp = true;
    const tail = this.o.tail ?? null;
    if (tail !== null) {
      this.trimBacklog(tail);
      for (const a of this.backlog) this.emit('alert', a);
      this.backlog = [];
    }
    this.status();
    this.emit('caughtUp');
  }

  private status(): void {
    const where = this.caughtUp
      ? 'following'
      : this.assignedAt === null
        ? 'joining'
        : `reading backlog (${this.read} read)`;
    this.emit(
      'status',
      where +
        (this.skipped ? ` · ${this.skipped} unreadable record${this.skipped === 1 ? '' : 's'} skipped` : ''),
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.consumer?.stop();
  }
}
