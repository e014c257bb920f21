import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { RtapError } from '../errors.js';
import {
  layoutFor,
  log4jProperties,
  serverProperties,
  type BrokerProperties,
  type ClusterLayout,
  type NodeLayout,
} from './config.js';
import { ensureKafkaJars } from './fetch.js';
import { portFree } from './ports.js';
import { alive, isOurBroker, terminate } from './proc.js';
import { probeCluster } from './probe.js';
import { clearState, readState, writeState, type NodeState, type StackState } from './state.js';
import { requireJava } from './tools.js';

export interface NativeUpOptions {
  stackDir: string;
  nodes: number;
  /** Client port of node 1; node i listens on basePort+i-1, its controller on basePort+100+i-1. */
  basePort: number;
  version: string;
  /** JVM max heap per node, e.g. 512m: the machine is small and other things run. */
  heap: string;
  readyTimeoutMs: number;
  /** More broker settings (listeners for SASL/TLS, ...) and `kafka-storage format` arguments (--add-scram). */
  brokerProperties?: BrokerProperties;
  formatArgs?: string[];
  /** Stop the nodes when this process ends, however it ends (see StackState.ownerPid). */
  ownerPid?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

interface ClusterRecord {
  clusterId: string;
  nodes: number;
  basePort: number;
  version: string;
}

/** Kafka's Uuid text form: 16 random bytes, base64url without padding, never starting with '-'. */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function nodeDirs(stackDir: string) {
  return (nodeId: number) => ({
    dataDir: join(stackDir, `node-${nodeId}`, 'data'),
    logFile: join(stackDir, `node-${nodeId}`, 'kafka.log'),
  });
}

function configFileOf(stackDir: string, nodeId: number): string {
  return join(stackDir, `node-${nodeId}`, 'server.properties');
}

function javaArgs(libs: string, stackDir: string, heap: string, extra: string[]): string[] {
  return [
    `-Xmx${heap}`,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(stackDir, 'log4j.properties')}`,
    '-cp',
    join(libs, '*'),
    ...extra,
  ];
}

/** The lines of a broker log worth showing when it failed: errors first, else the tail. */
export function logExcerpt(logFile: string, lines = 6): string {
  if (!existsSync(logFile)) return '(no log written)';
  const all = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  const errors = all.filter((l) => /\b(ERROR|FATAL)\b|Exception/.test(l));
  return (errors.length ? errors : all)
    .slice(-lines)
    .map((l) => `    ${l.slice(0, 400)}`)
    .join('\n');
}

/** Formats the node's KRaft metadata directory unless it already holds this cluster's data. */
function formatStorage(
  libs: string,
  stackDir: string,
  node: NodeLayout,
  clusterId: string,
  heap: string,
  env: NodeJS.ProcessEnv,
  extraArgs: string[] = [],
): void {
  if (existsSync(join(node.dataDir, 'meta.properties'))) return;
  mkdirSync(node.dataDir, { recursive: true });
  const r = spawnSync(
    'java',
    javaArgs(libs, stackDir, heap, [
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      configFileOf(stackDir, node.nodeId),
      ...extraArgs,
    ]),
    {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  writeFileSync(node.logFile, `${r.stdout ?? ''}${r.stderr ?? ''}`, { flag: 'a' });
  if (r.status !== 0) {
    throw new RtapError(
      `formatting the KRaft storage of Kafka node ${node.nodeId} failed (see ${node.logFile}):\n${logExcerpt(node.logFile)}`,
    );
  }
}

/**
 * A detached shell that stops node `pid` (TERM, KILL after 15 s) once process `owner` is gone: a test
 * killed before its cleanup (a timeout, SIGKILL) would otherwise leave its private broker's JVM running.
 */
const WATCHDOG = `while kill -0 "$1" 2>/dev/null; do kill -0 "$2" 2>/dev/null || exit 0; sleep 1; done
kill -TERM "$2" 2>/dev/null; i=0
while kill -0 "$2" 2>/dev/null && [ "$i" -lt 15 ]; do sleep 1; i=$((i+1)); done
kill -KILL "$2" 2>/dev/null; exit 0`;

function watchOwner(owner: number, pid: number): void {
  spawn('sh', ['-c', WATCHDOG, 'rtap-broker-watchdog', String(owner), String(pid)], {
    detached: true,
    stdio: 'ignore',
  }).unref();
}

function spawnNode(
  libs: string,
  stackDir: string,
  node: NodeLayout,
  heap: string,
  env: NodeJS.ProcessEnv,
  ownerPid?: number,
): number {
  const out = openSync(node.logFile, 'a');
  try {
    // Detached in its own process group: it outlives `rtap stack up`, and Ctrl-C in the terminal does not reach it.
    const child = spawn(
      'java',
      javaArgs(libs, stackDir, heap, ['kafka.Kafka', configFileOf(stackDir, node.nodeId)]),
      {
        detached: true,
        stdio: ['ignore', out, out],
        env,
      },
    );
    child.unref();
    if (child.pid === undefined)
      throw new RtapError(`could not start java for Kafka node ${node.nodeId} (see ${node.logFile})`);
    if (ownerPid !== undefined) watchOwner(ownerPid, child.pid);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

function logSays(logFile: string, text: string, fromByte: number): boolean {
  if (!existsSync(logFile)) return false;
  return readFileSync(logFile).subarray(fromByte).includes(text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until every node logged its start and the cluster reports all brokers, failing early (with the
 * node's log) when a node exits, and with the log paths when `timeoutMs` passes: never an endless wait.
 */
async function waitReady(
  nodes: NodeState[],
  logOffsets: Map<number, number>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`);
  for (;;) {
    for (const n of nodes) {
      if (!alive(n.pid)) {
        throw new RtapError(
          `Kafka node ${n.nodeId} exited during start-up; its log (${n.logFile}) says:\n${logExcerpt(n.logFile)}`,
        );
      }
    }
    const started = nodes.every((n) =>
      logSays(n.logFile, 'Kafka Server started', logOffsets.get(n.nodeId) ?? 0),
    );
    if (started) {
      const seen = await probeCluster(brokers, 2000);
      if (seen !== null && seen >= nodes.length) return;
    }
    if (Date.now() > deadline) {
      throw new RtapError(
        `Kafka did not become ready within ${Math.round(timeoutMs / 1000)}s; node logs:\n${nodes.map((n) => `  ${n.logFile}\n${logExcerpt(n.logFile, 3)}`).join('\n')}`,
      );
    }
    await sleep(300);
  }
}

