/* global uPlot, window */
/**
 * The two rolling time-series charts (uPlot, served from the package's own node_modules copy).
 */
const AXIS = {
  stroke: '#7d8b99',
  grid: { stroke: '#263241', width: 1 },
  ticks: { stroke: '#263241', width: 1 },
};

function size(container) {
  return { width: Math.max(200, container.clientWidth), height: Math.max(120, container.clientHeight - 30) };
}

function chart(container, series, axes) {
  const opts = {
    ...size(container),
    series: [{}, ...series],
    axes: [{ ...AXIS }, ...axes],
    scales: { x: { time: true } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], container);
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
    [{ ...AXIS, size: 50 }],
  );
  return (points) =>
    plot.setData([
      points.map((p) => p.t / 1000),
      points.map((p) => p.page_views_per_sec),
      points.map((p) => p.events_per_sec),
    ]);
}

/** Throughput (left axis) and latency percentiles (right axis, ms). */
export function healthChart(container) {
  const plot = chart(
    container,
    [
      { label: 'throughput ev/s', stroke: '#3fb950', width: 2, scale: 'rate', points: { show: false } },
      {
        label: 'e2e P95 ms',
        stroke: '#d29922',
        width: 1.5,
        scale: 'ms',
        spanGaps: true,
        points: { show: false },
      },
      {
        label: 'e2e P99 ms',
        stroke: '#f85149',
        width: 1.5,
        scale: 'ms',
        spanGaps: true,
        points: { show: false },
      },
      { label: 'ingest P99 ms', stroke: '#a371f7', width: 1, scale: 'ms', points: { show: false } },
    ],
    [
      { ...AXIS, scale: 'rate', size: 50 },
      { ...AXIS, scale: 'ms', side: 1, size: 50, grid: { show: false } },
    ],
  );
  return (points) =>
    plot.setData([
      points.map((p) => p.t / 1000),
      points.map((p) => p.throughput),
      points.map((p) => p.e2e_p95),
      points.map((p) => p.e2e_p99),
      points.map((p) => p.ingest_p99),
    ]);
}
