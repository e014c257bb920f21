import type { Parser } from './values.js';

/**
 * One configurable value: the same definition drives the flag, the `RTAP_*` environment variable, the
 * config-file key, the help text and `--print-config`.
 */
export interface Setting<T = unknown> {
  /** camelCase; also the config-file key. */
  key: string;
  /** Commander flags, e.g. `--rate <rate>` or `--dry-run` (boolean). */
  flags: string;
  description: string;
  parse: Parser<T>;
  default?: T;
  /** Environment variable; `RTAP_<UPPER_SNAKE_KEY>` unless set; `false` for none. */
  env?: string | false;
  /** Repeatable flag (e.g. --threshold): `parse` returns an array per occurrence; occurrences concatenate. */
  repeatable?: boolean;
  /**
   * The value names a file the command reads ('input') or writes ('output'; '-' is stdout): checked
   * before the command starts, so a bad path is a usage error up front, not a failure at the end.
   */
  file?: 'input' | 'output';
  /** How --help shows the default when the parser's result is not what users type (e.g. an ISO time). */
  display?(value: T): string;
  /** A password or token: shown as *** by --print-config and never logged. */
  secret?: boolean;
}

export type SettingValue<S> = S extends Setting<infer T> ? T : never;

export function setting<T>(s: Setting<T>): Setting<T> {
  return s;
}

export function envName(s: Setting): string | null {
  if (s.env === false) return null;
  return s.env ?? `RTAP_${s.key.replace(/([A-Z])/g, '_$1').toUpperCase()}`;
}

export function isBooleanFlag(s: Setting): boolean {
  return !/[<[]/.test(s.flags);
}

export function longFlag(s: Setting): string {
  return /--[a-z0-9-]+/.exec(s.flags)![0];
}

export type Source = 'default' | 'preset' | 'config' | 'env' | 'flag';
