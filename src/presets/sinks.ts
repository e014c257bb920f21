import type { Preset, PresetSink } from './load.js';

/** Where a setting's value came from, as the CLI records it (`default`, `preset: …`, `flag: --x`, …). */
export type SourceOf = (key: string) => string | undefined;

const FLAG: Record<NonNullable<PresetSink['when']>, string> = {
  influxUrl: '--influx-url or INFLUX_URL',
  pgUrl: '--pg-url or DATABASE_URL',
  mongoUrl: '--mongo-url or MONGODB_URI',
  parquetDir: '--parquet-dir',
  output: '--output',
};

/**
 * The sinks of a preset run. Sinks the user named (--sink, RTAP_SINK, --config) replace the preset's.
 * Otherwise each of the preset's sinks is used when the setting that says where its server (or
 * directory) is was given — by a flag, the environment or a config file, not by its default — so a
 * preset runs on a fresh machine without PostgreSQL or MongoDB, and says which it skipped.
 */
export function presetSinks(
  preset: Preset,
  userSinks: string[],
  sourceOf: SourceOf,
): { used: string[]; skipped: { sink: string; why: string }[] } {
  const src = sourceOf('sink') ?? 'default';
  if (!src.startsWith('default')) return { used: userSinks, skipped: [] };
  const used: string[] = [];
  const skipped: { sink: string; why: string }[] = [];
  for (const s of preset.sinks) {
    const from = s.when ? (sourceOf(s.when) ?? 'default') : 'given';
    if (!s.when || !(from.startsWith('default') || from.startsWith('preset'))) used.push(s.sink);
    else skipped.push({ sink: s.sink, why: `no ${FLAG[s.when]} given` });
  }
  return { used, skipped };
}
