/** Topic names of the reference documents (DESIGN.md, "Names"); every one is configurable. */
export const TOPICS = {
  events: 'website-analytics-events',
  results: 'processed-metrics',
  alerts: 'cep-alerts',
  deadLetter: 'events-deadletter',
  userEvents: 'user-events',
  productView: 'product-view',
  orders: 'orders',
} as const;

/** The input topics a processor reads by default: the website stream and EventFlow's three. */
export const INPUT_TOPICS = [TOPICS.events, TOPICS.userEvents, TOPICS.productView, TOPICS.orders];

/** Partition counts of the reference topology (000, 002), for the embedded log. */
export const DEFAULT_PARTITIONS: Record<string, number> = {
  [TOPICS.events]: 12,
  [TOPICS.results]: 6,
  [TOPICS.alerts]: 3,
  [TOPICS.deadLetter]: 3,
  [TOPICS.userEvents]: 3,
  [TOPICS.productView]: 3,
  [TOPICS.orders]: 3,
};

/** What a topic is for in the pipeline; a topology file may say it per topic (`"role"`). */
export const TOPIC_ROLES = [
  'events',
  'userEvents',
  'productView',
  'orders',
  'deadLetter',
  'results',
  'alerts',
] as const;
export type TopicRole = (typeof TOPIC_ROLES)[number];

/**
 * The topics one pipeline uses, by role, with the partition count of each (for the embedded log and
 * for topics that do not exist yet). The reference topology (000, 002) by default; a topology file with
 * roles sets others (004: `events_raw` 3 partitions, `events_deadletter` 1).
 */
export interface PipelineTopics {
  names: Record<TopicRole, string>;
  partitions: Record<string, number>;
}

export const DEFAULT_PIPELINE_TOPICS: PipelineTopics = {
  names: { ...TOPICS },
  partitions: { ...DEFAULT_PARTITIONS },
};

/** The topics a processor reads: the input roles' topics, each once (roles may share a topic). */
export function inputTopicsOf(t: PipelineTopics): string[] {
  return [...new Set([t.names.events, t.names.userEvents, t.names.productView, t.names.orders])];
}

/** Where each event type is published: the website stream, or EventFlow's own topics (002). */
export function topicForEventType(type: string, names: Record<TopicRole, string> = TOPICS): string {
  switch (type) {
    case 'user_event':
      return names.userEvents;
    case 'product_view':
      return names.productView;
    case 'order':
      return names.orders;
    default:
      return names.events;
  }
}

/**
 * Scale-out: the task a partition belongs to. Input topics are co-partitioned by user: a key's partition
 * in a topic of n partitions is its hash mod n, so with `units` = the greatest common divisor of the input
 * topics' partition counts, partition p of any of them holds the users of task p mod units. The panes
 * topic's partition q is task `merge-q`.
 */
export function taskOf(topic: string, partition: number, panesTopic: string, units: number): string {
  return topic === panesTopic ? `merge-${partition}` : `task-${partition % units}`;
}

/** Greatest common divisor of the partition counts: the number of scale-out tasks. */
export function taskCount(partitionCounts: number[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return partitionCounts.reduce(gcd, 0);
}
