import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

describe('rtap alerts (not a terminal)', () => {
  it('without --brokers simulates in-process and prints matching alerts as JSON lines, stopping at --max', async () => {
    const r = await runCli(
      ['alerts', '--rate', '300/s', '--duration', '60s', '--max', '3', '--severity', 'critical,info'],
      { timeoutMs: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3, r.stdout);
    for (const l of lines) {
      const a = JSON.parse(l) as Record<string, unknown>;
      assert.equal(typeof a.pattern, 'string');
      assert.ok(SEVERITIES.has(a.severity as string) && a.severity !== 'warning', l);
      assert.equal(typeof a.detected_at, 'number');
    }
    assert.match(r.stderr, /no --brokers, so simulating and processing/);
  });

  it('rejects topic-only flags without --brokers, and --tail with --from-beginning, as usage errors', async () => {
    const a = await runCli(['alerts', '--tail', '5']);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /--tail reads the alerts topic of a Kafka cluster: give --brokers/);
    const b = await runCli(['alerts', '--brokers', '127.0.0.1:9', '--tail', '5', '--from-beginning']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /--from-beginning and --tail cannot be combined/);
    const c = await runCli(['alerts', '--severity', 'urgent']);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /--severity: unknown severity 'urgent'/);
  });
});
