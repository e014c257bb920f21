import kafkajs, {
  type Admin as KafkaJsAdmin,
  type Kafka,
  type Message,
  type Producer as KafkaJsProducer,
  type Transaction,
} from 'kafkajs';
import { FencedError, RtapError } from '../../errors.js';
import type { OutgoingMessage, TopicPartition } from '../types.js';
import { partitionForKey } from '../partitioner.js';
import { describeKafkaError, isFatal, rootCause } from './errors.js';
import type { PartitionCounts } from './metadata.js';
import { DEFAULT_BATCH_BYTES, recordBytes, splitBySize } from './record-size.js';

const { Partitioners } = kafkajs;

/** Offsets with the commit's metadata string (rtap stores the checkpoint sequence there). */
export type PartitionOffsets = (TopicPartition & { offset: number; metadata?: string | null })[];

/** One partition's messages of a transaction, in runs under the broker's batch limit. */
interface PartitionRuns {
  topic: string;
  partition: number;
  runs: Message[][];
}

/** Exactly-once commits of outputs with the consumed offsets (KafkaTransactions; TransactionsThread runs them on a thread). */
export interface Transactions {
  readonly transactionalId: string;
  init(): Promise<void>;
  committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffsets>;
  /**
   * init(), then the group's committed offsets, in one call: where the transactions run on a thread of
   * their own, the second request does not wait for the calling thread to be free again (a restore keeps
   * it busy reading the checkpoint meanwhile).
   */
  resume(groupId: string, topics: string[]): Promise<PartitionOffsets>;
  commit(
    messages: Map<string, OutgoingMessage[]>,
    groupId: string,
    offsets: PartitionOffsets,
    budgetMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
  /** Called before a failed transaction is run again (for logs). */
  onRetry?: (attempt: number, reason: string) => void;
}

/**
 * A transactional kafkajs producer: outputs and the consumed offsets they correspond to become visible
 * to read_committed readers atomically, or not at all. One transactional id per processor group (a
 * single process owns all partitions): a restarted process with the same id fences the dead one and the
 * broker aborts its open transaction during initTransactions. Transactions are strictly serial here:
 * kafkajs refuses a second transaction() while one is open ("There is already an ongoing transaction").
 */
export class KafkaTransactions implements Transactions {
  private producer: KafkaJsProducer;
  private connected: Promise<void> | null = null;
  private closed = false;
  private produceRequests = 0;

  constructor(
    private readonly kafka: Kafka,
    readonly transactionalId: string,
    private readonly admin: () => Promise<KafkaJsAdmin>,
    private readonly connect: (p: KafkaJsProducer) => Promise<void>,
    private readonly counts: PartitionCounts,
  ) {
    this.producer = this.newProducer();
  }

