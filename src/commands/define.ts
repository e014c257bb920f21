import type { Setting, SettingValue } from '../config/settings.js';
import type { Preset } from '../presets/index.js';

/** What every command receives besides its options: output streams and the global switches. */
export interface CommandContext {
  /** `--json`: machine-readable output on stdout. */
  json: boolean;
  /** `--json <file>`: write the machine-readable output there; stdout stays human. */
  jsonFile?: string;
  /** Colour allowed (TTY, no NO_COLOR, no --no-color). */
  color: boolean;
  /** stdout is a terminal and CI is not set: live views and progress may redraw. */
  interactive: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** A message for people: to stderr. */
  log(message: string): void;
  /** Positional arguments. */
  args: string[];
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly (flush, commit) and return. */
  signal: AbortSignal;
  /** The resolved settings with where each came from, for reports' run metadata. */
  effectiveConfig: Record<string, { value: unknown; source: string }>;
  /** The preset (--preset) the settings were resolved with, if any. */
  preset?: Preset;
}

type Settings = Record<string, Setting<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
export type OptionsOf<S extends Settings> = { [K in keyof S]: SettingValue<S[K]> };

export interface CommandDefinition<S extends Settings = Settings> {
  name: string;
  summary: string;
  /** Longer help; examples are printed after the options. */
  description?: string;
  examples: string[];
  args?: { name: string; description: string; required?: boolean; variadic?: boolean }[];
  settings: S;
  /** Subcommands (e.g. `stack up`); a command with subcommands has no run of its own. */
  subcommands?: CommandDefinition[];
  /** Returns the exit code (0 by default); throws RtapError for failures. */
  run?(options: OptionsOf<S>, ctx: CommandContext): Promise<number | void>;
}

/**
 * The flags among the settings `keys` typed on the command line: a command refuses the ones its mode
 * would silently ignore. Environment and config values are left alone (they are shared between runs).
 */
export function typedFlags(ctx: CommandContext, keys: readonly string[]): string[] {
  return keys
    .map((k) => ctx.effectiveConfig[k]?.source ?? '')
    .filter((s) => s.startsWith('flag: '))
    .map((s) => s.slice('flag: '.length));
}

/** "--a, --b apply only with --mode" (one flag: "applies"). */
export function onlyWith(flags: string[], mode: string): string {
  return `${flags.join(', ')} ${flags.length === 1 ? 'applies' : 'apply'} only with ${mode}`;
}

export function defineCommand<S extends Settings>(def: CommandDefinition<S>): CommandDefinition<S> {
  return def;
}
