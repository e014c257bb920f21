import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { envName, isBooleanFlag, longFlag, type Setting, type Source } from './settings.js';
import { parseJsonFile } from '../files/json.js';

export interface Resolved {
  values: Record<string, unknown>;
  sources: Record<string, { source: Source; from?: string }>;
}

export interface ConfigFile {
  path: string;
  data: Record<string, unknown>;
}

/** Reads a JSON config file; a syntax error names the file, line and column. */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const data = parseJsonFile(text, `config file ${path}`);
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    throw new UsageError(`config file ${path}: expected a JSON object at the top level`);
  return { path, data: data as Record<string, unknown> };
}

function configValueToString(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(',');
  throw new UsageError(`invalid ${where}: expected a string, number or boolean, got ${JSON.stringify(v)}`);
}

/**
 * Resolves every setting of a command with precedence defaults < preset < config file < RTAP_* env <
 * flags. `flagValues` holds only values the user typed (commander's source 'cli').
 * The config file (and a preset's settings, checked when the preset was loaded: src/presets) may hold
 * top-level keys (all commands) and a section per command name.
 */
export function resolveSettings(
  settings: Setting[],
  flagValues: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  config: ConfigFile | null,
  commandPath: string[],
  preset: ConfigFile | null = null,
): Resolved {
  const values: Record<string, unknown> = {};
  const sources: Resolved['sources'] = {};
  const known = new Set(settings.map((s) => s.key));

  // Config layers: top level, then nested command sections ("stack": {"up": {...}}), later wins; a
  // preset's layers come first.
  const layers: { data: Record<string, unknown>; path: string; file: string; source: Source }[] = [];
  if (preset) {
    layers.push({ data: preset.data, path: '', file: preset.path, source: 'preset' });
    let node: unknown = preset.data;
    let path = '';
    for (const name of commandPath) {
      node = (node as Record<string, unknown> | undefined)?.[name];
      path += `/${name}`;
      if (node && typeof node === 'object' && !Array.isArray(node))
        layers.push({ data: node as Record<string, unknown>, path, file: preset.path, source: 'preset' });
      else break;
    }
  }
  if (config) {
    const first = layers.length;
    layers.push({ data: config.data, path: '', file: config.path, source: 'config' });
    let node: unknown = config.data;
    let path = '';
    for (const name of commandPath) {
      node = (node as Record<string, unknown> | undefined)?.[name];
      path += `/${name}`;
      if (node && typeof node === 'object' && !Array.isArray(node))
        layers.push({ data: node as Record<string, unknown>, path, file: config.path, source: 'config' });
      else break;
    }
    const last = layers[Math.max(first, layers.length - 1)];
    for (const key of Object.keys(last.data)) {
      const v = last.data[key];
      const isSection = v !== null && typeof v === 'object' && !Array.isArray(v);
      if (!known.has(key) && !isSection && last.path !== '') {
        throw new UsageError(
          `config file ${config.path}: unknown setting '${key}' at ${last.path || '/'}`,
          `known settings: ${[...known].join(', ')}`,
        );
      }
    }
  }

  for (const s of settings) {
    let raw: unknown = undefined;
    let source: Source = 'default';
    let from: string | undefined;
    for (const layer of layers) {
      if (s.key in layer.data) {
        raw = layer.data[s.key];
        source = layer.source;
        from = `${layer.file}#${layer.path}/${s.key}`;
      }
    }
    const e = envName(s);
    if (e && env[e] !== undefined && env[e] !== '') {
      raw = env[e];
      source = 'env';
      from = e;
    }
    if (s.key in flagValues) {
      raw = flagValues[s.key];
      source = 'flag';
      from = longFlag(s);
    }
    let value: unknown;
    if (source === 'default') {
      value = s.default;
    } else if (source === 'flag') {
      value = isBooleanFlag(s)
        ? raw
        : s.repeatable
          ? (raw as string[]).flatMap((r) => s.parse(r, longFlag(s)) as unknown[])
          : s.parse(raw as string, longFlag(s));
    } else {
      const where = source === 'env' ? `environment variable ${from}` : `${source} ${from}`;
      if (s.repeatable && Array.isArray(raw))
        value = raw.flatMap((r) => s.parse(configValueToString(r, where), where) as unknown[]);
      else if (isBooleanFlag(s) && typeof raw === 'boolean') value = raw;
      else {
        const str = configValueToString(raw, where);
        value = isBooleanFlag(s) ? parseBoolLike(str, where) : s.parse(str, where);
      }
    }
    values[s.key] = value;
    sources[s.key] = { source, from };
  }
  return { values, sources };
}

function parseBoolLike(raw: string, where: string): boolean {
  const s = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off'].includes(s)) return false;
  throw new UsageError(`invalid ${where} '${raw}': expected true or false`);
}
