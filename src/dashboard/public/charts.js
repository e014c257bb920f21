/* global uPlot, window, devicePixelRatio */
/**
 * The two rolling time-series charts (uPlot, served from the package's own node_modules copy).
 *
 * - Every axis is as wide as its widest tick label (a fixed 50 px cut "60,000" to "60,00").
 * - Time ticks fall on whole seconds and read as clock times (no ":40.500").
 * - Latency is on a log axis: ingest (ms) and the e2e of a 5-minute window (minutes) differ by decades.
 * - The charts are kept in window.rtapCharts so the browser tests can check what was drawn.
 */
import { formatClock } from './format.js';

const charts = (window.rtapCharts = []);

const AXIS = {
  stroke: '#7d8b99',
  grid: { stroke: '#263241', width: 1 },
  ticks: { stroke: '#263241', width: 1 },
};

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

/** Tick steps of the time axis, in seconds: never below one second. */
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

const TIME_AXIS = {
  ...AXIS,
  space: 70,
  incrs: TIME_INCRS,
  values: (u, splits) => splits.map((s) => formatClock(s * 1000)),
};

const rate = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatMsTick(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '';
  if (v >= 1000) return `${+(v / 1000).toPrecision(3)} s`;
  if (v >= 1) return `${+v.toPrecision(3)} ms`;
  return `${+v.toPrecision(2)} ms`;
}

/** The plot's own height is fixed: the legend below it may wrap to two lines and the card grows. */
function size(container) {
  return { width: Math.max(200, container.clientWidth), height: 180 };
}

function chart(container, series, axes, scales) {
  const opts = {
    ...size(container),
    series: [{}, ...series],
    axes: [TIME_AXIS, ...axes.map((a) => ({ size: axisSize, ...a }))],
    scales: { x: { time: true }, ...scales },
    padding: [10, 16, 0, 0],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], container);
  plot.root.dataset.chart = container.id;
  charts.push(plot);
  window.addEventListener('resize', () => plot.setSize(size(container)));
  return plot;
}

/** Page views/s and events/s per realtime window. */
export function trafficChart(container) {
  const plot = chart(
    container,
    [
      { label: 'page views/s', stroke: '#58a6ff', width: 2, points: { show: false } },
      { label: 'events/s', stroke: '#3fb950', width: 1.5, points: { show: false } },
    ],
    [{ ...AXIS, values: (u, vs) => vs.map((v) => rate.format(v)) }],
    { y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
  );
  return (points) =>
    plot.setData([
      points.map((p) => p.t / 1000),
      points.map((p) => p.page_views_per_sec),
      points.map((p) => p.events_per_sec),
    ]);
}

/** A latency for the log axis: log(0) has no place, 0.01 ms is below anything measured. */
const positive = (v) => (v === null || v === undefined ? null : Math.max(0.01, v));

/**
 * Throughput (left axis) and latency percentiles (right axis, log ms). Each point is one second: the
 * latency of what was delivered in it, so a second in which a 1- or 5-minute window closes shows that
 * window's wait; the health panel shows the newest second alone.
 */
export function healthChart(container) {
  const plot = chart(
    container,
    [
      { label: 'throughput ev/s', stroke: '#3fb950', width: 2, scale: 'rate', points: { show: false } },
      {
        label: 'e2e P95 per second',
        stroke: '#d29922',
        width: 1.5,
        scale: 'ms',
        spanGaps: true,
        points: { show: false },
      },
      {
        label: 'e2e P99 per second',
        stroke: '#f85149',
        width: 1.5,
        scale: 'ms',
        spanGaps: true,
        points: { show: false },
      },
      { label: 'ingest P99', stroke: '#a371f7', width: 1, scale: 'ms', points: { show: false } },
    ],
    [
      { ...AXIS, scale: 'rate', values: (u, vs) => vs.map((v) => rate.format(v)) },
      {
        ...AXIS,
        scale: 'ms',
        side: 1,
        grid: { show: false },
        // A log axis ticks every 1..9 of each decade: marks that close read as a striped bar.
        ticks: { show: false, size: 4 },
        values: (u, vs) => vs.map(formatMsTick),
      },
    ],
    { rate: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] }, ms: { distr: 3, log: 10 } },
  );
  return (points) =>
    plot.setData([
      points.map((p) => p.t / 1000),
      points.map((p) => p.throughput),
      points.map((p) => positive(p.e2e_p95)),
      points.map((p) => positive(p.e2e_p99)),
      points.map((p) => positive(p.ingest_p99)),
    ]);
}
