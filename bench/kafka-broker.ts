/**
 * The broker a Kafka bench runs against: RTAP_KAFKA_BROKERS (or --brokers) when given, else a private
 * single-node native broker from src/stack on free ports, stopped when the bench ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp } from '../src/stack/index.js';
import { findFreeBasePort } from '../src/stack/ports.js';

export interface BenchBroker {
  brokers: string[];
  where: string;
  stop(): Promise<void>;
}

export async function benchBroker(given?: string): Promise<BenchBroker> {
  const b = given ?? process.env.RTAP_KAFKA_BROKERS;
  if (b) return { brokers: b.split(','), where: `given (${b})`, stop: async () => {} };
  const stackDir = mkdtempSync(join(tmpdir(), 'rtap-bench-kafka-'));
  const up = await stackUp({
    stackDir,
    port: await findFreeBasePort(1),
    runtime: 'native',
    heap: '768m',
    log: (l) => process.stderr.write(l + '\n'),
  });
  return {
    brokers: up.state.brokers,
    where: `native Kafka ${up.state.kafkaVersion}, 1 node, -Xmx768m, same machine`,
    stop: async () => {
      await stackDown({ stackDir });
      rmSync(stackDir, { recursive: true, force: true });
    },
  };
}
