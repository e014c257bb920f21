/**
 * The `tmux` test service: tests named `*.tmux.test.ts` drive the real CLI in a terminal (tmux send-keys,
 * capture-pane). This makes sure tmux is there, installing the Debian package when running as root, and
 * passes its path as RTAP_TMUX. Each test runs its own tmux server (its own -L socket), so nothing is
 * shared with a developer's sessions.
 */
import { spawnSync } from 'node:child_process';
import type { TestService } from '../../scripts/test.js';

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const service: TestService = {
  name: 'tmux',
  async start() {
    let path = which('tmux');
    if (!path) {
      if (process.getuid?.() !== 0)
        throw new Error('tmux is not installed (apt-get install -y tmux, as root)');
      const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'tmux'], {
        encoding: 'utf8',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
      path = which('tmux');
      if (!path)
        throw new Error(`installing tmux failed (apt-get exit ${r.status}): ${r.stderr.slice(-500)}`);
    }
    return { env: { RTAP_TMUX: path }, stop: async () => {} };
  },
};

export default service;
