import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

describe('rtap run (not a terminal)', () => {
  it('--duration ends the run; status lines go to stderr with --json, the report to stdout', async () => {
    const r = await runCli(['run', '--duration', '7s', '--rate', '200/s', '--dashboard', 'off', '--json'], {
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      load: { produced: number; duration_ms: number };
      pipeline: { consumed: number };
    };
    assert.equal(report.load.duration_ms, 7000);
    // The open-loop schedule at 200/s for 7 s: 1400 events, all consumed.
    assert.ok(Math.abs(report.load.produced - 1400) <= 2, `produced ${report.load.produced}`);
    assert.equal(report.pipeline.consumed, report.load.produced);
    const status = r.stderr.split('\n').filter((l) => l.startsWith('[rtap run '));
    assert.ok(status.length >= 1, r.stderr);
    assert.match(status[0], /\bin \d[\d,.]*\/s\b.*\blag \d/);
  });

  it('a busy dashboard port fails before any load, saying what to do', async () => {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runCli(['run', '--duration', '5s', '--dashboard', String(port)]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`port ${port} is already in use \\(dashboard\\)`));
      assert.match(r.stderr, /--dashboard off/);
    } finally {
      server.close();
    }
  });
});
