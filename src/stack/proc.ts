import { existsSync, readFileSync } from 'node:fs';

/**
 * True when `pid` is alive and is the Kafka process started with `configFile`. The state file can outlive a
 * reboot, and pids get reused: we only ever signal a process whose command line proves it is ours.
 */
export function isOurBroker(pid: number, configFile: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!alive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  // Without /proc (macOS) the liveness check is all we have.
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    const args = readFileSync(cmdline, 'utf8').split('\0');
    return args.includes('kafka.Kafka') && args.includes(configFile);
  } catch {
    return false;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited child whose parent has not reaped it yet still answers signal 0: a zombie is not alive.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * SIGTERM (Kafka's controlled shutdown), then SIGKILL if it has not exited within `graceMs`.
 * Resolves with how it ended.
 */
export async function terminate(pid: number, graceMs: number): Promise<'exited' | 'killed' | 'absent'> {
  if (!alive(pid)) return 'absent';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'absent';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return 'exited';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return 'exited';
  }
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  return 'killed';
}
