import { defaultEngineConfig } from '../../src/engine/index.js';
import { assemblePipeline } from '../../src/pipeline/assemble.js';
import { LatencyRecorders } from '../../src/reporting/histograms.js';
import type { SimRecord } from '../../src/simulator/index.js';
import type { Sink } from '../../src/sinks/types.js';
import { systemClock } from '../../src/time/clock.js';
import { partitionForKey } from '../../src/transport/partitioner.js';
import { DEFAULT_PARTITIONS } from '../../src/transport/topics.js';
import type { Transport } from '../../src/transport/types.js';

/** Simulator records into their topics, partitioned by key as rtap's producers do, in batches. */
export async function produceRecords(transport: Transport, records: readonly SimRecord[]): Promise<void> {
  const producer = transport.producer();
  for (let i = 0; i < records.length; i += 1000) {
    const byTopic = new Map<string, { key: string | null; value: Buffer; partition: number }[]>();
    for (const r of records.slice(i, i + 1000)) {
      const list = byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic)!;
      list.push({
        key: r.key,
        value: r.value,
        partition: r.key === null ? 0 : partitionForKey(r.key, DEFAULT_PARTITIONS[r.topic]),
      });
    }
    for (const [topic, msgs] of byTopic) await producer.send(topic, msgs);
  }
  await producer.flush();
}

/**
 * The default pipeline (every view, every shipped pattern) reading from the beginning, never idle and
 * without early results (they depend on wall time), without checkpoints (at-least-once).
 */
export function defaultPipeline(
  transport: Transport,
  sinks: Sink[],
  o: { threads: number; groupId?: string; log?: (line: string) => void },
) {
  return assemblePipeline({
    transport,
    engine: { ...defaultEngineConfig(), idleTimeoutMs: 24 * 3_600_000, earlyIntervalMs: null },
    sinks,
    recorders: new LatencyRecorders(),
    clock: systemClock,
    fromBeginning: true,
    groupId: o.groupId,
    threads: o.threads,
    log: o.log,
  });
}
