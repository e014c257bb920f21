import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Checks of the files a command names, made before any work starts: a run that would only fail at its end
 * (a report to a missing directory) or crash on its first write fails at once instead, as a usage error
 * naming the flag (or env variable, config key) and the path.
 */

function statOf(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A file the command will create or overwrite: its directory exists and is writable; it is no directory. */
export function checkOutputFile(path: string, where: string): void {
  if (path === '-') return;
  const at = `${where} ${path}`;
  const st = statOf(path);
  if (st?.isDirectory()) throw new UsageError(`${at}: is a directory, expected a file name`);
  if (st && !writable(path)) throw new UsageError(`${at}: the file is not writable`);
  if (st) return;
  const dir = dirname(resolve(path));
  const parent = statOf(dir);
  if (!parent) throw new UsageError(`${at}: directory ${dirname(path)} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`${at}: ${dirname(path)} is not a directory`);
  if (!writable(dir)) throw new UsageError(`${at}: directory ${dirname(path)} is not writable`);
}

/** A file the command reads: it exists, is a file (not a directory) and is readable. */
export function checkInputFile(path: string, where: string): void {
  const at = `${where} ${path}`;
  const st = statOf(path);
  if (!st) throw new UsageError(`${at}: no such file`);
  if (st.isDirectory()) throw new UsageError(`${at}: is a directory, expected a file`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UsageError(`${at}: the file is not readable`);
  }
}

/** How a message names where a value came from: the flag, the env variable or the config key. */
export function whereFrom(source: { source: string; from?: string }, flag: string): string {
  if (source.source === 'env') return `environment variable ${source.from}`;
  if (source.source === 'config') return `config ${source.from}`;
  return flag;
}
