/**
 * A private native Kafka (one node or a cluster) for one test file: the fault tests delete and re-create the
 * pipeline's default topics and stop brokers, and the security test needs SASL and TLS listeners; either
 * would break other test files sharing the test broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp, type StackState, type StackUpOptions } from '../../src/stack/index.js';
import { findFreeBasePort } from '../../src/stack/ports.js';

export type BrokerSetup = Pick<StackUpOptions, 'brokerProperties' | 'formatArgs'>;

/**
 * Runs `fn` with a private broker set of `nodes` nodes and a scratch directory (for recordings, checkpoint
 * directories, certificates), and removes both afterwards whatever happens. `setup` runs first, with the
 * scratch directory, and returns extra broker settings.
 */
export async function withPrivateKafka(
  nodes: number,
  dirPrefix: string,
  fn: (k: { brokers: string; state: StackState; dir: string }) => Promise<void>,
  setup?: (dir: string) => Promise<BrokerSetup>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  try {
    const kafka = await privateKafka(nodes, (await setup?.(dir)) ?? {});
    try {
      await fn({ brokers: kafka.brokers, state: kafka.state, dir });
    } finally {
      await kafka.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function privateKafka(
  nodes: number,
  extra: BrokerSetup,
): Promise<{ brokers: string; state: StackState; stop(): Promise<void> }> {
  const stackDir = mkdtempSync(join(tmpdir(), 'rtap-private-kafka-'));
  try {
    const up = await stackUp({
      stackDir,
      nodes,
      port: await findFreeBasePort(nodes),
      runtime: 'native',
      heap: nodes > 1 ? '320m' : '512m',
      ownerPid: process.pid,
      ...extra,
    });
    return {
      brokers: up.state.brokers.join(','),
      state: up.state,
      stop: async () => {
        await stackDown({ stackDir, graceMs: 10_000 }).catch(() => {});
        rmSync(stackDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(stackDir, { recursive: true, force: true });
    throw err;
  }
}
