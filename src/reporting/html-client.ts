/**
 * The script of the HTML bench report, run in the browser with uPlot inlined before it and `DATA` (see
 * html.ts) defined. Plain browser JavaScript in a string: the report is one self-contained file.
 *
 * - Every axis sizes itself to its longest tick label (uPlot's fixed 50 px cuts "10,000" to "0,000").
 * - Latency axes are logarithmic: stages differ by decades (an ack of 0.02 ms, an e2e of 20 s).
 * - Time charts shade the warm-up, which the numbers exclude.
 * - The plots are kept in window.rtapPlots, so tests can check what was drawn.
 */
export const REPORT_SCRIPT = String.raw`
const plots = (window.rtapPlots = []);
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
const colorOf = (name) => palette[Math.max(0, DATA.stageOrder.indexOf(name)) % palette.length];

function fmtMs(v) {
  if (v == null || !isFinite(v)) return '';
  if (v >= 1000) return +(v / 1000).toPrecision(3) + ' s';
  if (v >= 1) return +v.toPrecision(3) + ' ms';
  return +v.toPrecision(2) + ' ms';
}
const fmtNum = (v) => (v == null ? '' : v.toLocaleString('en-US', { maximumFractionDigits: 2 }));
const PCT_TICKS = { 1: '0%', 2: '50%', 10: '90%', 100: '99%', 1000: '99.9%', 10000: '99.99%', 100000: '99.999%', 1000000: '99.9999%' };

/** Axis width from its longest label (the uPlot "axis autosize" recipe). */
function axisSize(self, values, axisIdx, cycleNum) {
  const axis = self.axes[axisIdx];
  if (cycleNum > 1) return axis._size;
  let size = axis.ticks.size + axis.gap;
  const longest = (values || []).reduce((a, v) => (String(v).length > a.length ? String(v) : a), '');
  if (longest !== '') {
    self.ctx.font = axis.font[0];
    size += self.ctx.measureText(longest).width / devicePixelRatio;
  }
  return Math.ceil(size) + 4;
}

function yAxis(extra) {
  return Object.assign({ size: axisSize, grid: { stroke: '#f0f0f0' } }, extra || {});
}

/** Shades [0, warm-up) of a time chart: those seconds are load, not measurement. */
const warmupPlugin = {
  hooks: {
    drawClear: [
      (u) => {
        const w = DATA.warmupS;
        if (!w) return;
        const x0 = u.valToPos(Math.max(u.scales.x.min, 0), 'x', true);
        const x1 = u.valToPos(Math.min(u.scales.x.max, w), 'x', true);
        if (x1 <= x0) return;
        u.ctx.save();
        u.ctx.fillStyle = 'rgba(120,120,120,0.12)';
        u.ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
        u.ctx.fillStyle = '#777';
        u.ctx.font = 11 * devicePixelRatio + 'px system-ui, sans-serif';
        u.ctx.fillText('warm-up (not measured)', x0 + 4 * devicePixelRatio, u.bbox.top + 14 * devicePixelRatio);
        u.ctx.restore();
      },
    ],
  },
};

function plot(id, opts, data) {
  const el = document.getElementById(id);
  const width = Math.max(320, Math.floor(el.getBoundingClientRect().width) || 500);
  const u = new uPlot(
    Object.assign({ width, height: 240, padding: [12, 24, 0, 0], legend: { live: false } }, opts),
    data,
    el,
  );
  u.root.dataset.chart = id;
  plots.push(u);
  return u;
}

const t = DATA.intervals.map((r) => r.t);
// Counts start at zero: a steady 200/s must not read as a swing between 200.25 and 201.
const timeX = { scales: { x: { time: false }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } } };
const secondsAxis = { label: 'seconds since the load started', size: 44, values: (u, vs) => vs.map((v) => v + ' s') };

// Percentile spectrum, one chart per stage: log percentile axis, log latency axis, baseline dashed.
for (const s of DATA.spectra) {
  const series = [{ label: 'percentile' }, { label: s.name, stroke: colorOf(s.name), width: 2, value: (u, v) => fmtMs(v) }];
  const data = [s.x, s.ms];
  if (s.baselineMs) {
    series.push({ label: 'baseline', stroke: '#888', dash: [6, 4], width: 1.5, value: (u, v) => fmtMs(v) });
    data.push(s.baselineMs);
  }
  plot(
    'spectrum-' + s.name,
    {
      title: s.name,
      height: 220,
      series,
      scales: { x: { time: false, distr: 3, log: 10 }, y: { distr: 3, log: 10 } },
      axes: [
        {
          label: 'percentile',
          size: 44,
          splits: () => Object.keys(PCT_TICKS).map(Number).filter((x) => x <= s.x[s.x.length - 1]),
          // uPlot labels a log axis at powers of ten only; every percentile tick gets its label.
          filter: (u, splits) => splits,
          values: (u, vs) => vs.map((x) => PCT_TICKS[x] || ''),
        },
        yAxis({ values: (u, vs) => vs.map(fmtMs) }),
      ],
    },
    data,
  );
}

// p99 per second of each stage, on a log axis.
const names = DATA.stageOrder.filter((n) => DATA.intervals.some((r) => r.latency[n]));
plot(
  'latency',
  Object.assign({}, timeX, {
    plugins: [warmupPlugin],
    series: [{ label: 's' }].concat(names.map((n) => ({ label: n + ' p99', stroke: colorOf(n), width: 1.5, spanGaps: true, value: (u, v) => fmtMs(v) }))),
    scales: { x: { time: false }, y: { distr: 3, log: 10 } },
    axes: [secondsAxis, yAxis({ values: (u, vs) => vs.map(fmtMs) })],
  }),
  [t].concat(names.map((n) => DATA.intervals.map((r) => (r.latency[n] ? Math.max(DATA.logFloorMs, r.latency[n].p99) : null)))),
);

plot(
  'throughput',
  Object.assign({}, timeX, {
    plugins: [warmupPlugin],
    series: [{ label: 's' }, { label: 'produced /s', stroke: palette[0], width: 1.5 }, { label: 'consumed /s', stroke: palette[2], width: 1.5 }],
    axes: [secondsAxis, yAxis({ values: (u, vs) => vs.map(fmtNum) })],
  }),
  [t, DATA.intervals.map((r) => r.produced), DATA.intervals.map((r) => r.consumed)],
);

plot(
  'lag',
  Object.assign({}, timeX, {
    plugins: [warmupPlugin],
    series: [{ label: 's' }, { label: 'consumer lag (records)', stroke: palette[1], width: 1.5 }],
    axes: [secondsAxis, yAxis({ values: (u, vs) => vs.map(fmtNum) })],
  }),
  [t, DATA.intervals.map((r) => r.lag)],
);

if (DATA.intervals.some((r) => r.resources)) {
  const res = (f) => DATA.intervals.map((r) => (r.resources ? r.resources[f] : null));
  plot(
    'resources',
    Object.assign({}, timeX, {
      plugins: [warmupPlugin],
      series: [
        { label: 's' },
        { label: 'CPU % of a core', stroke: palette[3], width: 1.5, scale: '%' },
        { label: 'GC pauses % of the second', stroke: palette[4], width: 1.5, scale: '%' },
        { label: 'RSS MB', stroke: palette[5], width: 1.5, scale: 'mb' },
        { label: 'heap used MB', stroke: palette[6], width: 1, dash: [4, 3], scale: 'mb' },
      ],
      scales: { x: { time: false }, '%': { range: (u, min, max) => [0, Math.max(100, max)] }, mb: { range: (u, min, max) => [0, max * 1.1] } },
      axes: [
        secondsAxis,
        yAxis({ scale: '%', values: (u, vs) => vs.map((v) => v + ' %') }),
        yAxis({ scale: 'mb', side: 1, grid: { show: false }, values: (u, vs) => vs.map((v) => fmtNum(v) + ' MB') }),
      ],
    }),
    [t, res('cpu_percent'), res('gc_percent'), res('rss_mb'), res('heap_used_mb')],
  );
}
document.body.dataset.plots = String(plots.length);
`;
