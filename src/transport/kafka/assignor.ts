import kafkajs, { type PartitionAssigner } from 'kafkajs';

import { taskOf } from '../topics.js';

const { AssignerProtocol } = kafkajs;
const NAME = 'RtapTasks';

/**
 * Scale-out assignment (the group leader runs it): the partitions of one task (topics.ts taskOf: the same
 * users in every input topic) go to the same member; each partition of the panes topic is a task of its
 * own. Tasks are dealt in order to the members sorted by id, so the assignment depends only on who is in
 * the group.
 */
export function taskAssigner(panesTopic: string, units: number): PartitionAssigner {
  return ({ cluster }) => ({
    name: NAME,
    version: 1,
    protocol({ topics }) {
      return {
        name: NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      };
    },
    async assign({ members, topics }) {
      const tasks = new Map<string, Record<string, number[]>>();
      for (const topic of topics) {
        for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
          const task = taskOf(topic, partitionId, panesTopic, units);
          let t = tasks.get(task);
          if (!t) tasks.set(task, (t = {}));
          (t[topic] ??= []).push(partitionId);
        }
      }
      // The merge task first, then tasks by number: each member gets a similar share of both kinds.
      const order = [...tasks.keys()].sort((a, b) =>
        a.startsWith('merge') === b.startsWith('merge')
          ? Number(a.split('-')[1]) - Number(b.split('-')[1])
          : a.startsWith('merge')
            ? -1
            : 1,
      );
      const ids = members.map((m) => m.memberId).sort();
      const byMember = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
      order.forEach((task, i) => {
        const into = byMember.get(ids[i % ids.length])!;
        for (const [topic, ps] of Object.entries(tasks.get(task)!)) (into[topic] ??= []).push(...ps);
      });
      return ids.map((memberId) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: byMember.get(memberId)!,
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
