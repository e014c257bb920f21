import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createGenerator,
  defaultSimulatorConfig,
  runOpenLoop,
  type RunSummary,
  type SimRecord,
} from '../../src/simulator/index.js';
import { VirtualClock } from '../../src/time/clock.js';
import type { DeliveryReport, OutgoingMessage, Producer } from '../../src/transport/types.js';

const T0 = 1_700_000_000_000;

/** A producer whose acknowledgement takes `ackMs` of virtual time; it records when each send started. */
class TimedProducer implements Producer {
  sends: { at: number; topic: string; messages: OutgoingMessage[] }[] = [];
  constructor(
    private readonly clock: VirtualClock,
    private readonly ackMs: number,
  ) {}
  async send(topic: string, messages: OutgoingMessage[]): Promise<DeliveryReport[]> {
    this.sends.push({ at: this.clock.now(), topic, messages });
    if (this.ackMs > 0) await this.clock.sleep(this.ackMs);
    return messages.map(() => ({ topic, partition: 0, offset: 0 }));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Lets the loop under test run (it yields with setImmediate between batches). */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Runs the loop on a virtual clock, advancing 1 ms at a time until it finishes. */
async function drive(clock: VirtualClock, run: Promise<RunSummary>): Promise<RunSummary> {
  let done = false;
  const result = run.finally(() => (done = true));
  for (let i = 0; !done && i < 100_000; i++) {
    await settle();
    await clock.advance(1);
  }
  return result;
}

function generator() {
  return createGenerator({ ...defaultSimulatorConfig(), startTime: T0, warmStartRatePerSec: 0 });
}

test('the schedule sets intended send times exactly and an on-time producer has no publish delay', async () => {
  const clock = new VirtualClock(T0);
  const producer = new TimedProducer(clock, 0);
  const records: [SimRecord, number][] = [];
  const published: { intended: number; sentAt: number; ackedAt: number; count: number }[] = [];
  const summary = await drive(
    clock,
    runOpenLoop(generator(), producer, { ratePerSec: 200, events: 400 }, clock, {
      onRecord: (r, intended) => records.push([r, intended]),
      onPublished: (intended, sentAt, ackedAt, count) => published.push({ intended, sentAt, ackedAt, count }),
    }),
  );
  assert.equal(summary.scheduled, 400);
  assert.equal(summary.acked, 400);
  records.forEach(([r, intended], i) => {
    assert.equal(intended, T0 + i * 5);
    assert.equal(r.event!.intended_send_time, T0 + i * 5);
  });
  assert.equal(
    published.reduce((a, p) => a + p.count, 0),
    400,
  );
  for (const p of published) assert.equal(p.sentAt - p.intended, 0);
  // Every message went out in a send at its own intended time.
  assert.equal(
    producer.sends.reduce((a, s) => a + s.messages.length, 0),
    400,
  );
});

test('a slow producer does not slow the schedule: the lateness is recorded as publish delay', async () => {
  const ackMs = 50;
  const clock = new VirtualClock(T0);
  const producer = new TimedProducer(clock, ackMs);
  const byIntended: [number, number][] = [];
  const acks: number[] = [];
  const summary = await drive(
    clock,
    runOpenLoop(generator(), producer, { ratePerSec: 200, events: 400, maxInFlight: 1 }, clock, {
      onPublished: (intended, sentAt, ackedAt, count) => {
        for (let i = 0; i < count; i++) {
          byIntended.push([intended, sentAt - intended]);
          acks.push(ackedAt - sentAt);
        }
      },
    }),
  );
  // Hooks come per topic of a batch: put them back in schedule order.
  const delays = byIntended.sort((a, b) => a[0] - b[0]).map(([, d]) => d);
  // Independent model: one request in flight, each acknowledged 50 ms after it is sent, so sends happen
  // at 0, 50, 100, ... ms, each carrying every event that became due meanwhile.
  const expected: number[] = [];
  let sendAt = 0;
  for (let i = 0; i < 400;) {
    const batch: number[] = [];
    while (i < 400 && i * 5 <= sendAt) batch.push(i++ * 5);
    if (batch.length === 0) {
      sendAt = i * 5;
      continue;
    }
    for (const intended of batch) expected.push(sendAt - intended);
    sendAt += ackMs;
  }
  assert.deepEqual(delays, expected);
  assert.ok(acks.every((a) => a === ackMs));
  assert.equal(summary.acked, 400);
  assert.equal(Math.max(...delays), summary.maxPublishDelayMs);
  assert.ok(summary.maxPublishDelayMs >= 45);
  // 400 events at 200/s take 2 s of schedule, not 400 × 50 ms.
  assert.ok(summary.elapsedMs <= 2000 + ackMs + 5, `elapsed ${summary.elapsedMs}`);
});

test('with room in flight, a slow producer gets the next batch on time', async () => {
  const clock = new VirtualClock(T0);
  const producer = new TimedProducer(clock, 50);
  const delays: number[] = [];
  await drive(
    clock,
    runOpenLoop(generator(), producer, { ratePerSec: 200, events: 200, maxInFlight: 32 }, clock, {
      onPublished: (intended, sentAt) => delays.push(sentAt - intended),
    }),
  );
  assert.equal(delays.length, 200);
  assert.ok(delays.every((d) => d === 0));
});

test('a stalled sender catches up at once in bounded batches', async () => {
  const clock = new VirtualClock(T0);
  const producer = new TimedProducer(clock, 0);
  const gen = generator();
  // The generator blocks for 200 ms of virtual time once, at its 10th event (like a GC pause).
  let calls = 0;
  const stalling = {
    next(t: number) {
      if (++calls === 10) (clock as unknown as { t: number }).t += 200;
      return gen.next(t);
    },
  };
  const delays: number[] = [];
  await drive(
    clock,
    runOpenLoop(stalling, producer, { ratePerSec: 1000, events: 1000, batchMaxRecords: 100 }, clock, {
      onPublished: (intended, sentAt, _a, count) => {
        for (let i = 0; i < count; i++) delays.push(sentAt - intended);
      },
    }),
  );
  assert.equal(delays.length, 1000);
  assert.ok(Math.max(...delays) >= 200, 'the stall shows as publish delay');
  assert.ok(producer.sends.every((s) => s.messages.length <= 100));
  // After catching up, events are on time again.
  assert.ok(delays.slice(-100).every((d) => d === 0));
});

test('an abort stops scheduling and still waits for what is in flight', async () => {
  const clock = new VirtualClock(T0);
  const producer = new TimedProducer(clock, 10);
  const controller = new AbortController();
  const run = runOpenLoop(generator(), producer, { ratePerSec: 100 }, clock, { signal: controller.signal });
  for (let i = 0; i < 500; i++) {
    await settle();
    await clock.advance(1);
  }
  controller.abort();
  const summary = await drive(clock, run);
  assert.ok(summary.aborted);
  assert.equal(summary.acked, summary.sent);
  assert.ok(summary.sent >= 49 && summary.sent <= 51, `${summary.sent} sent in 500 ms at 100/s`);
});

test('send failures are counted and reported, and the run goes on', async () => {
  const clock = new VirtualClock(T0);
  let n = 0;
  const flaky: Producer = {
    async send(topic, messages) {
      if (++n % 2 === 0) throw new Error('broker unavailable');
      return messages.map(() => ({ topic, partition: 0, offset: 0 }));
    },
    async flush() {},
    async close() {},
  };
  const errors: number[] = [];
  const summary = await drive(
    clock,
    runOpenLoop(generator(), flaky, { ratePerSec: 100, events: 100 }, clock, {
      onError: (_e, c) => errors.push(c),
    }),
  );
  assert.equal(summary.acked + summary.failed, 100);
  assert.ok(summary.failed > 0 && summary.acked > 0);
  assert.equal(
    errors.reduce((a, b) => a + b, 0),
    summary.failed,
  );
  assert.equal(summary.firstError, 'broker unavailable');
});
