/**
 * The test command (`npm test`): runs every test/**\/*.test.ts file with node's built-in runner in one
 * invocation, so CI reads one summary. Test files named `*.<service>.test.ts` need a real service
 * (kafka, influx, browser...); the runner starts each needed service once per run from
 * test/services/<service>.ts, passes its address to the tests through the environment, and stops it at
 * the end.
 *
 *   npm test                     every test, starting the services they need
 *   npm test -- --unit           only tests that need no service (what CI also runs under Node 24)
 *   npm test -- test/engine      only files under a path (or matching a substring)
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ServiceHandle {
  env: Record<string, string>;
  stop(): Promise<void>;
}
export interface TestService {
  /** Matches files named `*.<name>.test.ts`. */
  name: string;
  start(): Promise<ServiceHandle>;
}

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const concurrency = Number(process.env.RTAP_TEST_CONCURRENCY ?? Math.max(2, availableParallelism() - 1));
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error(
    `RTAP_TEST_CONCURRENCY must be a whole number ≥ 1, got ${process.env.RTAP_TEST_CONCURRENCY}`,
  );
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) out.push(p);
  }
  return out.sort();
}

function serviceOf(file: string): string | null {
  const m = /\.([a-z0-9-]+)\.test\.tsx?$/.exec(file);
  return m ? m[1] : null;
}

let files = walk(join(root, 'test'));
if (filters.length)
  files = files.filter((f) => filters.some((flt) => relative(root, f).includes(flt.replace(/^\.\//, ''))));
if (unitOnly) files = files.filter((f) => serviceOf(f) === null);
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const needed = [...new Set(files.map(serviceOf).filter((s): s is string => s !== null))];
const handles: { name: string; handle: ServiceHandle }[] = [];
const env: Record<string, string> = { ...(process.env as Record<string, string>) };

async function stopAll() {
  for (const { name, handle } of handles.reverse()) {
    try {
      await handle.stop();
    } catch (err) {
      console.error(`test services: stopping ${name} failed: ${(err as Error).message}`);
    }
  }
  handles.length = 0;
}

// Ctrl-C, and SIGTERM from `timeout` or a cancelled CI job: pass it to the test run, then stop the
// services (a broker left behind keeps running as a detached JVM) before leaving.
let testRun: ReturnType<typeof spawn> | null = null;
for (const [signal, exitCode] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.on(signal, () => {
    testRun?.kill(signal);
    void stopAll().then(() => process.exit(exitCode));
  });
}

let code = 1;
try {
  for (const name of needed) {
    const modPath = join(root, 'test', 'services', `${name}.ts`);
    if (!existsSync(modPath)) throw new Error(`tests named *.${name}.test.ts need test/services/${name}.ts`);
    const service = (await import(pathToFileURL(modPath).href)).default as TestService;
    const t0 = Date.now();
    console.error(`test services: starting ${name}...`);
    const handle = await service.start();
    handles.push({ name, handle });
    Object.assign(env, handle.env);
    console.error(
      `test services: ${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s ${JSON.stringify(handle.env)}`,
    );
  }
  code = await new Promise<number>((resolveCode) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        // Node's default is one file at a time on a 2-core machine (cores - 1); the slow files mostly wait on
        // brokers and servers, so two at a time halves the wall time (RTAP_TEST_CONCURRENCY overrides).
        `--test-concurrency=${concurrency}`,
        '--test-reporter=spec',
        ...files.map((f) => relative(root, f)),
      ],
      { cwd: root, env, stdio: 'inherit' },
    );
    testRun = child;
    child.on('exit', (c, signal) => resolveCode(c ?? (signal ? 1 : 0)));
  });
} catch (err) {
  console.error(`test services: ${(err as Error).message}`);
  code = 1;
} finally {
  await stopAll();
}
process.exit(code);
