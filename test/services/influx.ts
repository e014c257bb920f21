/**
 * The `influx` test service: a server that accepts the InfluxDB v2 write API. By default a private
 * VictoriaMetrics (Debian package, installed by scripts/install-victoria-metrics.sh when missing) on a free
 * 127.0.0.1 port with its own data directory; when RTAP_INFLUX_URL is already set (a reachable InfluxDB
 * 2.x, with RTAP_INFLUX_TOKEN/ORG/BUCKET), that server is used instead.
 *
 * Environment passed to the tests: RTAP_INFLUX_URL and RTAP_INFLUX_KIND (`victoria-metrics` | `influxdb`).
 * `startVictoriaMetrics` is also used directly by tests that stop, pause and restart the server (outages)
 * and by bench/influx-write.ts.
 *
 * VictoriaMetrics runs with InfluxDB's write semantics by default: a point written again with the same
 * series and timestamp is one point, not two (see DEDUP_ARGS). Without that flag it keeps every copy.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ServiceHandle, TestService } from '../../scripts/test.js';

const root = resolve(import.meta.dirname, '..', '..');

export interface VictoriaMetrics {
  url: string;
  port: number;
  dataDir: string;
  /** Starts the process (again, same port and data) and waits until it answers /health. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM, which makes it persist what it holds); SIGKILL after 15 s. */
  stop(): Promise<void>;
  /**
   * SIGSTOP: the process hangs but its socket stays open, so the kernel still accepts connections and
   * buffers requests that nobody answers (a hung server, unlike a stopped one, which refuses them).
   */
  pause(): void;
  /** SIGCONT after pause(): the server wakes up and handles everything that queued meanwhile. */
  resume(): void;
  /**
   * InfluxDB lines the server has parsed since it started (its own counter,
   * vm_protoparser_rows_read_total{type="influx"}): every copy of a re-sent line counts.
   */
  influxLinesReceived(): Promise<number>;
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>;
  running(): boolean;
}

function vmBinary(): string {
  const which = spawnSync('sh', ['-c', 'command -v victoria-metrics'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  const script = join(root, 'scripts', 'install-victoria-metrics.sh');
  console.error(
    'influx service: victoria-metrics not found, installing it with scripts/install-victoria-metrics.sh',
  );
  const r = spawnSync('sh', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/install-victoria-metrics.sh failed (exit ${r.status})`);
  return 'victoria-metrics';
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

async function waitHealthy(url: string, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null)
      throw new Error(`victoria-metrics exited with code ${proc.exitCode} while starting`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`victoria-metrics did not answer ${url}/health within ${timeoutMs / 1000}s`);
}

/**
 * InfluxDB overwrites a point written again with the same measurement, tag set and timestamp; plain
 * VictoriaMetrics stores every copy as another sample. `-dedup.minScrapeInterval` makes it keep one
 * sample per series per discrete interval of that length; at 1ms (its timestamp precision) only samples
 * with the same timestamp collapse, and distinct timestamps are never merged. It applies to what queries
 * and /api/v1/export return (and to background merges), so reads see what an InfluxDB user would.
 * (Unlike InfluxDB, VictoriaMetrics 1.79 does not promise that the last write wins when the values differ.)
 */
export const DEDUP_ARGS = ['-dedup.minScrapeInterval=1ms'];

export async function startVictoriaMetrics(
  opts: {
    port?: number;
    dataDir?: string;
    extraArgs?: string[];
    /** InfluxDB's overwrite semantics (DEDUP_ARGS); true by default. false keeps every sample written. */
    dedup?: boolean;
  } = {},
): Promise<VictoriaMetrics> {
  const bin = vmBinary();
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'rtap-vm-')));
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(join(dataDir, 'victoria-metrics.log'), { flags: 'a' });
  let proc: ChildProcess | null = null;

  const vm: VictoriaMetrics = {
    url,
    port,
    dataDir,
    running: () => proc !== null && proc.exitCode === null,
    async start() {
      if (vm.running()) return;
      proc = spawn(
        bin,
        [
          `-httpListenAddr=127.0.0.1:${port}`,
          `-storageDataPath=${join(dataDir, 'data')}`,
          // Keep every timestamp tests and benches write; the default (1 month) silently drops older points.
          '-retentionPeriod=100y',
          '-loggerLevel=WARN',
          ...(opts.dedup === false ? [] : DEDUP_ARGS),
          ...(opts.extraArgs ?? []),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      proc.stdout!.pipe(log, { end: false });
      proc.stderr!.pipe(log, { end: false });
      try {
        await waitHealthy(url, proc, 30_000);
      } catch (e) {
        proc.kill('SIGKILL');
        throw new Error(`${(e as Error).message} (log: ${join(dataDir, 'victoria-metrics.log')})`);
      }
    },
    pause() {
      if (!vm.running()) throw new Error('victoria-metrics: pause() while not running');
      proc!.kill('SIGSTOP');
    },
    resume() {
      if (vm.running()) proc!.kill('SIGCONT');
    },
    async influxLinesReceived() {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = /^vm_protoparser_rows_read_total\{type="influx"\} (\d+)$/m.exec(text);
      if (!m)
        throw new Error(
          `victoria-metrics ${url}/metrics has no vm_protoparser_rows_read_total{type="influx"}`,
        );
      return Number(m[1]);
    },
    async stop() {
      const p = proc;
      if (!p || p.exitCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      // A paused process would not act on SIGTERM until continued.
      p.kill('SIGCONT');
      p.kill('SIGTERM');
      const killer = setTimeout(() => p.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      proc = null;
    },
    async destroy() {
      await vm.stop();
      log.end();
      if (!opts.dataDir && existsSync(dataDir)) await rm(dataDir, { recursive: true, force: true });
    },
  };
  await vm.start();
  return vm;
}

const service: TestService = {
  name: 'influx',
  async start(): Promise<ServiceHandle> {
    if (process.env.RTAP_INFLUX_URL) {
      return { env: { RTAP_INFLUX_KIND: process.env.RTAP_INFLUX_KIND ?? 'influxdb' }, stop: async () => {} };
    }
    const vm = await startVictoriaMetrics();
    return {
      env: { RTAP_INFLUX_URL: vm.url, RTAP_INFLUX_KIND: 'victoria-metrics' },
      stop: () => vm.destroy(),
    };
  },
};
export default service;
