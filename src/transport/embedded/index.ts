import { partitionForKey } from '../partitioner.js';
import type {
  Admin,
  Consumer,
  ConsumerOptions,
  DeliveryReport,
  OutgoingMessage,
  PartitionBacklog,
  Producer,
  RecordBatch,
  TopicDescription,
  TopicPartition,
  TopicSpec,
  Transport,
} from '../types.js';
import { TopicLog, topicFromSpec } from './log.js';

export interface EmbeddedOptions {
  /** Topics to create up front. */
  topics?: TopicSpec[];
  /** Most records a consumer batch holds. */
  maxBatchRecords?: number;
  /**
   * Retention cap per partition (records). The head is also trimmed once every group has committed past it;
   * this cap bounds memory when nobody consumes (like Kafka's retention.bytes).
   */
  retainedPerPartition?: number;
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

interface Member {
  consumer: EmbeddedConsumer;
  topics: string[];
}

interface Group {
  id: string;
  members: Member[];
  committed: Map<string, number>;
}

/**
 * The in-process broker behind the embedded transport: topics, keyed partitioning with Kafka's murmur2,
 * consumer groups with committed offsets and round-robin assignment (so several consumers in one group
 * share partitions as they would on Kafka).
 */
export class EmbeddedBroker {
  readonly topics = new Map<string, TopicLog>();
  readonly groups = new Map<string, Group>();
  private waiters: (() => void)[] = [];
  private roundRobin = new Map<string, number>();
  readonly maxBatchRecords: number;
  readonly retainedPerPartition: number;

  constructor(options: EmbeddedOptions = {}) {
    this.maxBatchRecords = options.maxBatchRecords ?? 2000;
    this.retainedPerPartition = options.retainedPerPartition ?? 2_000_000;
    for (const spec of options.topics ?? []) this.createTopic(spec);
  }

  createTopic(spec: TopicSpec): void {
    if (this.topics.has(spec.name)) throw new Error(`topic ${spec.name} already exists`);
    this.topics.set(spec.name, topicFromSpec(spec));
    for (const group of this.groups.values()) this.rebalance(group);
  }

  topic(name: string): TopicLog {
    const t = this.topics.get(name);
    if (!t) throw new Error(`unknown topic '${name}' on the embedded log (create it first: rtap provision)`);
    return t;
  }

  append(topicName: string, messages: OutgoingMessage[]): DeliveryReport[] {
    const topic = this.topic(topicName);
    const n = topic.partitions.length;
    const now = Date.now();
    const reports: DeliveryReport[] = [];
    for (const m of messages) {
      let p: number;
      if (m.partition !== undefined) {
        if (m.partition < 0 || m.partition >= n)
          throw new Error(`topic ${topicName} has no partition ${m.partition}`);
        p = m.partition;
      } else if (m.key !== null) {
        p = partitionForKey(m.key, n);
      } else {
        const next = this.roundRobin.get(topicName) ?? 0;
        this.roundRobin.set(topicName, next + 1);
        p = next % n;
      }
      const log = topic.partitions[p];
      const offset = log.append(m.key, m.value, m.headers ?? {}, m.timestamp ?? now);
      if (log.endOffset - log.logStartOffset > this.retainedPerPartition) {
        log.trimBefore(log.endOffset - this.retainedPerPartition);
      }
      reports.push({ topic: topicName, partition: p, offset });
    }
    this.wake();
    return reports;
  }

  /** Resolves at the next append (or wake()). */
  nextAppend(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  group(id: string): Group {
    let g = this.groups.get(id);
    if (!g) {
      g = { id, members: [], committed: new Map() };
      this.groups.set(id, g);
    }
    return g;
  }

  join(groupId: string, member: Member): void {
    const g = this.group(groupId);
    g.members.push(member);
    this.rebalance(g);
  }

  leave(groupId: string, consumer: EmbeddedConsumer): void {
    const g = this.group(groupId);
    g.members = g.members.filter((m) => m.consumer !== consumer);
    this.rebalance(g);
  }

  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.group(groupId).committed.get(tpKey(topic, partition));
  }

