import kafkajs, {
  type Admin as KafkaJsAdmin,
  type Consumer as KafkaJsConsumer,
  type EachBatchPayload,
  type IHeaders,
} from 'kafkajs';
import { GroupMovedError, RtapError } from '../../errors.js';
import type {
  ConsumedRecord,
  Consumer,
  ConsumerOptions,
  Headers,
  PartitionBacklog,
  RecordBatch,
  TopicPartition,
} from '../types.js';
import { describeKafkaError, isGroupMoved, withDeadline } from './errors.js';

/** A backlog question the broker does not answer within this long counts as unanswered. */
const BACKLOG_TIMEOUT_MS = 5_000;

/** How often holds() asks the coordinator before it answers "not known to hold them". */
const HOLDS_ATTEMPTS = 4;

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** kafkajs record headers as rtap's (the last value of a repeated header, as UTF-8 text). */
export function headersOf(h: IHeaders | undefined): Headers {
  const out: Headers = {};
  if (!h) return out;
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}

function flatten(assignment: Record<string, number[]>): TopicPartition[] {
  return Object.entries(assignment)
    .flatMap(([topic, ps]) => ps.map((partition) => ({ topic, partition })))
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/**
 * A kafkajs consumer-group member behind the Transport seam. kafkajs's eachBatch is mapped to run(handler):
 * the handler is awaited before the partition's next batch (back-pressure), offsets are only committed
 * when the caller says so, and rebalances become onRevoked/onAssigned calls: kafkajs has no rebalance
 * listener, so the assignment announced by each GROUP_JOIN is compared with the previous one, and no
 * batch is delivered until both callbacks have finished.
 */
export class KafkaConsumer implements Consumer {
  private assigned: TopicPartition[] = [];
  /** The member id of the last join: a different one at the next join means the membership was lost. */
  private memberId: string | null = null;
  private paused = new Set<string>();
  private rebalance: Promise<void> = Promise.resolve();
  private inHandler = 0;
  private handlerIdle: (() => void)[] = [];
  private stopping = false;
  private stopped: Promise<void> | null = null;
  private running = false;
  private kafkaRunning = false;
  private settle: { resolve(): void; reject(err: Error): void } | null = null;
  /** Per partition, the offset after everything handled (records and the control records after them). */
  private readonly handled = new Map<string, number>();
  /** Per partition not handled yet, where it starts reading (asked of the broker once per assignment). */
  private readonly starts = new Map<string, number>();
  /**
   * Per partition, the first offset delivered since the last join: kafkajs's own start (the committed
   * offset, else the reset policy) unless rtap sought it. kafkajs looks the committed offsets up again
   * only at a join, so a task restored between joins without a position for a partition must be sought
   * back here, or kafkajs goes on from where it had read and the restored state misses everything before.
   */
  private readonly began = new Map<string, number>();

  constructor(
    private readonly consumer: KafkaJsConsumer,
    private readonly options: ConsumerOptions,
    private readonly connect: (c: KafkaJsConsumer) => Promise<void>,
    private readonly partitionsConsumedConcurrently: number,
    private readonly admin: () => Promise<KafkaJsAdmin>,
  ) {
    consumer.on(consumer.events.GROUP_JOIN, (e) =>
      this.onJoin(e.payload.memberId, e.payload.memberAssignment),
    );
    // A fetch of only transaction markers (or aborted records) reaches no handler, but moves the position:
    // without it the marker after a topic's last transaction would look like a record never read.
    consumer.on(consumer.events.START_BATCH_PROCESS, (e) => {
      const b = e.payload;
      if (b.batchSize === 0) this.moved(b.topic, b.partition, Number(b.lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart)
        this.fail(
          new RtapError(
            `kafka consumer (group ${options.groupId}) crashed: ${describeKafkaError(e.payload.error)}`,
          ),
        );
    });
  }

  private onJoin(memberId: string, memberAssignment: Record<string, number[]>): void {
    const next = flatten(memberAssignment);
    // A new member id: the coordinator had removed this member (a session timeout while the process or
    // the broker stalled), and generations without it may have given its partitions to others. Nothing it
    // held is its own any more, even a partition assigned to it again: all of it is revoked and re-added.
    const lost = this.memberId !== null && memberId !== this.memberId;
    this.memberId = memberId;
    const nextKeys = new Set(lost ? [] : next.map((tp) => tpKey(tp.topic, tp.partition)));
    const prevKeys = new Set(lost ? [] : this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.assigned.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    // Where this member had read to, for the partitions it gets back after losing its membership.
    const readTo = lost && !this.options.positions ? new Map(this.handled) : null;
    for (const tp of revoked) {
      this.handled.delete(tpKey(tp.topic, tp.partition));
      this.starts.delete(tpKey(tp.topic, tp.partition));
    }
    const added = next.filter((tp) => !prevKeys.has(tpKey(tp.topic, tp.partition)));
    this.assigned = next;
    // The new generation starts each partition rtap does not seek at the committed offset again.
    this.began.clear();
    const previous = this.rebalance;
    this.rebalance = (async () => {
      await previous;
      if (revoked.length) await this.options.onRevoked?.(revoked, lost);
      await this.options.onAssigned?.(added, next);
      this.seekToPositions(next);
      if (readTo) this.continueAfterLoss(next, readTo);
    })();
    this.rebalance.catch((err: Error) =>
      this.fail(new RtapError(`kafka consumer: rebalance callback failed: ${err.message}`)),
    );
  }

  /**
   * kafkajs applies a seek before its next fetch of the partition (a batch fetched before it is stale and
   * dropped). After every join, so that a rejoin continues where rtap is, not where the (empty) member
   * group would start; and after the callbacks, which restore a task's positions from its checkpoint
   * (one re-adopted after a fence or a lost membership, which kafkajs had read on past). A partition
   * without a position goes back to where it began since the join (none right after one).
   */
  private seekToPositions(tps: TopicPartition[]): void {
    const positions = this.options.positions;
    if (!positions) return;
    const assigned = new Set(this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      const at = positions(tp) ?? this.began.get(k);
      if (at === undefined || !assigned.has(k)) continue;
      this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(at) });
      // Read from there again: what was handled after it is unread again (a backlog counted from further
      // on could let the partition go idle, and its records come late, while it is read again).
      this.handled.set(k, at);
    }
  }

  /**
   * Group offsets (no rtap positions) after a lost membership: kafkajs would start each partition again at
   * the group's committed offset, and re-deliver what this member had read since its last commit that
   * landed (the commit a stalled member makes when it resumes is refused). Its state has those records
   * already: read again they are duplicates, or late once the watermark has passed them (a 40 s SIGSTOP at
   * 500 events/s dead-lettered 18,613 of them as late). So a partition it gets back continues where it
   * read to; one it gets back after another member read it on is read again from there (at-least-once).
   */
  private continueAfterLoss(tps: TopicPartition[], readTo: Map<string, number>): void {
    for (const tp of tps) {
      const at = readTo.get(tpKey(tp.topic, tp.partition));
      if (at === undefined) continue;
      this.starts.set(tpKey(tp.topic, tp.partition), at);
      this.consumer.seek({ topic: tp.topic, partition: tp.partition, offset: String(at) });
    }
  }

  run(handler: (batch: RecordBatch) => Promise<void>): Promise<void> {
    if (this.running) throw new Error('consumer is already running');
    this.running = true;
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    void (async () => {
      try {
        await this.connect(this.consumer);
        await this.consumer.subscribe({
          topics: this.options.topics,
          fromBeginning: this.options.fromBeginning,
        });
        await this.consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
          eachBatch: (payload) => this.onBatch(payload, handler),
        });
        this.kafkaRunning = true;
        this.applyPauses();
      } catch (err) {
        this.fail(
          err instanceof RtapError
            ? err
            : new RtapError(`kafka consumer (group ${this.options.groupId}): ${describeKafkaError(err)}`),
        );
      }
    })();
    return done;
  }

  private async onBatch(
    payload: EachBatchPayload,
    handler: (batch: RecordBatch) => Promise<void>,
  ): Promise<void> {
    const { batch } = payload;
    await this.rebalance;
    if (this.stopping || !payload.isRunning() || payload.isStale()) return;
    if (this.paused.has(tpKey(batch.topic, batch.partition))) return;
    if (batch.messages.length === 0) return;
    const bk = tpKey(batch.topic, batch.partition);
    if (!this.began.has(bk)) this.began.set(bk, Number(batch.messages[0].offset));
    const records: ConsumedRecord[] = batch.messages.map((m) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: Number(m.offset),
      key: m.key === null ? null : m.key.toString('utf8'),
      value: m.value ?? Buffer.alloc(0),
      headers: headersOf(m.headers),
      timestamp: Number(m.timestamp),
    }));
    this.inHandler++;
    // Left by the handler to the fetch of a seek made while it waited: that fetch reads these records again.
    let stale = false;
    try {
      await handler({
        topic: batch.topic,
        partition: batch.partition,
        records,
        highWatermark: Number(batch.highWatermark),
        nextOffset: Number(batch.lastOffset()) + 1,
        stale: () => (stale ||= payload.isStale()),
      });
    } catch (err) {
      // Not rethrown: kafkajs would redeliver the batch forever. The run() promise rejects instead.
      this.fail(err as Error);
      return;
    } finally {
      if (--this.inHandler === 0) for (const w of this.handlerIdle.splice(0)) w();
    }
    // Not resolved: kafkajs's seek is a resolved offset too, and this one would override it (the records
    // between the seek and this batch's end would never be read again).
    if (stale) return;
    this.moved(batch.topic, batch.partition, Number(batch.lastOffset()) + 1);
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await payload.heartbeat();
  }

  private moved(topic: string, partition: number, next: number): void {
    const k = tpKey(topic, partition);
    if (next > (this.handled.get(k) ?? -1)) this.handled.set(k, next);
  }

  /**
   * Unread records per assigned partition: the broker's end offset (high watermark) minus the offset after
   * what was handled; for a partition not read yet, minus where it starts (rtap's position, else the
   * group's committed offset, else the reset policy's end of the log).
   */
  async backlog(): Promise<PartitionBacklog[]> {
    const assigned = [...this.assigned];
    if (assigned.length === 0) return [];
    const asked = this.askBacklog(assigned);
    asked.catch(() => {});
    try {
      return await withDeadline(
        asked,
        BACKLOG_TIMEOUT_MS,
        () => new RtapError(`no answer to an end-offsets request within ${BACKLOG_TIMEOUT_MS / 1000} s`),
      );
    } catch (err) {
      throw err instanceof RtapError ? err : new RtapError(describeKafkaError(err));
    }
  }

  private async askBacklog(assigned: TopicPartition[]): Promise<PartitionBacklog[]> {
    const a = await this.admin();
    const topics = [...new Set(assigned.map((tp) => tp.topic))];
    const ends = new Map<string, { low: number; high: number }>();
    for (const topic of topics)
      for (const p of await a.fetchTopicOffsets(topic))
        ends.set(tpKey(topic, p.partition), { low: Number(p.low), high: Number(p.high) });
    const unknown = assigned.filter((tp) => {
      const k = tpKey(tp.topic, tp.partition);
      return !this.handled.has(k) && !this.starts.has(k);
    });
    if (unknown.length) await this.learnStarts(a, unknown, ends);
    return assigned.map((tp) => {
      const k = tpKey(tp.topic, tp.partition);
      const end = ends.get(k) ?? { low: 0, high: 0 };
      const at = Math.max(this.handled.get(k) ?? this.starts.get(k) ?? end.high, end.low);
      return { topic: tp.topic, partition: tp.partition, unread: Math.max(0, end.high - at) };
    });
  }

  private async learnStarts(
    a: KafkaJsAdmin,
    tps: TopicPartition[],
    ends: Map<string, { low: number; high: number }>,
  ): Promise<void> {
    const committed = new Map<string, number>();
    if (!this.options.positions) {
      const topics = [...new Set(tps.map((tp) => tp.topic))];
      for (const t of await a.fetchOffsets({ groupId: this.options.groupId, topics }))
        for (const p of t.partitions)
          if (Number(p.offset) >= 0) committed.set(tpKey(t.topic, p.partition), Number(p.offset));
    }
    for (const tp of tps) {
      const k = tpKey(tp.topic, tp.partition);
      const end = ends.get(k) ?? { low: 0, high: 0 };
      const start =
        this.options.positions?.(tp) ?? committed.get(k) ?? (this.options.fromBeginning ? end.low : end.high);
      this.starts.set(k, start);
    }
  }

  async commit(offsets: (TopicPartition & { offset: number })[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
      );
    } catch (err) {
      if (isGroupMoved(err)) throw new GroupMovedError(this.options.groupId, describeKafkaError(err));
      throw new RtapError(
        `kafka consumer (group ${this.options.groupId}): commit failed: ${describeKafkaError(err)}`,
      );
    }
  }

  /** kafkajs only accepts pause/resume once run() has created its group; until then our set is the truth. */
  private applyPauses(): void {
    if (!this.kafkaRunning) return;
    const paused = [...this.paused].map((k) => k.split('\u0000'));
    if (paused.length) this.consumer.pause(paused.map(([topic, p]) => ({ topic, partitions: [Number(p)] })));
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.add(tpKey(tp.topic, tp.partition));
    this.applyPauses();
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(tpKey(tp.topic, tp.partition));
    if (this.kafkaRunning)
      this.consumer.resume(partitions.map((tp) => ({ topic: tp.topic, partitions: [tp.partition] })));
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  async holds(partitions: TopicPartition[]): Promise<boolean> {
    if (this.memberId === null) return false;
    let group;
    // A loaded coordinator may time out once: "no" would leave the task to nobody until the next join,
    // which may never come, so the question is asked again before that answer is given.
    for (let attempt = 1; ; attempt++) {
      try {
        group = await this.consumer.describeGroup();
        break;
      } catch {
        if (attempt === HOLDS_ATTEMPTS || this.stopping) return false; // not known to hold them
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
    const me = group.members.find((m) => m.memberId === this.memberId);
    if (group.state !== 'Stable' || !me) return false;
    const assignment =
      kafkajs.AssignerProtocol.MemberAssignment.decode(me.memberAssignment)?.assignment ?? {};
    const held = new Set(Object.entries(assignment).flatMap(([t, ps]) => ps.map((p) => tpKey(t, p))));
    return partitions.every((tp) => held.has(tpKey(tp.topic, tp.partition)));
  }

  reposition(partitions: TopicPartition[]): void {
    this.seekToPositions(partitions);
  }

  private fail(err: Error): void {
    if (this.settle) {
      const s = this.settle;
      this.settle = null;
      void this.shutdown().finally(() => s.reject(err));
    }
  }

  /**
   * Graceful shutdown: no new batches, wait for the one in the handler, let onRevoked checkpoint and
   * commit while this member still owns its partitions, then leave the group and disconnect.
   */
  stop(): Promise<void> {
    const s = this.settle;
    this.settle = null;
    return this.shutdown().then(() => s?.resolve());
  }

  private shutdown(): Promise<void> {
    if (!this.stopped) {
      this.stopping = true;
      this.stopped = (async () => {
        if (this.inHandler > 0) await new Promise<void>((r) => this.handlerIdle.push(r));
        await this.rebalance.catch(() => {});
        try {
          if (this.running && this.assigned.length) await this.options.onRevoked?.(this.assigned, false);
        } finally {
          await this.consumer.disconnect().catch(() => {});
        }
      })();
    }
    return this.stopped;
  }
}
