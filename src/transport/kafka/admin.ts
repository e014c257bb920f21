import type { Admin as KafkaJsAdmin } from 'kafkajs';
import kafkajs from 'kafkajs';
import { RtapError } from '../../errors.js';
import type { Admin, TopicDescription, TopicSpec } from '../types.js';
import { describeKafkaError } from './errors.js';

const { ConfigResourceTypes } = kafkajs;

/** The Admin seam on Kafka: topics as provisioning sees them (effective configs, replica counts). */
export class KafkaAdmin implements Admin {
  constructor(
    private readonly admin: () => Promise<KafkaJsAdmin>,
    private readonly onTopicsChanged: (names: string[]) => void,
  ) {}

  async listTopics(): Promise<string[]> {
    const a = await this.admin();
    // Internal topics (__consumer_offsets, __transaction_state) are the broker's, not ours.
    return (await a.listTopics()).filter((t) => !t.startsWith('__')).sort();
  }

  async describeTopics(names: string[]): Promise<TopicDescription[]> {
    if (names.length === 0) return [];
    const a = await this.admin();
    const existing = new Set(await a.listTopics());
    const missing = names.filter((n) => !existing.has(n));
    if (missing.length) throw new RtapError(`unknown topic(s) on Kafka: ${missing.join(', ')}`);
    const md = await a.fetchTopicMetadata({ topics: names });
    const configs = await a.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    const configOf = new Map<string, Record<string, string>>();
    for (const r of configs.resources) {
      const c: Record<string, string> = {};
      for (const e of r.configEntries)
        if (e.configValue !== null && !e.isSensitive) c[e.configName] = e.configValue;
      configOf.set(r.resourceName, c);
    }
    return names.map((name) => {
      const t = md.topics.find((x) => x.name === name)!;
      return {
        name,
        partitions: t.partitions.length,
        replicationFactor: Math.min(...t.partitions.map((p) => p.replicas.length)),
        config: configOf.get(name) ?? {},
      };
    });
  }

  async createTopics(specs: TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const a = await this.admin();
    try {
      // kafkajs's own waitForLeaders trips over KRaft's brief UNKNOWN_TOPIC_OR_PARTITION after creation;
      // leaders are awaited below instead.
      await a.createTopics({
        waitForLeaders: false,
        topics: specs.map((s) => ({
          topic: s.name,
          numPartitions: s.partitions,
          replicationFactor: s.replicationFactor,
          configEntries: Object.entries(s.config).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (err) {
      throw new RtapError(
        `creating topics ${specs.map((s) => s.name).join(', ')} failed: ${describeKafkaError(err)}`,
      );
    }
    this.onTopicsChanged(specs.map((s) => s.name));
    await this.waitForLeaders(
      specs.map((s) => s.name),
      30_000,
    );
  }

  /** Polls metadata until every partition of `names` has a leader (a producer could not write before). */
  private async waitForLeaders(names: string[], timeoutMs: number): Promise<void> {
    const a = await this.admin();
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const md = await a.fetchTopicMetadata({ topics: names });
        const leaderless = md.topics.flatMap((t) =>
          t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`),
        );
        if (md.topics.length === names.length && leaderless.length === 0) return;
        last = leaderless.length
          ? `no leader yet for ${leaderless.slice(0, 5).join(', ')}`
          : 'topics not in metadata yet';
      } catch (err) {
        last = describeKafkaError(err);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new RtapError(
      `topics ${names.join(', ')} were created but have no leaders after ${timeoutMs / 1000}s (${last})`,
    );
  }

  async deleteTopics(names: string[]): Promise<void> {
    if (names.length === 0) return;
    const a = await this.admin();
    try {
      await a.deleteTopics({ topics: names, timeout: 30_000 });
    } catch (err) {
      throw new RtapError(`deleting topics ${names.join(', ')} failed: ${describeKafkaError(err)}`);
    }
    this.onTopicsChanged(names);
  }

  async brokerCount(): Promise<number> {
    const a = await this.admin();
    return (await a.describeCluster()).brokers.length;
  }

  /** The shared admin connection belongs to the transport; closing this view is a no-op. */
  async close(): Promise<void> {}
}
