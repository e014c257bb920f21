import type { ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { checkTool } from '../../src/stack/tools.js';
import { startCli } from '../helpers/cli.js';
import { withPrivateKafka } from '../services/private-kafka.js';

const haveJava = checkTool('java', '-version').ok;

/** A test on a private broker set of `nodes` nodes (withPrivateKafka), skipped where Java is missing. */
export function privateKafkaTest(
  name: string,
  o: { nodes: number; prefix: string; timeout: number },
  fn: Parameters<typeof withPrivateKafka>[2],
): void {
  test(name, { skip: !haveJava && 'java not installed', timeout: o.timeout }, () =>
    withPrivateKafka(o.nodes, o.prefix, fn),
  );
}

export function kafka(brokers: string): InstanceType<typeof kafkajs.Kafka> {
  return new kafkajs.Kafka({
    clientId: 'rtap-fault-test',
    brokers: brokers.split(','),
    logLevel: kafkajs.logLevel.NOTHING,
  });
}

/** A running `rtap process` child, with its stderr and the moment its state was restored. */
export interface ProcessChild {
  child: ChildProcess;
  stderr: () => string;
  spawnedAt: number;
  /** Resolves with the wall time of the "recovered"/"fresh start" log line. */
  recovered: Promise<number>;
  /** Resolves with the wall time of the "processing resumed" log line (first batch after the restore). */
  resumed: Promise<number>;
  exited: Promise<number | null>;
}

export function spawnRtap(args: string[]): ProcessChild {
  const spawnedAt = Date.now();
  const c = startCli(args);
  let onRecovered: (t: number) => void = () => {};
  const recovered = new Promise<number>((r) => (onRecovered = r));
  let onResumed: (t: number) => void = () => {};
  const resumed = new Promise<number>((r) => (onResumed = r));
  c.child.stderr!.on('data', () => {
    const err = c.stderr();
    if (/rtap process: (recovered checkpoint|no checkpoint)/.test(err)) onRecovered(Date.now());
    if (/rtap process: processing resumed/.test(err)) onResumed(Date.now());
  });
  return { child: c.child, stderr: c.stderr, spawnedAt, recovered, resumed, exited: c.exited };
}

/** High watermark per "topic/partition". */
export async function endOffsets(admin: kafkajs.Admin, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of topics) {
    // Right after a topic is (re)created its partitions may still be electing a leader: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        for (const p of await admin.fetchTopicOffsets(t)) out.set(`${t}/${p.partition}`, Number(p.high));
        break;
      } catch (err) {
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
  return out;
}

/**
 * The group's committed offsets of `topics`, or null while the broker answers with a retriable error: on a
 * fresh broker the group coordinator is not loaded until the first group has started
 * (NOT_COORDINATOR_FOR_GROUP), and it moves when its broker stops. Polls read null as "not yet".
 */
export async function committedOffsets(
  admin: kafkajs.Admin,
  groupId: string,
  topics: string[],
): Promise<Awaited<ReturnType<kafkajs.Admin['fetchOffsets']>> | null> {
  try {
    return await admin.fetchOffsets({ groupId, topics });
  } catch (err) {
    if ((err as { retriable?: boolean }).retriable) return null;
    throw err;
  }
}

/** True once the group's committed offsets reach the end of every input partition that has data. */
export async function caughtUp(admin: kafkajs.Admin, groupId: string, topics: string[]): Promise<boolean> {
  const ends = await endOffsets(admin, topics);
  const committed = new Map<string, number>();
  const fetched = await committedOffsets(admin, groupId, topics);
  if (!fetched) return false;
  for (const t of fetched)
    for (const p of t.partitions) committed.set(`${t.topic}/${p.partition}`, Number(p.offset));
  for (const [k, end] of ends) if (end > 0 && (committed.get(k) ?? -1) < end) return false;
  return true;
}

/**
 * Every committed record of `topic` after `from` (per-partition start offsets), read with read_committed
 * (kafkajs's default isolation): records of aborted transactions are never returned.
 */
export async function readCommitted(
  brokers: string,
  topic: string,
  from: Map<string, number>,
): Promise<{ key: string; value: string; headers: Record<string, string> }[]> {
  const k = kafka(brokers);
  const admin = k.admin();
  await admin.connect();
  const ends = await endOffsets(admin, [topic]);
  await admin.disconnect();
  const consumer = k.consumer({
    groupId: `rtap-fault-reader-${process.pid}-${Date.now()}-${Math.random()}`,
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const out: {
    key: string;
    value: string;
    headers: Record<string, string>;
    partition: number;
    offset: number;
  }[] = [];
  const pos = new Map<string, number>();
  const done = () =>
    [...ends].every(([tp, end]) => (pos.get(tp) ?? from.get(tp) ?? 0) >= end - 1 || end === 0);
  // Time to join the group before the safety net below counts.
  let quietSince = Date.now() + 20_000;
  // A fetch of only markers (a partition's last commit marker) reaches no eachBatch, but moves the position.
  // (Not the batch's high watermark: that is the partition's end, reached only after its last batch.)
  consumer.on(consumer.events.START_BATCH_PROCESS, (e) => {
    quietSince = Date.now();
    const tp = `${topic}/${e.payload.partition}`;
    if (e.payload.batchSize === 0) pos.set(tp, Math.max(pos.get(tp) ?? -1, Number(e.payload.lastOffset)));
  });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      quietSince = Date.now();
      const tp = `${topic}/${batch.partition}`;
      for (const m of batch.messages) {
        if (Number(m.offset) < (from.get(tp) ?? 0)) continue;
        const headers: Record<string, string> = {};
        for (const [h, v] of Object.entries(m.headers ?? {})) headers[h] = String(v);
        out.push({
          key: m.key?.toString() ?? '',
          value: m.value?.toString() ?? '',
          headers,
          partition: batch.partition,
          offset: Number(m.offset),
        });
      }
      // The batch's last offset counts its transaction markers, which are never delivered as messages.
      pos.set(tp, Math.max(pos.get(tp) ?? -1, Number(batch.lastOffset())));
    },
  });
  // Stop once every partition is read to its end; nothing arriving for 10 s is only a safety net.
  const deadline = Date.now() + 120_000;
  while (!done() && Date.now() - quietSince < 10_000 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  await consumer.disconnect();
  return out
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    .map(({ key, value, headers }) => ({ key, value, headers }));
}
