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

/** Where each event type is published: the website stream, or EventFlow's own topics (002). */
export function topicForEventType(type: string): string {
  switch (type) {
    case 'user_event':
      return TOPICS.userEvents;
    case 'product_view':
      return TOPICS.productView;
    case 'order':
      return TOPICS.orders;
    default:
      return TOPICS.events;
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
