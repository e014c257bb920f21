import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Package root, whether running from src/ (tsx) or dist/ (compiled): both sit one level below it. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export function fixturePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, 'fixtures', ...parts);
}
