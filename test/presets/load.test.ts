import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPreset, parsePreset, presetNames } from '../../src/presets/index.js';
import { COMMANDS } from '../../src/commands/index.js';
import { loadPipelineTopics } from '../../src/provision/index.js';

const known: Record<string, Set<string>> = Object.fromEntries(
  COMMANDS.filter((d) => 'preset' in d.settings).map((d) => [
    d.name,
    new Set(Object.values(d.settings).map((s) => s.key)),
  ]),
);

/** ../shared/reference, looked for above the checkout (a worktree sits deeper than the main clone). */
function referenceDir(): string | null {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const r = join(d, 'shared', 'reference');
    if (existsSync(r)) return r;
  }
  return null;
}

test('the four reference pipelines ship as presets, each naming its documents', () => {
  assert.deepEqual(presetNames(), ['eventflow', 'kpis', 'products', 'website']);
  const refs = Object.fromEntries(presetNames().map((n) => [n, loadPreset(n, known).references]));
  assert.deepEqual(refs.website, ['000_22977364990160a4.txt', '001_f3bdc769a431b897.txt']);
  assert.deepEqual(refs.eventflow, ['002_06b305f194faede5.txt']);
  assert.deepEqual(refs.products, ['003_714ccb2ae32ceb87.txt']);
  assert.deepEqual(refs.kpis, ['004_c069ca7c621ea3c3.txt']);
});

test("every target quotes its document's line verbatim", (t) => {
  const dir = referenceDir();
  if (!dir) {
    t.skip('no ../shared/reference next to the checkout');
    return;
  }
  for (const name of presetNames()) {
    for (const target of loadPreset(name, known).targets) {
      const lines: string[] = readFileSync(join(dir, target.document), 'utf8').split('\n');
      assert.equal(
        lines[target.line - 1]?.trim(),
        target.quote,
        `${name}: ${target.document}:${target.line}`,
      );
    }
  }
});

test("kpis sets 004's topology: events_raw 3 partitions, events_deadletter 1", () => {
  const p = loadPreset('kpis', known);
  const topics = loadPipelineTopics(p.settings.topology as string);
  assert.equal(topics.names.events, 'events_raw');
  // 004 sends every event type to its one stream.
  assert.equal(topics.names.orders, 'events_raw');
  assert.equal(topics.names.deadLetter, 'events_deadletter');
  assert.equal(topics.partitions.events_raw, 3);
  assert.equal(topics.partitions.events_deadletter, 1);
});

test('the other presets set their reference topics', () => {
  const names = (n: string) => loadPipelineTopics(loadPreset(n, known).settings.topology as string).names;
  assert.equal(names('website').events, 'website-analytics-events');
  assert.deepEqual(
    [names('eventflow').userEvents, names('eventflow').productView, names('eventflow').orders],
    ['user-events', 'product-view', 'orders'],
  );
  assert.equal(names('products').events, 'product-events');
  assert.equal(names('products').results, 'product-analytics');
});

test('a bad preset is an error naming the file and the field', () => {
  const f = 'my-preset.json';
  const ok = { description: 'x', references: ['001.txt'] };
  const cases: [unknown, RegExp][] = [
    [[], /my-preset\.json: \/: expected an object/],
    [{ ...ok, extra: 1 }, /my-preset\.json: \/extra: unknown key/],
    [{ ...ok, references: [] }, /\/references: expected a non-empty array/],
    [{ ...ok, settings: { rat: '1/s' } }, /\/settings\/rat: unknown setting/],
    [
      { ...ok, settings: { bench: { live: true } } },
      /\/settings\/bench\/live: 'rtap bench' has no setting 'live'/,
    ],
    [{ ...ok, settings: { stack: { nodes: 3 } } }, /\/settings\/stack: not a setting, nor a command/],
    [{ ...ok, settings: { sink: 'influx' } }, /\/settings\/sink: name the sinks in \/sinks/],
    [{ ...ok, sinks: [{ sink: 'redis' }] }, /\/sinks\/0\/sink: expected one of jsonl/],
    [{ ...ok, sinks: [{ sink: 'mongo', when: 'mongo' }] }, /\/sinks\/0\/when: expected one of influxUrl/],
    [
      { ...ok, targets: [{ check: 'ingest.p95<fast', document: '001.txt', line: 1, quote: 'q' }] },
      /\/targets\/0\/check: invalid --threshold 'ingest\.p95<fast'/,
    ],
    [
      { ...ok, targets: [{ check: null, document: '002.txt', line: 1, quote: 'q' }] },
      /\/targets\/0\/document: expected one of the references \(001\.txt\)/,
    ],
    [{ ...ok, targets: [{ check: null, document: '001.txt', line: 0, quote: 'q' }] }, /\/targets\/0\/line/],
    [
      { ...ok, targets: [{ document: '001.txt', line: 3, quote: 'q' }] },
      /\/targets\/0\/check: expected a gate/,
    ],
  ];
  for (const [json, re] of cases) assert.throws(() => parsePreset(json, f, known), re, JSON.stringify(json));
});

test('relative paths in a preset are relative to the preset file', () => {
  const p = parsePreset(
    {
      description: 'x',
      references: ['a'],
      settings: { topology: '../t.json', patterns: ['./p.cep', 'none'] },
    },
    '/some/dir/presets/mine.json',
    known,
  );
  assert.equal(p.settings.topology, '/some/dir/t.json');
  assert.deepEqual(p.settings.patterns, ['/some/dir/presets/p.cep', 'none']);
});

test('an unknown preset name lists the shipped ones', () => {
  assert.throws(
    () => loadPreset('kpi', known),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /unknown preset 'kpi'/);
      assert.match(e.hint ?? '', /eventflow, kpis, products, website/);
      return true;
    },
  );
});
