import type { Admin, TopicDescription } from '../transport/types.js';
import { planDelete, planProvision, type Plan } from './plan.js';
import type { Topology } from './topology.js';

export interface ProvisionOptions {
  dryRun?: boolean;
  /** Remove the topology's topics instead of creating them. */
  delete?: boolean;
}

export interface ProvisionResult {
  plan: Plan;
  /** Whether the plan was carried out (false for --dry-run). */
  applied: boolean;
  created: string[];
  deleted: string[];
  /** Topics that exist but differ from the topology: reported, never changed silently. */
  drifted: string[];
}

/**
 * Creates (or with `delete`, removes) the topology's topics through the Admin seam, so it works on Kafka
 * and on the embedded log. Idempotent: existing topics are compared, not recreated; a second run creates
 * nothing. Drift (another partition count, replication or config) is reported and left alone: Kafka
 * cannot lower a partition count, and changing one re-maps every key.
 */
export async function provision(
  admin: Admin,
  topology: Topology,
  options: ProvisionOptions = {},
): Promise<ProvisionResult> {
  const brokers = await admin.brokerCount();
  const names = new Set(await admin.listTopics());
  const ours = topology.topics.map((t) => t.name).filter((n) => names.has(n));
  let plan: Plan;
  if (options.delete) {
    plan = planDelete(topology, names, brokers);
  } else {
    const described: TopicDescription[] = await admin.describeTopics(ours);
    plan = planProvision(topology, new Map(described.map((d) => [d.name, d])), brokers);
  }
  const result: ProvisionResult = {
    plan,
    applied: !options.dryRun,
    created: [],
    deleted: [],
    drifted: plan.actions.filter((a) => a.kind === 'drift').map((a) => a.name),
  };
  if (options.dryRun) return result;
  const toCreate = plan.actions.flatMap((a) => (a.kind === 'create' ? [a.spec] : []));
  if (toCreate.length) {
    await admin.createTopics(toCreate);
    result.created = toCreate.map((s) => s.name);
  }
  const toDelete = plan.actions.flatMap((a) => (a.kind === 'delete' ? [a.name] : []));
  if (toDelete.length) {
    await admin.deleteTopics(toDelete);
    result.deleted = toDelete;
  }
  return result;
}
