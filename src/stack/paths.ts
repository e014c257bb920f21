import { homedir } from 'node:os';
import { join } from 'node:path';

/** Kafka 3.9.x: the last line with ZooKeeper-free KRaft that kafkajs 2.2 speaks to without surprises. */
export const KAFKA_VERSION = '3.9.1';
/** Logging backend the broker needs at run time (kafka_2.13 only depends on the slf4j API). */
export const SLF4J_VERSION = '1.7.36';

/** Where downloaded jars live: `$RTAP_CACHE_DIR`, else `$XDG_CACHE_HOME/rtap`, else `~/.cache/rtap`. Never the repo. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RTAP_CACHE_DIR) return env.RTAP_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'rtap');
  return join(homedir(), '.cache', 'rtap');
}

export function kafkaHome(version: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), `kafka-${version}`);
}

/**
 * Where a running stack keeps its data dirs, logs and state file: `$RTAP_STACK_DIR`, else `<cache>/stack`.
 * Tests pass their own directory so they never touch a stack a person started.
 */
export function defaultStackDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RTAP_STACK_DIR ?? join(cacheDir(env), 'stack');
}
