import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RtapError } from '../../../src/errors.js';
import { createInfluxSink } from '../../../src/sinks/influx/index.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../services/influx.js';
import { seededRun } from './seeded.js';

/**
 * A server that refuses every write (here VictoriaMetrics requiring credentials the sink does not have,
 * answering 401) is a configuration problem: retrying cannot help, so the sink fails at once, says why and
 * what to check, and counts what it could not write.
 */
let vm: VictoriaMetrics;
before(async () => {
  vm = await startVictoriaMetrics({ extraArgs: ['-httpAuth.username=rtap', '-httpAuth.password=secret'] });
});
after(async () => {
  await vm?.destroy();
});

describe('influx sink against a server that refuses writes', () => {
  it('fails fast with the status and a hint, counting every buffered point as failed', async () => {
    const logs: string[] = [];
    const sink = createInfluxSink({ url: vm.url, token: 'wrong', log: (m) => logs.push(m) });
    const run = seededRun(3, Date.now() - 3_600_000, 10);
    await sink.write(run.outputs);
    const points = run.finals.length + run.alerts.length;
    await assert.rejects(sink.flush(), (e: unknown) => {
      assert.ok(e instanceof RtapError);
      assert.match(
        e.message,
        new RegExp(`refused the write \\(HTTP 401.*\\); ${points} buffered points were not written`),
      );
      assert.match(e.hint ?? '', /--influx-token/);
      return true;
    });
    const s = sink.stats();
    assert.equal(s.failed, points);
    assert.equal(s.written, 0);
    assert.equal(s.retried, 0, 'a refusal is not retried');
    assert.equal(logs.length, 1);
    await assert.rejects(async () => sink.write(run.outputs), /refused the write/);
    await assert.rejects(sink.close(), /refused the write/);
  });
});
