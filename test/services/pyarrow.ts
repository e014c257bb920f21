/**
 * The `pyarrow` test service: not a server but an independent reader of the Parquet cold store's files,
 * Apache Arrow's pyarrow from PyPI in a venv under ~/.cache/rtap (scripts/install-pyarrow.sh installs it
 * on first use). Environment passed to the tests: RTAP_PYARROW_PYTHON, the venv's python.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { ServiceHandle, TestService } from '../../scripts/test.js';

const root = resolve(import.meta.dirname, '..', '..');

export function pyarrowPython(): string {
  if (process.env.RTAP_PYARROW_PYTHON) return process.env.RTAP_PYARROW_PYTHON;
  const r = spawnSync('sh', [join(root, 'scripts', 'install-pyarrow.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`scripts/install-pyarrow.sh failed (exit ${r.status})`);
  return r.stdout.trim().split('\n').pop()!;
}

const service: TestService = {
  name: 'pyarrow',
  async start(): Promise<ServiceHandle> {
    return { env: { RTAP_PYARROW_PYTHON: pyarrowPython() }, stop: async () => {} };
  },
};
export default service;
