import { EXIT, RtapError } from '../errors.js';
import { defaultEngineConfig, type EngineConfig } from '../engine/index.js';
import type { LatencyRecorders } from '../reporting/histograms.js';
import type { Sink } from '../sinks/types.js';
import type { Clock } from '../time/clock.js';
import {
  DEFAULT_PIPELINE_TOPICS,
  inputTopicsOf,
  taskCount,
  type PipelineTopics,
} from '../transport/topics.js';
import type { Transport } from '../transport/types.js';
import { Processor, type ScaleOutOptions } from './processor.js';
import type { Checkpointer } from '../checkpoint/coordinator.js';
import { unreadViewWarnings, type TaskSpec } from './task-spec.js';

/** The engine settings of a command's options (commands/settings.ts engineSettings); unset means default. */
export interface EngineOverrides {
  views?: string[];
  outOfOrderness?: number;
  lateness?: number;
  idleTimeout?: number;
  distinct?: 'exact' | 'hll';
  /** null: final results only. */
  earlyInterval?: number | null;
  maxPartialMatches?: number;
}

/** Only the engine settings of `o` (a command's whole options), e.g. for a bench report's configuration. */
export function engineOverrides(o: EngineOverrides): EngineOverrides {
  const { views, outOfOrderness, lateness, idleTimeout, distinct, earlyInterval, maxPartialMatches } = o;
  return { views, outOfOrderness, lateness, idleTimeout, distinct, earlyInterval, maxPartialMatches };
}

export function engineConfigFrom(o: EngineOverrides): EngineConfig {
  const c = defaultEngineConfig();
  if (o.views?.length) c.views = o.views;
  if (o.outOfOrderness !== undefined) c.outOfOrdernessMs = o.outOfOrderness;
  if (o.lateness !== undefined) c.allowedLatenessMs = o.lateness;
  if (o.idleTimeout !== undefined) c.idleTimeoutMs = o.idleTimeout;
  if (o.distinct !== undefined) c.distinct = o.distinct;
  if (o.earlyInterval !== undefined) c.earlyIntervalMs = o.earlyInterval;
  if (o.maxPartialMatches !== undefined) c.maxPartialMatches = o.maxPartialMatches;
  return c;
}

export interface PipelineOptions {
  transport: Transport;
  engine: EngineConfig;
  /** Pattern files/dirs; undefined = the shipped patterns; ['none'] = no CEP. */
  patterns?: string[];
  sinks: Sink[];
  recorders: LatencyRecorders;
  clock: Clock;
  groupId?: string;
  /** The pipeline's topics (a topology file); the reference topology by default. */
  topics?: PipelineTopics;
  /** Overrides the input topics of `topics`. */
  inputTopics?: string[];
  deadLetterTopic?: string;
  fromBeginning?: boolean;
  injectStall?: { afterMs: number; durationMs: number };
  /** Checkpoints + exactly-once outputs (see src/checkpoint); the sinks must write to its `outputs`. */
  checkpointer?: Checkpointer;
  /** Scale-out across processes (Kafka, with checkpoints per task). */
  scaleOut?: ScaleOutOptions;
  log?: (line: string) => void;
  /** Worker threads of the tasks (ignored in scale-out: one per process). */
  threads?: number;
}

/**
 * The input topology: the co-partitioned tasks (the gcd of the input topics' partition counts: one user's
 * events on every topic meet in one task, which holds their sessions and dedup state) and every input
 * partition number. On the embedded log, topics that do not exist yet count with the reference topology's
 * partitions (what `rtap provision` creates); on Kafka, a missing input topic is an error.
 */
export async function inputTopology(
  transport: Transport,
  topics: string[],
  planned: Record<string, number> = DEFAULT_PIPELINE_TOPICS.partitions,
): Promise<{ tasks: number; partitions: number[] }> {
  const admin = transport.admin();
  const existing = new Set(await admin.listTopics());
  // A Kafka consumer subscribed to a topic that does not exist fails after it joins, with the broker's
  // "does not host this topic-partition"; say which topics and what creates them before anything starts.
  const missing = topics.filter((t) => !existing.has(t));
  if (transport.kind === 'kafka' && missing.length > 0)
    throw new RtapError(
      `input topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist on ${transport.description}`,
      EXIT.FAILURE,
      'create the pipeline topics first: rtap provision --brokers <list> (with the same --topology)',
    );
  const described = await admin.describeTopics(topics.filter((t) => existing.has(t)));
  const known = new Map(described.map((d) => [d.name, d.partitions]));
  const counts = topics.map((t) => known.get(t) ?? planned[t] ?? 1);
  return { tasks: taskCount(counts), partitions: Array.from({ length: Math.max(...counts) }, (_, i) => i) };
}

/** Builds the processor with its engine and CEP; commands call this and only add sinks and reporting. */
export async function assemblePipeline(o: PipelineOptions): Promise<Processor> {
  const topics = o.topics ?? DEFAULT_PIPELINE_TOPICS;
  const inputTopics = o.inputTopics ?? inputTopicsOf(topics);
  const topology = await inputTopology(o.transport, inputTopics, topics.partitions);
  const spec: TaskSpec = {
    engine: { ...o.engine, tasks: o.engine.tasks ?? topology.tasks },
    patterns: o.patterns,
    inputTopics,
  };
  for (const w of unreadViewWarnings(spec)) process.stderr.write(`rtap: warning: ${w}\n`);
  return new Processor({
    transport: o.transport,
    groupId: o.groupId ?? 'rtap-processor',
    inputTopics,
    deadLetterTopic: o.deadLetterTopic ?? topics.names.deadLetter,
    fromBeginning: o.fromBeginning ?? true,
    spec,
    partitions: topology.partitions,
    sinks: o.sinks,
    recorders: o.recorders,
    clock: o.clock,
    injectStall: o.injectStall,
    checkpointer: o.checkpointer,
    scaleOut: o.scaleOut,
    log: o.log,
    threads: o.scaleOut ? 1 : o.threads,
  });
}
