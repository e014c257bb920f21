import { RtapError } from '../errors.js';

/**
 * testcontainers and @testcontainers/kafka are optional peer dependencies: `npm ci` does not install them
 * (nor their native install scripts, ssh2 and cpu-features) for the many users without a container
 * engine. Only the container runtime loads them; these are the parts of their API it uses.
 */
export interface ContainerRef {
  readonly id: string;
}

export interface ContainerRuntimeClient {
  container: {
    getById(id: string): ContainerRef;
    stop(c: ContainerRef, options: { timeout: number }): Promise<void>;
    remove(c: ContainerRef, options: { removeVolumes: boolean }): Promise<void>;
    inspect(c: ContainerRef): Promise<{ State: { Running: boolean } }>;
  };
}

export interface StartedKafkaContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  getId(): string;
  stop(): Promise<unknown>;
}

interface TestcontainersModule {
  getContainerRuntimeClient(): Promise<ContainerRuntimeClient>;
}

interface KafkaModule {
  KafkaContainer: new (image: string) => { withKraft(): { start(): Promise<StartedKafkaContainer> } };
}

export const OPTIONAL_PACKAGES = ['testcontainers', '@testcontainers/kafka'] as const;

export const INSTALL_HINT = `the container runtime needs the optional packages ${OPTIONAL_PACKAGES.join(' and ')}, which npm ci does not install: npm install --no-save ${OPTIONAL_PACKAGES.map((p) => `${p}@^11`).join(' ')} (or use --runtime native)`;

/** Whether an import failed because the package is not installed (rather than failing inside it). */
function notInstalled(err: unknown, name: string): boolean {
  const e = err as NodeJS.ErrnoException;
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(name)
  );
}

async function load<T>(name: string): Promise<T> {
  // A specifier in a variable: TypeScript must not need the package's types to compile rtap.
  const specifier: string = name;
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if (notInstalled(err, name)) throw new RtapError(`${name} is not installed`, undefined, INSTALL_HINT);
    throw err;
  }
}

export const loadTestcontainers = () => load<TestcontainersModule>('testcontainers');
export const loadKafkaContainer = () => load<KafkaModule>('@testcontainers/kafka');
