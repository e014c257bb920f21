import type { TopicDescription, TopicSpec } from '../transport/types.js';
import type { Topology } from './topology.js';

export interface Difference {
  /** 'partitions', 'replicationFactor' or a topic config key. */
  field: string;
  expected: string;
  actual: string;
}

export type TopicAction =
  | { kind: 'create'; spec: TopicSpec }
  | { kind: 'unchanged'; name: string }
  | { kind: 'drift'; name: string; differences: Difference[] }
  | { kind: 'delete'; name: string }
  | { kind: 'absent'; name: string };

export interface Plan {
  brokers: number;
  warnings: string[];
  actions: TopicAction[];
}

/** Replication can not exceed the brokers there are: the topology's factor is lowered, with a warning. */
export function effectiveSpecs(
  topology: Topology,
  brokers: number,
): { specs: TopicSpec[]; warnings: string[] } {
  const lowered = new Map<number, string[]>();
  const specs = topology.topics.map((t) => {
    if (t.replicationFactor <= brokers) return t;
    lowered.set(t.replicationFactor, [...(lowered.get(t.replicationFactor) ?? []), t.name]);
    return { ...t, replicationFactor: brokers };
  });
  const warnings = [...lowered].map(
    ([rf, names]) =>
      `replication factor ${rf} is configured but only ${brokers} broker${brokers === 1 ? ' is' : 's are'} available: using ${brokers} for ${names.length === topology.topics.length ? `all ${names.length} topics` : names.join(', ')}`,
  );
  return { specs, warnings };
}

/** Kafka may list cleanup.policy parts in any order. */
function normalise(key: string, value: string): string {
  return key === 'cleanup.policy'
    ? value
        .split(',')
        .map((s) => s.trim())
        .sort()
        .join(',')
    : value.trim();
}

export function differences(spec: TopicSpec, actual: TopicDescription): Difference[] {
  const out: Difference[] = [];
  if (actual.partitions !== spec.partitions)
    out.push({ field: 'partitions', expected: String(spec.partitions), actual: String(actual.partitions) });
  if (actual.replicationFactor !== spec.replicationFactor) {
    out.push({
      field: 'replicationFactor',
      expected: String(spec.replicationFactor),
      actual: String(actual.replicationFactor),
    });
  }
  for (const [k, v] of Object.entries(spec.config)) {
    const a = actual.config[k];
    if (a === undefined || normalise(k, a) !== normalise(k, v))
      out.push({ field: k, expected: v, actual: a ?? '(not set)' });
  }
  return out;
}

/** What provisioning would do, given the topics that exist (by name) and the number of brokers. */
export function planProvision(
  topology: Topology,
  existing: Map<string, TopicDescription>,
  brokers: number,
): Plan {
  const { specs, warnings } = effectiveSpecs(topology, brokers);
  const actions: TopicAction[] = specs.map((spec) => {
    const actual = existing.get(spec.name);
    if (!actual) return { kind: 'create', spec };
    const diff = differences(spec, actual);
    return diff.length
      ? { kind: 'drift', name: spec.name, differences: diff }
      : { kind: 'unchanged', name: spec.name };
  });
  return { brokers, warnings, actions };
}

export function planDelete(topology: Topology, existing: Set<string>, brokers: number): Plan {
  return {
    brokers,
    warnings: [],
    actions: topology.topics.map((t) =>
      existing.has(t.name) ? { kind: 'delete', name: t.name } : { kind: 'absent', name: t.name },
    ),
  };
}
