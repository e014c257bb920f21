import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface NodeState {
  nodeId: number;
  port: number;
  controllerPort: number;
  pid: number;
  dataDir: string;
  logFile: string;
  configFile: string;
}

/** What `rtap stack up` started, recorded so `status` and `down` work from another process. */
export interface StackState {
  runtime: 'native' | 'container';
  kafkaVersion: string;
  brokers: string[];
  startedAt: string;
  stackDir: string;
  /** native runtime */
  clusterId?: string;
  nodes?: NodeState[];
  /** native runtime: the nodes stop when this process ends (a test's private broker), even if it is killed. */
  ownerPid?: number;
  /** container runtime */
  container?: { id: string; image: string };
}

export function stateFile(stackDir: string): string {
  return join(stackDir, 'state.json');
}

export function readState(stackDir: string): StackState | null {
  const f = stateFile(stackDir);
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as StackState;
  } catch {
    return null;
  }
}

/** Written through a temporary file and a rename, so a reader never sees half a file. */
export function writeState(state: StackState): void {
  const f = stateFile(state.stackDir);
  mkdirSync(dirname(f), { recursive: true });
  writeFileSync(`${f}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${f}.tmp`, f);
}

export function clearState(stackDir: string): void {
  rmSync(stateFile(stackDir), { force: true });
}
