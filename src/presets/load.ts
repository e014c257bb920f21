import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { fixturePath } from '../paths.js';
import { parseThreshold } from '../bench/gate.js';
import { SINK_KINDS } from '../sinks/build.js';
import { parseJsonFile } from '../files/json.js';

/**
 * A preset: one reference pipeline as a file (fixtures/presets/<name>.json, docs/presets.md). Its
 * `settings` are a configuration layer below --config, RTAP_* and flags (same keys and sections as a
 * config file); `sinks` are the reference's stores, used when their server's address is given;
 * `targets` are the document's own figures, checked against the run.
 */
export interface Preset {
  name: string;
  file: string;
  description: string;
  /** The reference documents (file names under ../shared/reference) it follows. */
  references: string[];
  /** Config-file shaped: top-level keys for every command, a section per command. */
  settings: Record<string, unknown>;
  sinks: PresetSink[];
  targets: PresetTarget[];
}

export interface PresetSink {
  sink: (typeof SINK_KINDS)[number];
  /** The setting that says where its server (or directory) is; without a value given, it is skipped. */
  when?: (typeof SINK_ADDRESSES)[number];
}

export interface PresetTarget {
  /** A gate expression (`--threshold` syntax), or null when a bench run cannot measure it. */
  check: string | null;
  /** The reference document stating it, the line and the line's text. */
  document: string;
  line: number;
  quote: string;
  /** How rtap's measure relates to the document's (when it is not the same thing). */
  note?: string;
}

/** The settings whose value makes a sink usable. */
export const SINK_ADDRESSES = ['influxUrl', 'pgUrl', 'mongoUrl', 'parquetDir', 'output'] as const;

/** Settings holding paths: a relative path in a preset is relative to the preset file. */
const PATH_KEYS = new Set(['topology', 'patterns', 'currencyRates']);

export const PRESETS_DIR = fixturePath('presets');