  commit(groupId: string, topic: string, partition: number, offset: number): void {
    this.group(groupId).committed.set(tpKey(topic, partition), offset);
    this.trim(topic, partition);
  }

  /** Drops what every group subscribed to the topic has committed past. */
  private trim(topic: string, partition: number): void {
    let min = Infinity;
    for (const g of this.groups.values()) {
      if (!g.members.some((m) => m.topics.includes(topic)) && !g.committed.has(tpKey(topic, partition)))
        continue;
      min = Math.min(min, g.committed.get(tpKey(topic, partition)) ?? 0);
    }
    if (Number.isFinite(min)) this.topics.get(topic)?.partitions[partition]?.trimBefore(min);
  }

  /** Round-robin of every subscribed partition over the members, in join order. */
  private rebalance(g: Group): void {
    const all: TopicPartition[] = [];
    const topics = [...new Set(g.members.flatMap((m) => m.topics))].sort();
    for (const t of topics) {
      const log = this.topics.get(t);
      if (!log) continue;
      for (let p = 0; p < log.partitions.length; p++) all.push({ topic: t, partition: p });
    }
    const assignment = new Map<EmbeddedConsumer, TopicPartition[]>(g.members.map((m) => [m.consumer, []]));
    let i = 0;
    for (const tp of all) {
      const eligible = g.members.filter((m) => m.topics.includes(tp.topic));
      if (eligible.length === 0) continue;
      assignment.get(eligible[i++ % eligible.length].consumer)!.push(tp);
    }
    for (const [consumer, tps] of assignment) consumer.setAssignment(tps);
    this.wake();
  }
}

class EmbeddedProducer implements Producer {
  private closed = false;
  constructor(private readonly broker: EmbeddedBroker) {}

  async send(topic: string, messages: OutgoingMessage[]): Promise<DeliveryReport[]> {
    if (this.closed) throw new Error('producer is closed');
    return this.broker.append(topic, messages);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}

class EmbeddedConsumer implements Consumer {
  private assigned: TopicPartition[] = [];
  private positions = new Map<string, number>();
  private paused = new Set<string>();
  private pendingAssign: TopicPartition[] | null = null;
  private pendingRevoke: TopicPartition[] = [];
  private running = false;
  private stopped = false;
  private done: Promise<void> | null = null;

  constructor(
    private readonly broker: EmbeddedBroker,
    private readonly options: ConsumerOptions,
  ) {
    for (const t of options.topics) broker.topic(t);
  }

