/**
 * The Kafka test service: tests named `*.kafka.test.ts` get `RTAP_KAFKA_BROKERS`. Order of preference:
 * an address already in RTAP_KAFKA_BROKERS (a cluster someone runs), a container where a Docker engine
 * answers, else the native broker from src/stack (downloads the jars with Maven on the first run), started
 * once per test run in a private directory on free ports and stopped at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceHandle, TestService } from '../../scripts/test.js';
import { containerEngineAvailable, startContainerKafka } from '../../src/stack/container.js';
import { stackDown, stackUp } from '../../src/stack/index.js';
import { findFreeBasePort } from '../../src/stack/ports.js';

const log = (line: string) => process.stderr.write(`test services: ${line}\n`);

const service: TestService = {
  name: 'kafka',
  async start(): Promise<ServiceHandle> {
    const given = process.env.RTAP_KAFKA_BROKERS;
    if (given) {
      log(`kafka: using RTAP_KAFKA_BROKERS=${given}`);
      return { env: { RTAP_KAFKA_BROKERS: given, RTAP_KAFKA_RUNTIME: 'external' }, stop: async () => {} };
    }
    if (await containerEngineAvailable()) {
      log('kafka: a container engine answered: starting Kafka with testcontainers');
      const c = await startContainerKafka({ detach: false });
      return {
        env: { RTAP_KAFKA_BROKERS: c.brokers.join(','), RTAP_KAFKA_RUNTIME: 'container' },
        stop: () => c.stop(),
      };
    }
    const stackDir = mkdtempSync(join(tmpdir(), 'rtap-test-kafka-'));
    const port = await findFreeBasePort(1);
    log(`kafka: no container engine: starting the native broker on 127.0.0.1:${port} (${stackDir})`);
    try {
      const up = await stackUp({
        stackDir,
        port,
        runtime: 'native',
        heap: '512m',
        log,
        ownerPid: process.pid,
      });
      return {
        env: { RTAP_KAFKA_BROKERS: up.state.brokers.join(','), RTAP_KAFKA_RUNTIME: 'native' },
        stop: async () => {
          await stackDown({ stackDir, graceMs: 15_000 });
          rmSync(stackDir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      rmSync(stackDir, { recursive: true, force: true });
      throw err;
    }
  },
};

export default service;
