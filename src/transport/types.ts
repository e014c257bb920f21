/**
 * The Transport seam (DESIGN.md): the embedded log and Kafka implement the same interfaces, so the
 * simulator and the processor are one code path on both.
 */

export type Headers = Record<string, string>;

export interface OutgoingMessage {
  /** Partition key; the partitioner hashes it with murmur2 exactly as the Java client does. */
  key: string | null;
  value: Buffer;
  headers?: Headers;
  /** Explicit partition, bypassing the partitioner. */
  partition?: number;
  /** Record timestamp, epoch ms (defaults to the append time). */
  timestamp?: number;
}

export interface DeliveryReport {
  topic: string;
  partition: number;
  /** Base offset of the first message of the request in that partition. */
  offset: number;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer;
  headers: Headers;
  /** Record timestamp (create time), epoch ms. */
  timestamp: number;
}

export interface RecordBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** Offset the next produced record in this partition will get (log end). Lag = highWatermark - next offset. */
  highWatermark: number;
  /**
   * Offset after everything this fetch covered, when the transport knows it: past the transaction
   * markers of transactionally written topics, which are records of the log but never delivered.
   * Without it, the offset after the last record.
   */
  nextOffset?: number;
  /**
   * True once the partition was sought elsewhere after this batch was fetched (a rebalance, or
   * Consumer.reposition): a handler that waited behind the restore that sought it must not process it,
   * and once it has said so the transport does not count the batch as handled either.
   */
  stale?: () => boolean;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

export interface Admin {
  listTopics(): Promise<string[]>;
  describeTopics(names: string[]): Promise<TopicDescription[]>;
  createTopics(specs: TopicSpec[]): Promise<void>;
  deleteTopics(names: string[]): Promise<void>;
  /** Number of brokers in the cluster (1 for the embedded log). */
  brokerCount(): Promise<number>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  /** Client id shown in broker logs. */
  clientId?: string;
}

export interface Producer {
  /** Sends messages to one topic; resolves when acknowledged (acks=all on Kafka). */
  send(topic: string, messages: OutgoingMessage[]): Promise<DeliveryReport[]>;
  /** Waits for everything buffered to be acknowledged. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional: connects and looks up the topics now, so the first send() of a paced run does not pay for
   * it (a generator thread calls it before the schedule starts).
   */
  connect?(topics: string[]): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  /**
   * Called after every assignment, before the first batch of a newly assigned partition is delivered
   * (state restore), with the partitions added and the whole assignment.
   */
  onAssigned?: (added: TopicPartition[], assignment: TopicPartition[]) => Promise<void> | void;
  /**
   * Called before partitions are taken away (final checkpoint); `lost` when this consumer found itself
   * removed from the group, so another member may hold them already.
   */
  onRevoked?: (partitions: TopicPartition[], lost: boolean) => Promise<void> | void;
  /**
   * rtap, not the group, owns this consumer's positions (checkpoint mode, as Flink does): it reads every
   * partition of `topics` by itself, each assigned partition starts at `positions(tp)` (undefined: per
   * fromBeginning), and offsets are committed elsewhere (the checkpoint transaction, under groupId). On
   * Kafka the member joins a group of its own instead of groupId, so the successor of a process killed
   * without leaving joins at once instead of waiting for the dead member's session to expire, and a
   * rejoin never rewinds to offsets committed by anyone else.
   */
  positions?: (tp: TopicPartition) => number | undefined;
  /**
   * Scale-out (Kafka only): the members of `groupId` share the work by task (`units` tasks over the input
   * topics, one per partition of `panesTopic`; topics.ts taskOf, kafka/assignor.ts). The
   * member joins `groupId` itself; `positions` still seeks after every join.
   */
  tasks?: { panesTopic: string; units: number };
}

/** Records of a partition not read yet: its end offset minus the position after everything handled. */
export interface PartitionBacklog extends TopicPartition {
  unread: number;
}

export interface Consumer {
  /**
   * Delivers batches until stop(); each handler call is awaited before the next batch of that partition, so
   * a slow handler back-pressures consumption instead of buffering without bound.
   */
  run(handler: (batch: RecordBatch) => Promise<void>): Promise<void>;
  /** Marks `offset` (the next offset to read) as committed for the group. */
  commit(offsets: (TopicPartition & { offset: number })[]): Promise<void>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Currently assigned partitions. */
  assignment(): TopicPartition[];
  /**
   * Unread records of every assigned partition, asked of the log now (the broker's end offsets). Rejects
   * when the broker does not answer. Idleness needs it: a partition with unread records is never idle.
   */
  backlog?(): Promise<PartitionBacklog[]>;
  /**
   * Kafka groups: whether the group's coordinator, asked now, has this member in a stable generation
   * holding every one of `partitions`. A scale-out task fenced while this holds was fenced by a previous
   * owner that had not let go of it yet, not by a new owner.
   */
  holds?(partitions: TopicPartition[]): Promise<boolean>;
  /**
   * Seeks `partitions` to `positions` again: a task restored outside a rebalance. A partition without a
   * position goes back to where this assignment began reading it (the state restored holds none of it).
   */
  reposition?(partitions: TopicPartition[]): void;
  stop(): Promise<void>;
}

export interface Transport {
  readonly kind: 'embedded' | 'kafka';
  /** Human description for reports ("embedded log", "kafka 127.0.0.1:9092"). */
  readonly description: string;
  admin(): Admin;
  producer(options?: ProducerOptions): Producer;
  consumer(options: ConsumerOptions): Consumer;
  /** Releases connections; the embedded log forgets nothing until the process ends. */
  close(): Promise<void>;
}