  setAssignment(tps: TopicPartition[]): void {
    const next = new Set(tps.map((tp) => tpKey(tp.topic, tp.partition)));
    this.pendingRevoke.push(...this.assigned.filter((tp) => !next.has(tpKey(tp.topic, tp.partition))));
    const prev = new Set(this.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const added = tps.filter((tp) => !prev.has(tpKey(tp.topic, tp.partition)));
    this.assigned = tps;
    this.pendingAssign = [...(this.pendingAssign ?? []), ...added];
  }

  assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  async backlog(): Promise<PartitionBacklog[]> {
    return this.assigned.map((tp) => {
      const log = this.broker.topic(tp.topic).partitions[tp.partition];
      return { ...tp, unread: Math.max(0, log.endOffset - Math.max(this.position(tp), log.logStartOffset)) };
    });
  }

  private position(tp: TopicPartition): number {
    const k = tpKey(tp.topic, tp.partition);
    let pos = this.positions.get(k);
    if (pos === undefined) {
      const log = this.broker.topic(tp.topic).partitions[tp.partition];
      const owned = this.options.positions;
      pos =
        (owned ? owned(tp) : this.broker.committed(this.options.groupId, tp.topic, tp.partition)) ??
        (this.options.fromBeginning ? log.logStartOffset : log.endOffset);
      this.positions.set(k, pos);
    }
    return pos;
  }

  private async applyRebalance(): Promise<void> {
    if (this.pendingRevoke.length) {
      const revoked = this.pendingRevoke;
      this.pendingRevoke = [];
      await this.options.onRevoked?.(revoked, false);
      for (const tp of revoked) this.positions.delete(tpKey(tp.topic, tp.partition));
    }
    if (this.pendingAssign) {
      const assigned = this.pendingAssign;
      this.pendingAssign = null;
      await this.options.onAssigned?.(assigned, this.assigned);
    }
  }

  run(handler: (batch: RecordBatch) => Promise<void>): Promise<void> {
    if (this.running) throw new Error('consumer is already running');
    this.running = true;
    this.broker.join(this.options.groupId, { consumer: this, topics: this.options.topics });
    this.done = this.loop(handler);
    return this.done;
  }

  private async loop(handler: (batch: RecordBatch) => Promise<void>): Promise<void> {
    while (!this.stopped) {
      await this.applyRebalance();
      let delivered = false;
      for (const tp of this.assigned) {
        if (this.stopped || this.pendingAssign || this.pendingRevoke.length) break;
        if (this.paused.has(tpKey(tp.topic, tp.partition))) continue;
        const log = this.broker.topic(tp.topic).partitions[tp.partition];
        let pos = this.position(tp);
        // Out of range (trimmed by retention): like auto.offset.reset=earliest.
        if (pos < log.logStartOffset) pos = log.logStartOffset;
        if (pos >= log.endOffset) continue;
        const records = log.read(pos, this.broker.maxBatchRecords);
        await handler({ topic: tp.topic, partition: tp.partition, records, highWatermark: log.endOffset });
        this.positions.set(tpKey(tp.topic, tp.partition), records[records.length - 1].offset + 1);
        delivered = true;
      }
      if (!delivered && !this.stopped) await this.broker.nextAppend();
      // Yield so producers sharing the event loop keep their schedule.
      else await new Promise((r) => setImmediate(r));
    }
  }

  async commit(offsets: (TopicPartition & { offset: number })[]): Promise<void> {
    for (const o of offsets) this.broker.commit(this.options.groupId, o.topic, o.partition, o.offset);
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.add(tpKey(tp.topic, tp.partition));
  }

  resume(partitions: TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(tpKey(tp.topic, tp.partition));
    this.broker.wake();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.broker.wake();
    await this.done;
    if (this.running) {
      await this.options.onRevoked?.(this.assigned, false);
      this.broker.leave(this.options.groupId, this);
    }
  }
}

class EmbeddedAdmin implements Admin {
  constructor(private readonly broker: EmbeddedBroker) {}
  async listTopics(): Promise<string[]> {
    return [...this.broker.topics.keys()].sort();
  }
  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    return names.map((n) => this.broker.topic(n).describe());
  }
  async createTopics(specs: TopicSpec[]): Promise<void> {
    for (const s of specs) this.broker.createTopic(s);
  }
  async deleteTopics(names: string[]): Promise<void> {
    for (const n of names) this.broker.topics.delete(n);
  }
  async brokerCount(): Promise<number> {
    return 1;
  }
  async close(): Promise<void> {}
}

export class EmbeddedTransport implements Transport {
  readonly kind = 'embedded' as const;
  readonly description = 'embedded in-process log';
  readonly broker: EmbeddedBroker;

  constructor(options: EmbeddedOptions = {}) {
    this.broker = new EmbeddedBroker(options);
  }
  admin(): Admin {
    return new EmbeddedAdmin(this.broker);
  }
  producer(): Producer {
    return new EmbeddedProducer(this.broker);
  }
  consumer(options: ConsumerOptions): Consumer {
    return new EmbeddedConsumer(this.broker, options);
  }
  async close(): Promise<void> {
    this.broker.wake();
  }
}

export function createEmbeddedTransport(options: EmbeddedOptions = {}): EmbeddedTransport {
  return new EmbeddedTransport(options);
}
