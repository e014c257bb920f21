import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Alert } from '../../src/events/results.js';
import { TopicSink } from '../../src/sinks/topic.js';
import { AlertFollower } from '../../src/ui/follow-alerts.js';
import { transport as kafkaTransport, uniqueTopic } from '../transport/kafka/helpers.js';
import { alert, settle } from './helpers.js';

async function until(cond: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await settle(50);
}

describe('AlertFollower on Kafka', () => {
  it('--tail N over alerts written by the topic sink: the newest N by detection time, then live ones', async () => {
    const transport = kafkaTransport();
    const topic = uniqueTopic('cep-alerts');
    const admin = transport.admin();
    await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1, config: {} }]);
    const producer = transport.producer();
    const sink = new TopicSink(producer, { resultsTopic: uniqueTopic('unused'), alertsTopic: topic });
    try {
      const backlog = Array.from({ length: 30 }, (_, i) => ({
        ...alert('fraud_multi_card', 'critical', `u-${i}`),
        detected_at: 5_000 + ((i * 11) % 30),
      }));
      await sink.write(backlog.map((a) => ({ kind: 'alert' as const, alert: a })));
      await sink.flush();
      const follower = new AlertFollower({ transport, topic, tail: 5 });
      const got: Alert[] = [];
      let caughtUp = false;
      follower.on('alert', (a) => got.push(a));
      follower.on('caughtUp', () => (caughtUp = true));
      const running = follower.start();
      await until(() => caughtUp, 60_000);
      assert.ok(caughtUp, 'never caught up');
      const newest = [...backlog].sort((a, b) => a.detected_at - b.detected_at).slice(-5);
      assert.deepEqual(
        got.map((a) => a.alert_id),
        newest.map((a) => a.alert_id),
      );
      const live = alert('traffic_anomaly', 'warning', '');
      await sink.write([{ kind: 'alert', alert: live }]);
      await sink.flush();
      await until(() => got.length === 6, 30_000);
      assert.equal(got[5]?.alert_id, live.alert_id);
      await follower.stop();
      await running;
    } finally {
      await sink.close();
      await producer.close();
      await admin.deleteTopics([topic]).catch(() => {});
      await admin.close();
      await transport.close();
    }
  });
});
