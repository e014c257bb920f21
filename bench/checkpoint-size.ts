/**
 * Checkpoint cost under load (issue 22, item 4): `rtap simulate` into a real broker at each --rates rate
 * while `rtap process --checkpoint-interval 1s` (everything on, sink topics, exactly-once) consumes it; then
 * the processor is stopped and started again to time the restore of its last checkpoint. Prints per rate:
 * checkpoint size (bytes written per checkpoint: manifest + changed chunks), chunks written of the state's,
 * snapshot and encode time, the commit interval achieved (mean, p95, max) and the restore time.
 *
 *   npm run build && node --import tsx bench/checkpoint-size.ts [--rates 200,10000] [--duration 30s]
 *     [--store dir|kafka] [--brokers host:port] [--cpu-prof DIR] [--keep]
 *
 * Only checkpoints from --warmup (default 5 s) after the load started until it ended are counted.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckpointRecord } from '../src/checkpoint/coordinator.js';
import { benchBroker } from './kafka-broker.js';

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '200,10000' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    store: { type: 'string', default: 'dir' },
    brokers: { type: 'string' },
    // A CPU profile of each `rtap process` thread into this directory (node --cpu-prof).
    'cpu-prof': { type: 'string' },
    // Keep the checkpoint directories (to look at what the chunks hold).
    keep: { type: 'boolean', default: false },
  },
});
const root = join(import.meta.dirname, '..');
const rtap = join(root, 'bin', 'rtap');
const DURATION = Number(values.duration);
const WARMUP = Number(values.warmup) * 1000;
const dir = mkdtempSync(join(tmpdir(), 'rtap-ckpt-bench-'));

function run(args: string[], opts: { wait?: boolean } = {}) {
  const prof =
    values['cpu-prof'] && args[0] === 'process' ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  const child = spawn(process.execPath, [...prof, rtap, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code, sig) => r(code ?? (sig ? 128 : 1))));
  if (opts.wait)
    void exited.then((c) => {
      if (c !== 0) process.stderr.write(`rtap ${args[0]} exited ${c}:\n${err}\n`);
    });
  return { child, exited, out: () => out, err: () => err };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const mb = (x: number) => (x / 1e6).toFixed(2);

const broker = await benchBroker(values.brokers);
const brokers = broker.brokers.join(',');
try {
  console.log(
    `broker: ${broker.where}; store ${values.store}; checkpoint interval 1 s; ${DURATION} s of load per rate`,
  );
  for (const rate of values.rates.split(',').map(Number)) {
    const group = `ckbench-${rate}-${Date.now()}`;
    const topicsArgs = ['--brokers', brokers];
    // Fresh input topics per rate: the processor reads from the beginning.
    await run(['provision', ...topicsArgs, '--delete'], { wait: true }).exited;
    await run(['provision', ...topicsArgs], { wait: true }).exited;
    const args = [
      'process',
      ...topicsArgs,
      '--group',
      group,
      '--sink',
      'topics',
      '--checkpoint-interval',
      '1s',
      '--checkpoint-store',
      values.store!,
      '--checkpoint-dir',
      join(dir, group),
      '--json',
    ];
    const proc = run(args);
    await new Promise((r) => setTimeout(r, 3000));
    const simStart = Date.now();
    const sim = run(
      ['simulate', ...topicsArgs, '--rate', `${rate}/s`, '--duration', `${DURATION}s`, '--seed', '7'],
      { wait: true },
    );
    await sim.exited;
    const simEnd = Date.now();
    // Let it catch up to the end of the load, then stop it cleanly (a last checkpoint).
    await new Promise((r) => setTimeout(r, 5000));
    proc.child.kill('SIGTERM');
    await proc.exited;
    const summary = JSON.parse(proc.out().trim().split('\n').pop()!) as {
      consumed: number;
      checkpoint_log?: CheckpointRecord[];
    };
    // Steady state: from WARMUP after the load started until it ended (the simulator's start-up, the
    // processor's first fetches and the idle catch-up after the load are not on the interval; nor is the
    // checkpoint of the stop). Counting from the first checkpoint instead skipped most of a slow rate's.
    const log = summary.checkpoint_log ?? [];
    const steady = log.filter((c) => c.at >= simStart + WARMUP && c.at <= simEnd);
    const gaps = steady.slice(1).map((c, i) => c.at - steady[i].at);
    // Restore: a new incarnation of the same group reads the last checkpoint.
    const again = run(args);
    const restoreMs = await new Promise<number>((resolve) => {
      const timer = setInterval(() => {
        const m = /recovered checkpoint \d+ of group '[^']+' in (\d+) ms/.exec(again.err());
        if (m || again.child.exitCode !== null) {
          clearInterval(timer);
          resolve(m ? Number(m[1]) : NaN);
        }
      }, 50);
    });
    again.child.kill('SIGTERM');
    await again.exited;
    const full = steady.filter((c) => c.full);
    const inc = steady.filter((c) => !c.full);
    console.log(
      `\n${rate.toLocaleString('en-US')} events/s: ${summary.consumed.toLocaleString('en-US')} consumed, ${steady.length} checkpoints in the ${f0((simEnd - simStart - WARMUP) / 1000)} s of load after warm-up (${log.length} in all)`,
    );
    console.log(
      `  commit interval   mean ${f0(mean(gaps))} ms, p95 ${f0(pct(gaps, 95))} ms, max ${f0(Math.max(...gaps))} ms`,
    );
    console.log(
      `  written           incremental: mean ${mb(mean(inc.map((c) => c.bytes)))} MB, max ${mb(Math.max(0, ...inc.map((c) => c.bytes)))} MB (${f0(mean(inc.map((c) => c.written)))} of ${f0(mean(inc.map((c) => c.chunks)))} chunks); full: mean ${mb(mean(full.map((c) => c.bytes)))} MB (${full.length})`,
    );
    console.log(
      `  snapshot / encode mean ${f0(mean(steady.map((c) => c.snapshotMs)))} / ${f0(mean(steady.map((c) => c.encodeMs)))} ms, p95 ${f0(
        pct(
          steady.map((c) => c.snapshotMs),
          95,
        ),
      )} / ${f0(
        pct(
          steady.map((c) => c.encodeMs),
          95,
        ),
      )} ms; whole checkpoint (to commit) mean ${f0(mean(steady.map((c) => c.ms)))} ms, p95 ${f0(
        pct(
          steady.map((c) => c.ms),
          95,
        ),
      )} ms`,
    );
    const meanOf = (k: 'preparedMs' | 'writtenMs' | 'transactionMs' | 'outputs') =>
      f0(mean(steady.map((c) => c[k])));
    console.log(
      `  before it         due to snapshot mean ${meanOf('preparedMs')} ms (or from the previous commit: batches in flight, the task threads' encoding)`,
    );
    console.log(
      `  of which          state durable after ${meanOf('writtenMs')} ms, transaction ${meanOf('transactionMs')} ms (${meanOf('outputs')} output records), means`,
    );
    // The p95 is the longest gaps: what the checkpoint that ended the longest one spent its time on.
    const worst = gaps.length ? steady[1 + gaps.indexOf(Math.max(...gaps))] : null;
    if (worst)
      console.log(
        `  longest interval  ${f0(Math.max(...gaps))} ms, ended by checkpoint ${worst.seq}: due to snapshot ${f0(worst.preparedMs)} ms, snapshot ${f0(worst.snapshotMs)}, encode ${f0(worst.encodeMs)}, durable after ${f0(worst.writtenMs)}, transaction ${f0(worst.transactionMs)} ms, ${mb(worst.bytes)} MB${worst.full ? ' (full)' : ''}`,
      );
    console.log(`  restore of the last checkpoint: ${f0(restoreMs)} ms`);
  }
} finally {
  await broker.stop();
  if (values.keep) console.log(`checkpoints kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
