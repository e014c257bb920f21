import { createCep, defaultPatternDir, interestFilter, loadPatternFiles } from '../cep/index.js';
import type { PatternDefinition } from '../cep/index.js';
import { createEngine, type EngineConfig } from '../engine/index.js';
import { resolveEngineConfig } from '../engine/config.js';
import { buildViews } from '../engine/views/index.js';
import type { AnalyticsEvent } from '../events/types.js';
import type { TaskSetup } from './task-runtime.js';

/**
 * What every task of one pipeline runs, as plain data: a worker thread rebuilds the same engine and CEP
 * from it. `patterns`: pattern files or directories; undefined = the shipped ones; ['none'] = no CEP.
 */
export interface TaskSpec {
  engine: EngineConfig;
  patterns?: string[];
  /** Input topics, in the order that numbers them for the tie-break of equal event times. */
  inputTopics: string[];
}

/** Session lifecycle events are keyed by session_id (000), so they reach other tasks than their user's. */
const NOT_USER_KEYED = new Set(['session_start', 'session_end', 'session_timeout']);

/**
 * Where each definition runs in the task model. A task sees one user's events on every topic, so a
 * sequence pattern keyed by user over user-keyed events runs in the tasks; any other (keyed by session or
 * card, or reading session lifecycle events, or ANY) runs at the merge step, on the accepted events the
 * tasks forward to it. A rule runs where its view is emitted: windowed views at the merge step, sessions
 * and per-event views in the tasks.
 */
export interface PatternPlan {
  all: PatternDefinition[];
  task: PatternDefinition[];
  merge: PatternDefinition[];
}

export function loadPatterns(files: string[] | undefined): PatternDefinition[] | null {
  if (files?.length === 1 && files[0] === 'none') return null;
  // Loading refuses paths without patterns (exit 2), as `rtap patterns check` does.
  return loadPatternFiles(files?.length ? files : [defaultPatternDir()]);
}

export function planPatterns(defs: PatternDefinition[], engine: EngineConfig): PatternPlan {
  const merged = new Set(
    buildViews(resolveEngineConfig(engine))
      .filter((v) => v.window !== 'each' && v.window.kind !== 'session')
      .map((v) => v.name),
  );
  const local = (d: PatternDefinition) =>
    d.kind === 'rule'
      ? !merged.has(d.view)
      : d.partitionBy === 'user_id' &&
        d.elements.every((el) => el.kinds !== null && el.kinds.every((k) => !NOT_USER_KEYED.has(k)));
  return { all: defs, task: defs.filter(local), merge: defs.filter((d) => !local(d)) };
}

/** Warnings for rules that can never fire: their view is not among the views this engine runs (--views). */
export function unreadViewWarnings(spec: TaskSpec): string[] {
  const defs = loadPatterns(spec.patterns) ?? [];
  const views = new Set(buildViews(resolveEngineConfig(spec.engine)).map((v) => v.name));
  return defs
    .filter((d) => d.kind === 'rule' && !views.has(d.view))
    .map(
      (d) =>
        `rule ${d.name} (${d.file}:${d.line}) reads the view ${(d as { view: string }).view}, which is not running (--views ${[...new Set([...views].map((v) => v.split('.')[0]))].join(',')}): it never fires`,
    );
}

/** Tie-break of equal event times on Kafka: the record's position, the same in every run (offset first). */
export function positionOrder(
  topics: string[],
): (topic: string, partition: number, offset: number) => number {
  const index = new Map(topics.map((t, i) => [t, i]));
  return (topic, partition, offset) => offset * 16384 + (index.get(topic) ?? 15) * 1024 + (partition & 1023);
}

type Factories = Pick<TaskSetup, 'createEngine' | 'createCep' | 'forward' | 'orderOf'>;

/**
 * The engine and CEP of a task (`role` 'task'), of the merge step ('merge': no engine, the merge-side
 * patterns and rules), or of a lone runtime that sees everything ('single': file mode).
 */
export function taskFactories(spec: TaskSpec, role: 'task' | 'merge' | 'single'): Factories {
  const defs = loadPatterns(spec.patterns);
  const plan = defs ? planPatterns(defs, spec.engine) : null;
  const mine = plan ? (role === 'single' ? plan.all : role === 'task' ? plan.task : plan.merge) : [];
  const central = plan && role === 'task' && plan.merge.some((d) => d.kind === 'sequence') ? plan.merge : [];
  const engine = spec.engine;
  return {
    createEngine: role === 'merge' ? null : (hooks, snapshot) => createEngine(engine, hooks, snapshot),
    createCep: mine.length
      ? (hooks, snapshot) =>
          createCep(
            mine,
            { alert: hooks.alert, warn: hooks.warn, evicted: hooks.evicted },
            { maxPartialMatches: engine.maxPartialMatches },
            snapshot,
          )
      : null,
    forward: central.length ? (interestFilter(central) as (e: AnalyticsEvent) => boolean) : undefined,
    orderOf: role === 'single' ? undefined : positionOrder(spec.inputTopics),
  };
}