  private newProducer(): KafkaJsProducer {
    const p = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java-compatible murmur2, the same partition as rtap's own partitioner for the same key.
      createPartitioner: Partitioners.DefaultPartitioner,
      // CONCURRENT_TRANSACTIONS is retriable: after a kill -9 (the broker still aborting the dead
      // producer's transaction), and on the AddPartitionsToTxn of a transaction begun right after the
      // previous one's EndTxn (its markers still being written), which checkpoints that fall behind do.
      // A first retry after 20 ms (the Java client's for that case) instead of 100: back-to-back
      // transactions of 24 partitions 132 -> 47 ms (bench/transaction-sends.ts --gap 0); 12 retries
      // span about as long as 10 from 100 ms did, and init and commit retry on top of them.
      retry: { retries: 12, initialRetryTime: 20, maxRetryTime: 2000 },
    });
    // Produce requests answered or timed out: a batch sent to one leader that took more than one was
    // retried inside kafkajs (sendAll).
    const count = (e: { payload: { apiName: string } }) => {
      if (e.payload.apiName === 'Produce') this.produceRequests++;
    };
    p.on(p.events.REQUEST, count);
    p.on(p.events.REQUEST_TIMEOUT, count);
    return p;
  }

  /** A producer whose transaction could not even be aborted is replaced (its state machine is stuck). */
  private async replaceProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = null;
    await old.disconnect().catch(() => {});
  }

  /**
   * Connects and runs InitProducerId, which fences a previous incarnation and makes the broker finish its
   * transaction (abort an open one, complete one already committing) before answering. kafkajs's
   * connect() only initialises the idempotent producer id; the transactional one is initialised by the
   * first transaction(), so an empty transaction is begun and aborted here (no request but InitProducerId).
   */
  init(): Promise<void> {
    if (this.closed) return Promise.reject(new FencedError(this.transactionalId));
    if (!this.connected) {
      // A cluster just started (or one whose transaction coordinator moved) answers
      // COORDINATOR_LOAD_IN_PROGRESS / NOT_COORDINATOR until __transaction_state is loaded, for longer
      // than kafkajs's own retries last: retriable errors are retried here for a bounded time.
      this.connected = retryingRetriable(
        `kafka transaction ${this.transactionalId}: initialising`,
        async () => {
          // Closed while retrying: the released task's new owner must not be fenced by this one.
          if (this.closed) throw new FencedError(this.transactionalId);
          await this.connect(this.producer);
          const tx = await this.producer.transaction();
          await tx.abort();
        },
      );
      this.connected.catch(() => (this.connected = null));
    }
    return this.connected;
  }

  async resume(groupId: string, topics: string[]): Promise<PartitionOffsets> {
    await this.init();
    return this.committedOffsets(groupId, topics);
  }

  /** Offsets (next offset to read) the group has committed for `topics`; partitions without one are left out. */
  async committedOffsets(groupId: string, topics: string[]): Promise<PartitionOffsets> {
    // A group new to the broker (or whose coordinator moved) answers NOT_COORDINATOR /
    // COORDINATOR_LOAD_IN_PROGRESS until its __consumer_offsets partition is loaded; kafkajs's admin does
    // not retry fetchOffsets on those.
    return retryingRetriable(`kafka: reading the committed offsets of group ${groupId}`, async () => {
      const admin = await this.admin();
      const res = await admin.fetchOffsets({ groupId, topics });
      return res.flatMap((t) =>
        t.partitions
          .filter((p) => Number(p.offset) >= 0)
          .map((p) => ({
            topic: t.topic,
            partition: p.partition,
            offset: Number(p.offset),
            metadata: p.metadata,
          })),
      );
    });
  }

  /**
   * One transaction: every message, plus the group's offsets; committed together or aborted together.
   * A retriable failure (a coordinator that moved with a stopped broker, CONCURRENT_TRANSACTIONS while
   * the broker still finishes the previous one: kafkajs does not retry those inside a transaction) aborts
   * the attempt, whose records read_committed readers never see, and runs the same transaction again.
   *
   * A failure of EndTxn itself leaves the outcome unknown: the broker may have committed and only the
   * answer was lost (its coordinator stopped). Running the transaction again would then commit every
   * output twice. So the next attempt first lets InitProducerId finish the transaction either way, then
   * reads the group's offsets: if they carry this commit's metadata, it landed and is not run again.
   * That needs offsets with a metadata string unique to this commit (rtap's checkpoint tag).
   */
  async commit(
    messages: Map<string, OutgoingMessage[]>,
    groupId: string,
    offsets: PartitionOffsets,
    budgetMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + budgetMs;
    const phase = { ending: false };
    const verifiable = offsets.length > 0 && offsets.every((o) => o.metadata);
    for (let attempt = 1, wait = 200; ; attempt++, wait = Math.min(wait * 2, 5000)) {
      try {
        await this.init();
        if (phase.ending) {
          if (await this.landed(groupId, offsets)) return;
          phase.ending = false;
        }
        await this.attempt(messages, groupId, offsets, phase, attempt);
        return;
      } catch (err) {
        if (err instanceof FencedError) throw err;
        const type = rootCause(err)?.type;
        if (type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED') {
          throw new FencedError(this.transactionalId);
        }
        if (phase.ending && !verifiable) {
          throw new RtapError(
            `kafka transaction ${this.transactionalId}: the commit failed (${describeKafkaError(err)}) and, without offsets tagged for this commit, whether it landed cannot be told; not running it again (it could commit every output twice)`,
          );
        }
        if (isFatal(err) || Date.now() + wait > deadline) {
          const unknown = phase.ending
            ? ' (the commit was sent; whether it landed is unknown: the next start finds out from the offsets)'
            : '';
          throw new RtapError(
            `kafka transaction ${this.transactionalId} (attempt ${attempt}): ${describeKafkaError(err)}${unknown}`,
          );
        }
        this.onRetry?.(attempt, describeKafkaError(err));
        // A leader may have moved: the next attempt's lookups ask the cluster again.
        for (const topic of messages.keys()) this.counts.invalidate(topic);
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Called before a failed transaction is run again (for logs). */
  onRetry?: (attempt: number, reason: string) => void;

  /**
   * Whether a transaction whose EndTxn failed committed after all. Called on a producer that has run
   * InitProducerId since, so the broker has finished it and the group's offsets are final.
   */
  private async landed(groupId: string, offsets: PartitionOffsets): Promise<boolean> {
    const committed = new Map(
      (await this.committedOffsets(groupId, [...new Set(offsets.map((o) => o.topic))])).map((c) => [
        `${c.topic}/${c.partition}`,
        c,
      ]),
    );
    return offsets.every((o) => {
      const c = committed.get(`${o.topic}/${o.partition}`);
      return c !== undefined && c.offset === o.offset && c.metadata === o.metadata;
    });
  }

  /**
   * The messages grouped by topic and partition (rtap's partitioner: Java's murmur2, as kafkajs's default),
   * each partition's in runs under the broker's batch limit (kafkajs sends one batch per partition and
   * request, and does not split it).
   */
  private async perPartition(messages: Map<string, OutgoingMessage[]>): Promise<PartitionRuns[]> {
    const out = new Map<string, { topic: string; partition: number; messages: OutgoingMessage[] }>();
    for (const [topic, ms] of messages) {
      if (ms.length === 0) continue;
      const partitions = await this.counts.get(topic);
      let next = 0;
      for (const m of ms) {
        const partition =
          m.partition ?? (m.key !== null ? partitionForKey(m.key, partitions) : next++ % partitions);
        const k = `${topic}\u0000${partition}`;
        let b = out.get(k);
        if (!b) out.set(k, (b = { topic, partition, messages: [] }));
        b.messages.push({ ...m, partition });
      }
    }
    return [...out.values()].map(({ topic, partition, messages: ms }) => ({
      topic,
      partition,
      runs: splitBySize(ms, (m) => recordBytes(m.key, m.value, m.headers), DEFAULT_BATCH_BYTES).map((run) =>
        run.map((m) => ({
          key: m.key,
          value: m.value,
          headers: m.headers,
          partition: m.partition,
          timestamp: m.timestamp !== undefined ? String(Math.floor(m.timestamp)) : undefined,
        })),
      ),
    }));
  }

  /**
   * The sends of one attempt. Every sendBatch goes to one broker: a kafkajs sendBatch spanning several
   * re-sends to a broker whose request is still in flight when another broker's fails (its retry sees
   * no answer from it yet), with the next sequence number, and the broker appends those records twice,
   * inside this transaction.
   *
   * A first attempt sends one batch per partition leader (one AddPartitionsToTxn and one produce each,
   * leader after leader). Per partition instead, kafkajs holds its per-broker lock over both requests
   * of each partition in turn: 24 partitions took 173 ms against 11 ms as one batch on the local broker
   * (bench/transaction-sends.ts). If such a batch took more than one Produce request, kafkajs retried
   * it, perhaps over two brokers after a leader moved: the attempt is aborted (no read_committed reader
   * sees what it wrote) and the retry sends per partition, where even a stale leader cannot make a batch
   * span two brokers.
   */
  private async sendAll(tx: Transaction, batches: PartitionRuns[], attempt: number): Promise<void> {
    const send = (topicMessages: { topic: string; messages: Message[] }[]) =>
      tx.sendBatch({ topicMessages, acks: -1 });
    if (attempt > 1) {
      // Every send settles before an abort, so none lands after it. A partition's runs go in order.
      const sent = await Promise.allSettled(
        batches.map(async ({ topic, runs }) => {
          for (const messages of runs) await send([{ topic, messages }]);
        }),
      );
      const failed = sent.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      return;
    }
    const byLeader = new Map<number, PartitionRuns[]>();
    for (const b of batches) {
      const leader = (await this.counts.leaders(b.topic))[b.partition] ?? -1;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(b);
    }
    for (const group of byLeader.values()) {
      // Round r carries the r-th run of each partition: a partition's runs stay in order.
      const rounds = Math.max(...group.map((b) => b.runs.length));
      for (let r = 0; r < rounds; r++) {
        const byTopic = new Map<string, Message[]>();
        for (const { topic, runs } of group) {
          if (r >= runs.length) continue;
          let list = byTopic.get(topic);
          if (!list) byTopic.set(topic, (list = []));
          list.push(...runs[r]);
        }
        const before = this.produceRequests;
        await send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
        if (this.produceRequests - before > 1)
          throw new Error(
            `a batch for one leader took ${this.produceRequests - before} produce requests (retried inside kafkajs, perhaps over two brokers): aborted, sent again per partition`,
          );
      }
    }
  }

  private async attempt(
    messages: Map<string, OutgoingMessage[]>,
    groupId: string,
    offsets: PartitionOffsets,
    phase: { ending: boolean },
    attempt: number,
  ): Promise<void> {
    const batches = await this.perPartition(messages);
    const tx = await this.producer.transaction();
    try {
      await this.sendAll(tx, batches, attempt);
      if (offsets.length) {
        // kafkajs passes each partition's metadata through to TxnOffsetCommit (its types omit it).
        const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>();
        for (const o of offsets) {
          let list = byTopic.get(o.topic);
          if (!list) byTopic.set(o.topic, (list = []));
          list.push({ partition: o.partition, offset: String(o.offset), metadata: o.metadata ?? null });
        }
        await tx.sendOffsets({
          consumerGroupId: groupId,
          topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        });
      }
      phase.ending = true;
      await tx.commit();
    } catch (err) {
      // After a failed EndTxn kafkajs's state machine allows no abort; a new producer's InitProducerId
      // finishes the transaction on the broker (commits it if the commit landed, aborts it otherwise).
      if (phase.ending) await this.replaceProducer();
      else await tx.abort().catch(() => this.replaceProducer());
      throw err;
    }
  }

  /**
   * Releases the producer for good: a commit still retrying (a task that moved while its checkpoint was
   * in flight) must not run InitProducerId again, which would fence the task's new owner.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.connected) await this.producer.disconnect().catch(() => {});
    this.connected = null;
  }
}

/** `fn` again while it fails with an error that is not fatal, for up to `budgetMs`; then an RtapError naming `what`. */
async function retryingRetriable<T>(what: string, fn: () => Promise<T>, budgetMs = 30_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RtapError) throw err;
      if (isFatal(err) || Date.now() + wait > deadline) {
        // The kafkajs error stays the cause: callers tell fencing and fatal errors by its type.
        throw Object.assign(new RtapError(`${what}: ${describeKafkaError(err)}`), { cause: err });
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
