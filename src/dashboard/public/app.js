/* global document, window, WebSocket, location, performance, URLSearchParams */
/**
 * The dashboard page: one WebSocket to /ws (an `init` snapshot, then one `update` per batch interval),
 * automatic reconnect with backoff, and rendering through dom.js (text only, never markup).
 */
import { healthChart, trafficChart } from './charts.js';
import { formatAge } from './format.js';
import { renderAlerts, renderFunnel, renderGeo, renderHealth, renderTiles, renderTop } from './render.js';

const MAX_TRAFFIC = 360;
const MAX_HEALTH = 600;
const MAX_ALERTS = 500;
const STALE_MS = 10_000;

const $ = (id) => document.getElementById(id);
const ui = {
  badge: $('badge'),
  age: $('age'),
  feed: $('feed'),
  tiles: $('tiles'),
  funnel: $('funnel'),
  funnelRange: $('funnel-range'),
  topPages: $('top-pages'),
  topProducts: $('top-products'),
  topWindow: $('top-window'),
  geo: $('geo'),
  geoWindow: $('geo-window'),
  health: $('health'),
  alerts: $('alerts'),
  alertCount: $('alert-count'),
  severity: $('severity'),
};
const drawTraffic = trafficChart($('chart-traffic'));
const drawHealth = healthChart($('chart-health'));

const state = {
  traffic: [],
  health: [],
  alerts: [],
  alertIds: new Set(),
  ageMs: null,
  ageAt: 0,
  connected: false,
};

function upsertPoints(list, points, max) {
  for (const p of points) {
    let i = list.length - 1;
    while (i >= 0 && list[i].t > p.t) i--;
    if (i >= 0 && list[i].t === p.t) list[i] = p;
    else list.splice(i + 1, 0, p);
  }
  if (list.length > max) list.splice(0, list.length - max);
}

function addAlerts(alerts) {
  for (const a of alerts) {
    if (state.alertIds.has(a.alert_id)) continue;
    state.alertIds.add(a.alert_id);
    state.alerts.push(a);
  }
  while (state.alerts.length > MAX_ALERTS) state.alertIds.delete(state.alerts.shift().alert_id);
}

function apply(d) {
  if (d.tiles) renderTiles(ui.tiles, d.tiles);
  if (d.funnel) renderFunnel(ui.funnel, ui.funnelRange, d.funnel);
  if (d.top !== undefined) renderTop(ui.topPages, ui.topProducts, ui.topWindow, d.top);
  if (d.geo !== undefined) renderGeo(ui.geo, ui.geoWindow, d.geo);
  if (d.health !== undefined) renderHealth(ui.health, d.health);
  if (d.traffic) {
    upsertPoints(state.traffic, d.traffic, MAX_TRAFFIC);
    drawTraffic(state.traffic);
  }
  if (d.healthPoints) {
    upsertPoints(state.health, d.healthPoints, MAX_HEALTH);
    drawHealth(state.health);
  }
  if (d.alerts) {
    addAlerts(d.alerts);
    renderAlerts(ui.alerts, ui.alertCount, state.alerts, ui.severity.value);
  }
}

function onMessage(msg) {
  state.ageMs = msg.age_ms;
  state.ageAt = performance.now();
  if (msg.type === 'init') {
    const s = msg.state;
    ui.feed.textContent = s.feed;
    state.traffic = [];
    state.health = [];
    apply({
      tiles: s.tiles,
      funnel: s.funnel,
      top: s.top,
      geo: s.geo,
      health: s.health,
      traffic: s.series.traffic,
      healthPoints: s.series.health,
      alerts: s.alerts,
    });
    renderAlerts(ui.alerts, ui.alertCount, state.alerts, ui.severity.value);
  } else if (msg.type === 'update') apply(msg.delta);
  refreshStatus();
}

function currentAge() {
  return state.ageMs === null ? null : state.ageMs + (performance.now() - state.ageAt);
}

function refreshStatus() {
  const age = currentAge();
  let badge = 'reconnecting';
  if (state.connected) badge = age === null ? 'connecting' : age > STALE_MS ? 'stale' : 'live';
  else if (state.attempt === 0) badge = 'connecting';
  ui.badge.className = `badge ${badge}`;
  ui.badge.textContent = badge;
  ui.age.textContent = formatAge(age);
}

state.attempt = 0;
function connect() {
  const token = new URLSearchParams(location.search).get('token');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WebSocket(url);
  ws.onopen = () => {
    state.connected = true;
    state.attempt = 0;
    refreshStatus();
  };
  ws.onmessage = (ev) => {
    try {
      onMessage(JSON.parse(ev.data));
    } catch (err) {
      console.error('dashboard: bad message', err);
    }
  };
  ws.onclose = () => {
    state.connected = false;
    state.attempt++;
    refreshStatus();
    // Exponential backoff with jitter, capped: a restarted server is picked up within a few seconds.
    const delay = Math.min(5000, 250 * 2 ** Math.min(state.attempt, 5)) * (0.75 + Math.random() * 0.5);
    window.setTimeout(connect, delay);
  };
}

ui.severity.addEventListener('change', () =>
  renderAlerts(ui.alerts, ui.alertCount, state.alerts, ui.severity.value),
);
window.setInterval(refreshStatus, 250);
connect();
