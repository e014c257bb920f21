import type { Admin as KafkaJsAdmin } from 'kafkajs';
import { RtapError } from '../../errors.js';
import { describeKafkaError } from './errors.js';

/**
 * Partition counts (and leaders) per topic, read once from the cluster and cached: the producer places
 * keyed records itself (murmur2, like the Java client) and needs the count. A topic that does not exist is an error
 * here, not an auto-creation: topics come from `rtap provision`.
 */
export class PartitionCounts {
  private layouts = new Map<string, Promise<number[]>>();

  constructor(
    private readonly admin: () => Promise<KafkaJsAdmin>,
    private readonly brokers: string[],
    private readonly retryForMs: number,
  ) {}

  async get(topic: string): Promise<number> {
    return (await this.layout(topic)).length;
  }

  /**
   * The leader (node id) of each partition of `topic`, as of the lookup: the transactional producer
   * groups its sends by it. It may be stale after a leader moved; `invalidate` forgets it.
   */
  leaders(topic: string): Promise<number[]> {
    return this.layout(topic);
  }

  private layout(topic: string): Promise<number[]> {
    let p = this.layouts.get(topic);
    if (!p) {
      p = this.fetch(topic);
      this.layouts.set(topic, p);
      // A failed lookup is not cached: the next send asks again.
      p.catch(() => this.layouts.delete(topic));
    }
    return p;
  }

  /** Forget a topic's layout (after a partition increase, a leader change or a metadata error). */
  invalidate(topic: string): void {
    this.layouts.delete(topic);
  }

  private async fetch(topic: string): Promise<number[]> {
    // A broker that is restarting comes back: transient errors are retried until the deadline, like sends.
    const deadline = Date.now() + this.retryForMs;
    let backoff = 100;
    for (;;) {
      let exists: boolean;
      try {
        const admin = await this.admin();
        exists = (await admin.listTopics()).includes(topic);
        if (exists) {
          const md = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = md.topics[0]?.partitions ?? [];
          if (partitions.length >= 1) {
            const leaders = new Array<number>(partitions.length).fill(-1);
            for (const p of partitions) leaders[p.partitionId] = p.leader;
            return leaders;
          }
        }
      } catch (err) {
        if (Date.now() + backoff > deadline) {
          throw new RtapError(
            `cannot read the partitions of topic '${topic}' within ${Math.round(this.retryForMs / 1000)}s: ${describeKafkaError(err)}`,
          );
        }
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2000);
        continue;
      }
      throw new RtapError(
        `topic '${topic}' does not exist on Kafka ${this.brokers.join(',')}`,
        undefined,
        'create it with `rtap provision` (topic auto-creation is off by design)',
      );
    }
  }
}
