import type { ConsumedRecord, Headers, TopicDescription, TopicSpec } from '../types.js';

/**
 * One partition of the in-process log: an append-only array addressed by offset. The head is trimmed once
 * every consumer group has committed past it, so a long run keeps only what is still unread.
 */
export class PartitionLog {
  private records: ConsumedRecord[] = [];
  /** Offset of records[0]. */
  private startOffset = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get endOffset(): number {
    return this.startOffset + this.records.length;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }

  append(key: string | null, value: Buffer, headers: Headers, timestamp: number): number {
    const offset = this.endOffset;
    this.records.push({
      topic: this.topic,
      partition: this.partition,
      offset,
      key,
      value,
      headers,
      timestamp,
    });
    return offset;
  }

  /** Up to `max` records starting at `offset` (clamped to the retained range). */
  read(offset: number, max: number): ConsumedRecord[] {
    const from = Math.max(offset, this.startOffset) - this.startOffset;
    return this.records.slice(from, from + max);
  }

  /** Drops records below `offset`; amortised so trimming is not O(n) per commit. */
  trimBefore(offset: number): void {
    const drop = Math.min(offset, this.endOffset) - this.startOffset;
    if (drop <= 0) return;
    if (drop < 4096 && drop < this.records.length / 2) return;
    this.records = this.records.slice(drop);
    this.startOffset += drop;
  }
}

export class TopicLog {
  readonly partitions: PartitionLog[];
  constructor(
    readonly name: string,
    partitionCount: number,
    readonly config: Record<string, string>,
  ) {
    this.partitions = Array.from({ length: partitionCount }, (_, p) => new PartitionLog(name, p));
  }

  describe(): TopicDescription {
    return {
      name: this.name,
      partitions: this.partitions.length,
      replicationFactor: 1,
      config: { ...this.config },
    };
  }
}

export function topicFromSpec(spec: TopicSpec): TopicLog {
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
    throw new Error(`topic ${spec.name}: partitions must be an integer >= 1, got ${spec.partitions}`);
  }
  return new TopicLog(spec.name, spec.partitions, spec.config);
}
