import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RtapError } from '../errors.js';
import type { StackState } from './state.js';
import { loadKafkaContainer, loadTestcontainers } from './testcontainers.js';

/**
 * The container runtime: used only where a Docker-compatible engine answers. testcontainers' KafkaContainer
 * targets Confluent's images (its KRaft support checks Confluent version numbers), so the image is
 * cp-kafka 7.9, which ships Apache Kafka 3.9 like the native runtime.
 */
export const CONTAINER_IMAGE = 'confluentinc/cp-kafka:7.9.0';

/** Cheap signs of an engine, checked before loading testcontainers (slow to import, noisy when none). */
function engineHints(env: NodeJS.ProcessEnv): boolean {
  if (env.DOCKER_HOST || env.TESTCONTAINERS_HOST_OVERRIDE) return true;
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.testcontainers.properties'),
  ];
  if (env.XDG_RUNTIME_DIR)
    sockets.push(
      join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'),
      join(env.XDG_RUNTIME_DIR, 'docker.sock'),
    );
  return sockets.some((s) => existsSync(s));
}

/** True when a container engine answers within `timeoutMs`. */
export async function containerEngineAvailable(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 5000,
): Promise<boolean> {
  if (!engineHints(env)) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const probe = getContainerRuntimeClient().then(
      () => true,
      () => false,
    );
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export interface StartedContainerKafka {
  brokers: string[];
  id: string;
  stop(): Promise<void>;
}

/**
 * One KRaft broker in a container. `detach` keeps it running after this process exits (for `rtap stack up`):
 * testcontainers' reaper would otherwise remove it when the process that started it ends.
 */
export async function startContainerKafka(options: { detach: boolean }): Promise<StartedContainerKafka> {
  if (options.detach) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const { KafkaContainer } = await loadKafkaContainer();
  const started = await new KafkaContainer(CONTAINER_IMAGE).withKraft().start();
  return {
    brokers: [`${started.getHost()}:${started.getMappedPort(9093)}`],
    id: started.getId(),
    stop: async () => {
      await started.stop();
    },
  };
}

export async function stopContainerById(state: StackState): Promise<void> {
  if (!state.container) return;
  const { getContainerRuntimeClient } = await loadTestcontainers();
  try {
    const client = await getContainerRuntimeClient();
    const c = client.container.getById(state.container.id);
    await client.container.stop(c, { timeout: 20 });
    await client.container.remove(c, { removeVolumes: true });
  } catch (err) {
    throw new RtapError(
      `could not stop container ${state.container.id.slice(0, 12)}: ${(err as Error).message}`,
    );
  }
}

export async function containerRunning(state: StackState): Promise<boolean> {
  if (!state.container) return false;
  try {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    const client = await getContainerRuntimeClient();
    const info = await client.container.inspect(client.container.getById(state.container.id));
    return info.State.Running;
  } catch {
    return false;
  }
}
