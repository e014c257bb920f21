import type { ProvisionResult } from './apply.js';
import type { TopicAction } from './plan.js';

function describeAction(a: TopicAction, applied: boolean): string {
  switch (a.kind) {
    case 'create': {
      const cfg = Object.entries(a.spec.config)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return `${applied ? 'created  ' : 'create   '} ${a.spec.name}: ${a.spec.partitions} partitions, replication ${a.spec.replicationFactor}${cfg ? `, ${cfg}` : ''}`;
    }
    case 'unchanged':
      return `unchanged ${a.name}`;
    case 'drift':
      return `DRIFT     ${a.name}: ${a.differences.map((d) => `${d.field} is ${d.actual}, topology says ${d.expected}`).join('; ')}`;
    case 'delete':
      return `${applied ? 'deleted  ' : 'delete   '} ${a.name}`;
    case 'absent':
      return `absent    ${a.name} (nothing to delete)`;
  }
}

/** Human report: one line per topic, then a summary that says plainly whether anything changed. */
export function formatProvision(r: ProvisionResult, target: string, file: string): string {
  const lines = [
    `${r.applied ? 'provision' : 'plan (dry run)'}: ${file} on ${target} (${r.plan.brokers} broker${r.plan.brokers === 1 ? '' : 's'})`,
  ];
  for (const w of r.plan.warnings) lines.push(`warning: ${w}`);
  for (const a of r.plan.actions) lines.push(`  ${describeAction(a, r.applied)}`);
  const changes = r.plan.actions.filter((a) => a.kind === 'create' || a.kind === 'delete').length;
  if (changes === 0)
    lines.push(
      `nothing to change: ${r.plan.actions.length} topic(s) already as the topology says${r.drifted.length ? ', except the drift above' : ''}`,
    );
  else if (!r.applied) lines.push(`${changes} change(s) planned; run without --dry-run to apply`);
  else
    lines.push(
      `${r.created.length ? `created ${r.created.length}` : `deleted ${r.deleted.length}`} topic(s)`,
    );
  if (r.drifted.length) {
    lines.push(
      `${r.drifted.length} topic(s) differ from the topology and were left as they are (delete them with --delete and provision again to recreate)`,
    );
  }
  return lines.join('\n') + '\n';
}
