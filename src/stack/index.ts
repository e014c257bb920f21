/**
 * A real local Kafka for rtap: `stackUp` / `stackDown` / `stackStatus`. The native runtime (default where no
 * container engine answers) runs the Apache Kafka broker jars from Maven Central as detached JVMs; the
 * container runtime uses testcontainers where a Docker engine is reachable. Either way the result is
 * recorded in `<stackDir>/state.json` so another process can see and stop it.
 */
import { RtapError } from '../errors.js';
import {
  containerEngineAvailable,
  containerRunning,
  startContainerKafka,
  stopContainerById,
  CONTAINER_IMAGE,
} from './container.js';
import { loadKafkaContainer, loadTestcontainers } from './testcontainers.js';
import {
  nativeDown,
  nativeNodeStatus,
  nativeUp,
  type NativeUpOptions,
  type NodeStatus,
  type NodeStop,
} from './native.js';
import { portOpen } from './ports.js';
import { defaultStackDir, KAFKA_VERSION } from './paths.js';
import { clearState, readState, writeState, type StackState } from './state.js';

export type RuntimeChoice = 'auto' | 'native' | 'container';

export interface StackUpOptions {
  nodes?: number;
  /** Client port of the first node (default 9092). */
  port?: number;
  runtime?: RuntimeChoice;
  stackDir?: string;
  version?: string;
  heap?: string;
  readyTimeoutMs?: number;
  /** native runtime: more broker settings and storage-format arguments (SASL/TLS listeners, SCRAM users). */
  brokerProperties?: NativeUpOptions['brokerProperties'];
  formatArgs?: string[];
  /** native runtime: stop the nodes when this process ends, however it ends (tests' private brokers). */
  ownerPid?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface StackUpResult {
  state: StackState;
  /** A stack was already running: nothing was started. */
  alreadyRunning: boolean;
  /** Why this runtime was chosen, for the user. */
  runtimeReason: string;
}

async function isRunning(state: StackState): Promise<boolean> {
  if (state.runtime === 'container') return containerRunning(state);
  return nativeNodeStatus(state).some((n) => n.running);
}

export async function stackUp(options: StackUpOptions = {}): Promise<StackUpResult> {
  const env = options.env ?? process.env;
  const stackDir = options.stackDir ?? defaultStackDir(env);
  const nodes = options.nodes ?? 1;
  const existing = readState(stackDir);
  if (existing && (await isRunning(existing))) {
    const existingNodes = existing.nodes?.length ?? 1;
    if (existingNodes !== nodes) {
      throw new RtapError(
        `a ${existingNodes}-node stack is already running (${existing.brokers.join(',')}); run \`rtap stack down\` first to start ${nodes} node(s)`,
      );
    }
    return { state: existing, alreadyRunning: true, runtimeReason: 'already running' };
  }
  const runtime = options.runtime ?? 'auto';
  let useContainer = false;
  let reason = 'native runtime requested';
  if (runtime === 'container') {
    // Optional packages (not installed by npm ci): a missing one is said as such, not as a missing engine.
    await loadTestcontainers();
    await loadKafkaContainer();
    if (!(await containerEngineAvailable(env)))
      throw new RtapError(
        '--runtime container: no container engine (Docker/Podman) answers on this machine',
        undefined,
        'use --runtime native (needs java; mvn for the first download)',
      );
    useContainer = true;
    reason = 'container runtime requested';
  } else if (runtime === 'auto') {
    // A multi-node cluster is only offered natively: the container runtime starts one broker.
    useContainer = nodes === 1 && (await containerEngineAvailable(env));
    reason = useContainer
      ? 'a container engine answered'
      : nodes > 1
        ? `native: ${nodes} nodes`
        : 'native: no container engine answered';
  }
  if (useContainer) {
    if (nodes !== 1)
      throw new RtapError(
        'the container runtime starts a single broker; use --runtime native for --nodes > 1',
      );
    const c = await startContainerKafka({ detach: true });
    const state: StackState = {
      runtime: 'container',
      kafkaVersion: CONTAINER_IMAGE,
      brokers: c.brokers,
      startedAt: new Date().toISOString(),
      stackDir,
      container: { id: c.id, image: CONTAINER_IMAGE },
    };
    writeState(state);
    return { state, alreadyRunning: false, runtimeReason: reason };
  }
  const state = await nativeUp({
    stackDir,
    nodes,
    basePort: options.port ?? 9092,
    version: options.version ?? KAFKA_VERSION,
    heap: options.heap ?? '512m',
    readyTimeoutMs: options.readyTimeoutMs ?? (nodes > 1 ? 120_000 : 60_000),
    ownerPid: options.ownerPid,
    brokerProperties: options.brokerProperties,
    formatArgs: options.formatArgs,
    env,
    log: options.log,
  });
  return { state, alreadyRunning: false, runtimeReason: reason };
}

export interface StackDownResult {
  state: StackState | null;
  nodes: NodeStop[];
}

export async function stackDown(
  options: { stackDir?: string; graceMs?: number; purge?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<StackDownResult> {
  const stackDir = options.stackDir ?? defaultStackDir(options.env ?? process.env);
  const state = readState(stackDir);
  if (!state) return { state: null, nodes: [] };
  if (state.runtime === 'container') {
    await stopContainerById(state);
    clearState(stackDir);
    return { state, nodes: [] };
  }
  return { state, nodes: await nativeDown(state, { graceMs: options.graceMs, purge: options.purge }) };
}

export interface StackStatus {
  running: boolean;
  state: StackState | null;
  nodes: (NodeStatus & { accepting: boolean })[];
}

export async function stackStatus(
  options: { stackDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<StackStatus> {
  const stackDir = options.stackDir ?? defaultStackDir(options.env ?? process.env);
  const state = readState(stackDir);
  if (!state) return { running: false, state: null, nodes: [] };
  if (state.runtime === 'container') {
    const running = await containerRunning(state);
    return { running, state, nodes: [] };
  }
  const nodes = await Promise.all(
    nativeNodeStatus(state).map(async (n) => ({
      ...n,
      accepting: n.running && (await portOpen(Number(n.broker.split(':')[1]))),
    })),
  );
  return { running: nodes.some((n) => n.running), state, nodes };
}

export { defaultStackDir, KAFKA_VERSION } from './paths.js';
export { startNode, stopNode } from './native.js';
export type { StackState } from './state.js';
