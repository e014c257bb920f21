import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const cli = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'src', 'cli.ts');

/** node arguments that run the CLI from source (through tsx) with `args`. */
function nodeArgs(args: string[]): string[] {
  return [
    '--import',
    'tsx',
    '-e',
    `const { main } = await import(${JSON.stringify(cli)}); await main(['node', 'rtap', ...process.argv.slice(1)]);`,
    '--',
    ...args,
  ];
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (from source, through tsx) as a child process, as a user would. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs(args), {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rtap ${args.join(' ')} timed out\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** A long-running CLI child (a server, a processor), with what it printed so far. */
export interface CliChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts the real CLI (from source, through tsx) in the background; the caller stops it. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliChild {
  const child = spawn(process.execPath, nodeArgs(args), {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  running.add(child);
  void exited.then(() => running.delete(child));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Children still running when a test file's tests are over (a test that failed before stopping them):
 * killed, or their pipes would keep the file's process, and with it the whole test run, alive.
 */
const running = new Set<ChildProcess>();
after(() => {
  for (const c of running) c.kill('SIGKILL');
});
