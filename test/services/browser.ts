/**
 * The `browser` test service: Debian's chromium, driven by playwright-core (never a downloaded browser).
 * Installs the `chromium` package with apt-get when /usr/bin/chromium is missing (needs root, as in CI).
 *
 * Environment passed to the tests: RTAP_CHROMIUM (the executable).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ServiceHandle, TestService } from '../../scripts/test.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a headless, offline, quiet chromium (no sandbox: tests run as root in containers). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (exit ${r.status}); install Debian's chromium package by hand`,
    );
}

export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  console.error(
    'browser service: chromium not found, installing the Debian package (apt-get install -y chromium)',
  );
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} does not exist`);
  return CHROMIUM;
}

const service: TestService = {
  name: 'browser',
  async start(): Promise<ServiceHandle> {
    const executable = ensureChromium();
    return { env: { RTAP_CHROMIUM: executable }, async stop() {} };
  },
};
export default service;
