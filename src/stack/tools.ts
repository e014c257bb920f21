import { spawnSync } from 'node:child_process';
import { RtapError } from '../errors.js';

export interface ToolCheck {
  ok: boolean;
  /** First line of the version output, for status and error messages. */
  version?: string;
}

const ESC = String.fromCharCode(27);
/** Maven colours its banner even in batch mode on some terminals. */
function stripAnsi(s: string): string {
  return s
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, '')))
    .join('');
}

/** Runs `<cmd> <versionArg>`; a missing binary gives ok=false instead of throwing. */
export function checkTool(cmd: string, versionArg: string, env: NodeJS.ProcessEnv = process.env): ToolCheck {
  const r = spawnSync(cmd, [versionArg], { env, encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return { ok: false };
  // java -version prints to stderr, mvn -v to stdout.
  const text = stripAnsi(`${r.stdout ?? ''}${r.stderr ?? ''}`);
  return {
    ok: true,
    version: text
      .split('\n')
      .find((l) => l.trim())
      ?.trim(),
  };
}

/** Java 17+ major version from `java -version` output (`openjdk version "17.0.15"`, `"1.8.0_392"`). */
export function javaMajor(versionLine: string | undefined): number | null {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionLine ?? '');
  if (!m) return null;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

export function requireJava(env: NodeJS.ProcessEnv = process.env): string {
  const j = checkTool('java', '-version', env);
  if (!j.ok) {
    throw new RtapError(
      'java was not found on PATH: the native Kafka broker needs a Java 17+ runtime',
      undefined,
      'install one (Debian/Ubuntu: apt-get install openjdk-17-jre-headless), or point --brokers at an existing cluster',
    );
  }
  const major = javaMajor(j.version);
  if (major !== null && major < 11) {
    throw new RtapError(`java ${major} found (${j.version}); Kafka ${'3.9'} needs Java 11+, 17 recommended`);
  }
  return j.version ?? 'java';
}

export function requireMaven(env: NodeJS.ProcessEnv = process.env): string {
  const m = checkTool('mvn', '-v', env);
  if (!m.ok) {
    throw new RtapError(
      'mvn was not found on PATH: the first `rtap stack up` downloads the Kafka broker jars from Maven Central with Maven',
      undefined,
      'install it (Debian/Ubuntu: apt-get install maven); later runs use the cached jars and need only java',
    );
  }
  return m.version ?? 'mvn';
}