function fileSize(f: string): number {
  return existsSync(f) ? statSync(f).size : 0;
}

/** Starts (or re-starts) one node of a recorded stack: used by `up` and by failover tests. */
export async function startNode(
  state: StackState,
  nodeId: number,
  options: { heap?: string; readyTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<StackState> {
  const node = state.nodes?.find((n) => n.nodeId === nodeId);
  if (!node) throw new RtapError(`the stack in ${state.stackDir} has no node ${nodeId}`);
  if (isOurBroker(node.pid, node.configFile)) return state;
  const env = options.env ?? process.env;
  const libs = await ensureKafkaJars({ version: state.kafkaVersion, env });
  if (!(await portFree(node.port)))
    throw new RtapError(`port ${node.port} is already in use; Kafka node ${nodeId} cannot start`);
  const offset = fileSize(node.logFile);
  node.pid = spawnNode(libs, state.stackDir, { ...node }, options.heap ?? '512m', env, state.ownerPid);
  writeState(state);
  await waitReady([node], new Map([[nodeId, offset]]), options.readyTimeoutMs ?? 60_000);
  return state;
}

/** Stops one node (SIGTERM, then SIGKILL after `graceMs`), leaving its data for a restart. */
export async function stopNode(
  state: StackState,
  nodeId: number,
  graceMs = 20_000,
): Promise<'exited' | 'killed' | 'absent'> {
  const node = state.nodes?.find((n) => n.nodeId === nodeId);
  if (!node || !isOurBroker(node.pid, node.configFile)) return 'absent';
  return terminate(node.pid, graceMs);
}

export async function nativeUp(o: NativeUpOptions): Promise<StackState> {
  const env = o.env ?? process.env;
  const log = o.log ?? (() => {});
  requireJava(env);
  const layout: ClusterLayout = layoutFor(o.nodes, o.basePort, nodeDirs(o.stackDir));
  for (const n of layout.nodes) {
    for (const p of [n.port, n.controllerPort]) {
      if (!(await portFree(p))) {
        throw new RtapError(
          `port ${p} on 127.0.0.1 is already in use, so Kafka node ${n.nodeId} cannot listen on it`,
          undefined,
          'another Kafka may be running (rtap stack status), or pick other ports with --port',
        );
      }
    }
  }
  const libs = await ensureKafkaJars({ version: o.version, env, log });

  mkdirSync(o.stackDir, { recursive: true });
  // Keep the data of the previous run when the shape is the same (topics survive down/up); else start clean.
  const recordPath = join(o.stackDir, 'cluster.json');
  let record: ClusterRecord | null = existsSync(recordPath)
    ? (JSON.parse(readFileSync(recordPath, 'utf8')) as ClusterRecord)
    : null;
  if (!record || record.nodes !== o.nodes || record.basePort !== o.basePort || record.version !== o.version) {
    for (let i = 1; i <= 9; i++) rmSync(join(o.stackDir, `node-${i}`), { recursive: true, force: true });
    record = { clusterId: newClusterId(), nodes: o.nodes, basePort: o.basePort, version: o.version };
    writeFileSync(recordPath, JSON.stringify(record, null, 2) + '\n');
  }
  writeFileSync(join(o.stackDir, 'log4j.properties'), log4jProperties());
  for (const n of layout.nodes) {
    mkdirSync(join(o.stackDir, `node-${n.nodeId}`), { recursive: true });
    writeFileSync(configFileOf(o.stackDir, n.nodeId), serverProperties(layout, n, o.brokerProperties));
  }
  log(`rtap stack: formatting KRaft storage (cluster ${record.clusterId})`);
  for (const n of layout.nodes)
    formatStorage(libs, o.stackDir, n, record.clusterId, '256m', env, o.formatArgs);

  const offsets = new Map(layout.nodes.map((n) => [n.nodeId, fileSize(n.logFile)]));
  const nodes: NodeState[] = [];
  const state: StackState = {
    runtime: 'native',
    kafkaVersion: o.version,
    brokers: layout.nodes.map((n) => `127.0.0.1:${n.port}`),
    startedAt: new Date().toISOString(),
    stackDir: o.stackDir,
    clusterId: record.clusterId,
    nodes,
    ownerPid: o.ownerPid,
  };
  try {
    for (const n of layout.nodes) {
      const pid = spawnNode(libs, o.stackDir, n, o.heap, env, o.ownerPid);
      nodes.push({ ...n, pid, configFile: configFileOf(o.stackDir, n.nodeId) });
      // Recorded after every spawn, so `down` can clean up even if this process dies mid-start.
      writeState(state);
    }
    log(
      `rtap stack: started ${nodes.length} Kafka node(s) (pids ${nodes.map((n) => n.pid).join(', ')}), waiting until ready`,
    );
    await waitReady(nodes, offsets, o.readyTimeoutMs);
  } catch (err) {
    await Promise.all(
      nodes.map((n) => (isOurBroker(n.pid, n.configFile) ? terminate(n.pid, 5000) : undefined)),
    );
    clearState(o.stackDir);
    throw err;
  }
  return state;
}

export interface NodeStop {
  nodeId: number;
  pid: number;
  result: 'exited' | 'killed' | 'absent';
}

/** Stops every node at once: stopping them one by one would lose the controller quorum halfway and stall. */
export async function nativeDown(
  state: StackState,
  options: { graceMs?: number; purge?: boolean } = {},
): Promise<NodeStop[]> {
  const grace = options.graceMs ?? 20_000;
  const results = await Promise.all(
    (state.nodes ?? []).map(async (n) => ({
      nodeId: n.nodeId,
      pid: n.pid,
      result: isOurBroker(n.pid, n.configFile) ? await terminate(n.pid, grace) : ('absent' as const),
    })),
  );
  clearState(state.stackDir);
  if (options.purge) {
    for (const n of state.nodes ?? [])
      rmSync(join(state.stackDir, `node-${n.nodeId}`), { recursive: true, force: true });
    rmSync(join(state.stackDir, 'cluster.json'), { force: true });
  }
  return results;
}

export interface NodeStatus {
  nodeId: number;
  pid: number;
  broker: string;
  running: boolean;
  logFile: string;
}

export function nativeNodeStatus(state: StackState): NodeStatus[] {
  return (state.nodes ?? []).map((n) => ({
    nodeId: n.nodeId,
    pid: n.pid,
    broker: `127.0.0.1:${n.port}`,
    running: isOurBroker(n.pid, n.configFile),
    logFile: n.logFile,
  }));
}

export { readState };
