import { el, fill } from './dom.js';
import { formatClock, formatDelta, formatMs, formatValue } from './format.js';

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 };

/** KPI tiles: value of the last complete window and its change against the window before. */
export function renderTiles(container, tiles) {
  fill(
    container,
    tiles.map((t) => {
      const delta = formatDelta(t.value, t.previous, t.format);
      // Colour says good or bad news: for bounces a rise is bad.
      const good = delta && delta.dir !== 'flat' ? (delta.dir === 'up') === (t.better !== 'down') : null;
      const windowText =
        t.window_end === null
          ? 'waiting for data'
          : t.partial
            ? `${t.view} window so far`
            : `${t.view} window to ${formatClock(t.window_end)}`;
      return el('div', { class: 'tile', testid: `tile-${t.id}` }, [
        el('div', { class: 'label', text: t.currency ? `${t.label} (${t.currency})` : t.label }),
        el('div', { class: 'value', text: formatValue(t.value, t.format), testid: `tile-value-${t.id}` }),
        el('div', {
          class: `delta ${good === null ? '' : good ? 'good' : 'bad'}`,
          testid: `tile-delta-${t.id}`,
          text: delta ? `${delta.text} vs previous` : t.note ? t.note : ' ',
        }),
        el('div', { class: 'window', text: windowText }),
      ]);
    }),
  );
}

function barRow(name, value, max, numText, testid) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return el('div', { class: 'bar-row', testid }, [
    el('span', { class: 'name', text: name, title: name }),
    el('div', { class: 'bar' }, [el('span', { style: { width: `${pct.toFixed(1)}%` } })]),
    el('span', { class: 'num', text: numText }),
  ]);
}

const STEP_LABELS = {
  product_views: 'Product views',
  add_to_cart: 'Add to cart',
  checkout: 'Checkout',
  purchase: 'Purchase',
};

export function renderFunnel(container, rangeEl, funnel) {
  rangeEl.textContent = funnel.windows
    ? `last ${funnel.minutes_back} min (${funnel.windows} window${funnel.windows === 1 ? '' : 's'})`
    : '';
  if (!funnel.windows) return fill(container, [el('p', { class: 'empty', text: 'no KPI windows yet' })]);
  const max = funnel.steps[0]?.count ?? 0;
  const r = funnel.rates;
  fill(container, [
    ...funnel.steps.map((s) =>
      barRow(STEP_LABELS[s.step] ?? s.step, s.count, max, formatValue(s.count, 'count'), `funnel-${s.step}`),
    ),
    el('div', {
      class: 'rates',
      text: `view→cart ${formatValue(r.view_to_cart, 'percent')} · cart→checkout ${formatValue(r.cart_to_checkout, 'percent')} · checkout→purchase ${formatValue(r.checkout_to_purchase, 'percent')} · overall ${formatValue(r.view_to_purchase, 'percent')}`,
    }),
  ]);
}

function rankedList(container, items, testid) {
  if (!items.length) return fill(container, [el('li', { class: 'empty', text: 'none yet' })]);
  fill(
    container,
    items.map((it) =>
      el('li', { testid }, [
        el('span', { class: 'name', text: it.key, title: it.key }),
        el('span', { class: 'num', text: formatValue(it.views, 'count') }),
      ]),
    ),
  );
}

export function renderTop(pagesEl, productsEl, windowEl, top) {
  windowEl.textContent = top
    ? top.partial
      ? 'current minute'
      : `minute to ${formatClock(top.window_end)}`
    : '';
  rankedList(pagesEl, top ? top.pages : [], 'top-page');
  rankedList(productsEl, top ? top.products : [], 'top-product');
}

export function renderGeo(container, windowEl, geo) {
  windowEl.textContent = geo
    ? geo.partial
      ? 'current minute'
      : `minute to ${formatClock(geo.window_end)}`
    : '';
  if (!geo || !geo.countries.length)
    return fill(container, [el('p', { class: 'empty', text: 'no events yet' })]);
  const total = geo.countries.reduce((s, c) => s + c.events, 0);
  const shown = geo.countries.slice(0, 10);
  const max = shown[0].events;
  fill(
    container,
    shown.map((c) =>
      barRow(
        c.country,
        c.events,
        max,
        `${formatValue(c.events, 'count')} · ${formatValue(total ? c.events / total : null, 'percent')}`,
        'geo-row',
      ),
    ),
  );
}

function metric(label, value, testid) {
  return el('div', { class: 'metric', testid }, [
    el('div', { class: 'label', text: label }),
    el('div', { class: 'value', text: value }),
  ]);
}

export function renderHealth(container, h) {
  if (!h) return fill(container, [el('p', { class: 'empty', text: 'no health samples yet' })]);
  const l = h.latency ?? {};
  fill(container, [
    metric('Throughput', `${formatValue(h.throughputPerSec, 'rate')} ev/s`, 'health-throughput'),
    metric('E2E P95, last second', formatMs(l.e2e?.p95), 'health-e2e-p95'),
    metric('E2E P99, last second', formatMs(l.e2e?.p99), 'health-e2e-p99'),
    metric('Ingest P99, last second', formatMs(l.ingest?.p99), 'health-ingest-p99'),
    metric('Consumer lag', h.lag === null ? '–' : `${formatValue(h.lag, 'count')} rec`, 'health-lag'),
    metric('Watermark lag', formatMs(h.watermarkLagMs), 'health-watermark-lag'),
    metric('Dead letters', formatValue(h.deadLetters, 'count'), 'health-dead-letters'),
    metric('Error rate', formatValue(h.errorRate, 'percent'), 'health-error-rate'),
  ]);
}

/** The alert feed, newest first, at or above the selected severity. */
export function renderAlerts(container, countEl, alerts, minSeverity) {
  const min = SEVERITY_RANK[minSeverity] ?? 0;
  const shown = [];
  for (let i = alerts.length - 1; i >= 0 && shown.length < 100; i--) {
    if ((SEVERITY_RANK[alerts[i].severity] ?? 0) >= min) shown.push(alerts[i]);
  }
  countEl.textContent = `${alerts.length} received`;
  if (!shown.length)
    return fill(container, [
      el('li', { class: 'empty', text: alerts.length ? 'none at this severity' : 'no alerts yet' }),
    ]);
  fill(
    container,
    shown.map((a) =>
      el('li', { testid: 'alert-item' }, [
        el('span', {
          class: `sev ${SEVERITY_RANK[a.severity] !== undefined ? a.severity : ''}`,
          text: a.severity,
        }),
        el('span', { class: 'time', text: formatClock(a.detected_at) }),
        el('div', {}, [
          el('div', { class: 'msg', text: a.message, testid: 'alert-message' }),
          el('div', { class: 'pattern', text: `${a.pattern} · ${a.key}` }),
        ]),
      ]),
    ),
  );
}