/** The shipped presets' names. */
export function presetNames(): string[] {
  return readdirSync(PRESETS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A name (`kpis`) is a shipped preset; anything with a slash or ending in .json is a file. */
export function presetPath(ref: string): string {
  if (ref.includes('/') || ref.endsWith('.json')) return ref;
  const names = presetNames();
  if (!names.includes(ref))
    throw new UsageError(`unknown preset '${ref}'`, `presets: ${names.join(', ')}, or a preset file (.json)`);
  return fixturePath('presets', `${ref}.json`);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Loads and validates a preset. `known` lists the settings of each command that takes --preset: a
 * setting no such command has, or a section for another command, is an error naming the file and the
 * JSON path. Values are parsed later by the settings layer, whose errors name `file#/path` too.
 */
export function loadPreset(ref: string, known: Record<string, Set<string>>): Preset {
  const file = presetPath(ref);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read preset file ${file}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  return parsePreset(parseJsonFile(text, `preset file ${file}`), file, known);
}

export function parsePreset(json: unknown, file: string, known: Record<string, Set<string>>): Preset {
  const fail = (path: string, message: string): never => {
    throw new UsageError(`preset file ${file}: ${path}: ${message}`);
  };
  if (!isObject(json)) fail('/', 'expected an object');
  const j = json as Record<string, unknown>;
  const KEYS = ['description', 'references', 'settings', 'sinks', 'targets'];
  for (const k of Object.keys(j))
    if (!KEYS.includes(k)) fail(`/${k}`, `unknown key (expected ${KEYS.join(', ')})`);
  if (typeof j.description !== 'string' || !j.description)
    fail('/description', 'expected a non-empty string');
  if (
    !Array.isArray(j.references) ||
    !j.references.length ||
    !j.references.every((r) => typeof r === 'string')
  )
    fail('/references', 'expected a non-empty array of reference document names');
  const references = j.references as string[];

  const all = new Set(Object.values(known).flatMap((s) => [...s]));
  const settings: Record<string, unknown> = {};
  const dir = dirname(file);
  const fixPaths = (key: string, v: unknown): unknown => {
    if (!PATH_KEYS.has(key)) return v;
    const one = (p: unknown) =>
      typeof p === 'string' && (p.startsWith('./') || p.startsWith('../')) && !isAbsolute(p)
        ? resolve(dir, p)
        : p;
    return Array.isArray(v) ? v.map(one) : one(v);
  };
  if (j.settings !== undefined) {
    if (!isObject(j.settings)) fail('/settings', 'expected an object of settings');
    for (const [k, v] of Object.entries(j.settings as Record<string, unknown>)) {
      if (isObject(v)) {
        const keys = known[k];
        if (!keys)
          fail(
            `/settings/${k}`,
            `not a setting, nor a command that takes --preset (${Object.keys(known).join(', ')})`,
          );
        const section: Record<string, unknown> = {};
        for (const [sk, sv] of Object.entries(v)) {
          if (!keys.has(sk)) fail(`/settings/${k}/${sk}`, `'rtap ${k}' has no setting '${sk}'`);
          section[sk] = fixPaths(sk, sv);
        }
        settings[k] = section;
      } else {
        if (!all.has(k))
          fail(`/settings/${k}`, 'unknown setting (the keys are those of a config file: docs/presets.md)');
        if (k === 'preset') fail(`/settings/${k}`, 'a preset cannot name another preset');
        if (k === 'sink')
          fail(`/settings/${k}`, 'name the sinks in /sinks (each used when its address is given)');
        settings[k] = fixPaths(k, v);
      }
    }
  }

  const sinks: PresetSink[] = [];
  if (j.sinks !== undefined) {
    if (!Array.isArray(j.sinks)) fail('/sinks', 'expected an array of {"sink", "when"}');
    (j.sinks as unknown[]).forEach((s, i) => {
      const at = `/sinks/${i}`;
      if (!isObject(s)) fail(at, 'expected an object {"sink": NAME, "when": SETTING}');
      const o = s as Record<string, unknown>;
      for (const k of Object.keys(o))
        if (k !== 'sink' && k !== 'when') fail(`${at}/${k}`, 'unknown key (expected sink, when)');
      if (typeof o.sink !== 'string' || !(SINK_KINDS as readonly string[]).includes(o.sink))
        fail(`${at}/sink`, `expected one of ${SINK_KINDS.join(', ')}, got ${JSON.stringify(o.sink)}`);
      if (o.when !== undefined && !(SINK_ADDRESSES as readonly unknown[]).includes(o.when))
        fail(`${at}/when`, `expected one of ${SINK_ADDRESSES.join(', ')}, got ${JSON.stringify(o.when)}`);
      sinks.push({ sink: o.sink as PresetSink['sink'], when: o.when as PresetSink['when'] });
    });
  }

  const targets: PresetTarget[] = [];
  if (j.targets !== undefined) {
    if (!Array.isArray(j.targets)) fail('/targets', 'expected an array of targets');
    (j.targets as unknown[]).forEach((t, i) => {
      const at = `/targets/${i}`;
      if (!isObject(t)) fail(at, 'expected an object {"check", "document", "line", "quote", "note"}');
      const o = t as Record<string, unknown>;
      for (const k of Object.keys(o))
        if (!['check', 'document', 'line', 'quote', 'note'].includes(k))
          fail(`${at}/${k}`, 'unknown key (expected check, document, line, quote, note)');
      if (o.check !== null) {
        if (typeof o.check !== 'string')
          fail(`${at}/check`, 'expected a gate expression like "ingest.p95<500ms", or null');
        try {
          parseThreshold(o.check as string);
        } catch (err) {
          fail(`${at}/check`, (err as Error).message);
        }
      }
      if (typeof o.document !== 'string' || !references.includes(o.document))
        fail(
          `${at}/document`,
          `expected one of the references (${references.join(', ')}), got ${JSON.stringify(o.document)}`,
        );
      if (typeof o.line !== 'number' || !Number.isInteger(o.line) || o.line < 1)
        fail(
          `${at}/line`,
          `expected the line number in ${String(o.document)}, got ${JSON.stringify(o.line)}`,
        );
      if (typeof o.quote !== 'string' || !o.quote.trim())
        fail(`${at}/quote`, "expected the document line's text");
      if (o.note !== undefined && typeof o.note !== 'string') fail(`${at}/note`, 'expected a string');
      targets.push({
        check: o.check as string | null,
        document: o.document as string,
        line: o.line as number,
        quote: o.quote as string,
        note: o.note as string | undefined,
      });
    });
  }
  return {
    name: basename(file).replace(/\.json$/, ''),
    file,
    description: j.description as string,
    references,
    settings,
    sinks,
    targets,
  };
}
