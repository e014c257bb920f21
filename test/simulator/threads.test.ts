import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  createGenerator,
  createSchedule,
  recordingLine,
  type SimulatorConfig,
} from '../../src/simulator/index.js';
import { LineMerger, runThreads } from '../../src/simulator/threads.js';
import { faultyConfig } from './faulty-config.js';

const config = faultyConfig;
const N = 3001;

/** The reference: one generator on the calling thread, its records' recording lines in schedule order. */
function referenceLines(c: SimulatorConfig): string[] {
  const g = createGenerator(c);
  const s = createSchedule({ ratePerSec: 500, events: N });
  const out: string[] = [];
  for (let off = s.next(); off !== null; off = s.next()) {
    const t = c.startTime + off;
    out.push(recordingLine(g.next(t), t));
  }
  return out;
}

const sha = (lines: string[]) => createHash('sha256').update(lines.join('\n')).digest('hex');

test('generator threads give the recording of one generator, line for line, for 1, 2 and 3 threads', async () => {
  for (const profile of ['website', 'eventflow'] as const) {
    const c = { ...config, profile };
    const expected = referenceLines(c);
    for (const threads of [1, 2, 3]) {
      const got: string[] = [];
      const s = await runThreads(
        {
          threads,
          config: c,
          pacing: { ratePerSec: 500, events: N },
          transport: null,
          clientId: 'test',
          lines: 'recording',
        },
        { onLine: (l) => got.push(l) },
      );
      assert.equal(got.length, N, `${profile} threads ${threads}`);
      assert.equal(sha(got), sha(expected), `${profile} threads ${threads}`);
      assert.equal(s.scheduled, N);
      assert.equal(
        Object.values(s.byTopic).reduce((a, b) => a + b, 0),
        N,
      );
    }
  }
});

test('more threads than shards is refused, naming --threads and --shards', async () => {
  await assert.rejects(
    runThreads({
      threads: 4,
      config: { ...config, shards: 3 },
      pacing: { ratePerSec: 500, events: 10 },
      transport: null,
      clientId: 'test',
    }),
    /--threads 4: expected 1 to 3 .*--shards/,
  );
});

test('the merger hands lines out in schedule order and skips the positions of a finished thread', () => {
  // 3 shards on 2 threads: shards 0 and 2 on thread 0, shard 1 on thread 1.
  const out: string[] = [];
  const m = new LineMerger(2, 3, () => {});
  m.push(1, ['i1', 'i4']);
  m.drain((l) => out.push(l));
  assert.equal(out.length, 0, 'index 0 belongs to thread 0, which has sent nothing yet');
  m.push(0, ['i0', 'i2', 'i3']);
  m.drain((l) => out.push(l));
  assert.deepEqual(out, ['i0', 'i1', 'i2', 'i3', 'i4']);
  m.end(1);
  m.push(0, ['i5', 'i6']);
  m.end(0);
  m.drain((l) => out.push(l));
  assert.deepEqual(out, ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6']);
});
