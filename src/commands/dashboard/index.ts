import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';
import { currencySettings, sinkSettings, transportSettingsWithout } from '../settings.js';

export const dashboardSettings = {
  ...transportSettingsWithout('required: the dashboard reads the output topics there'),
  port: setting({
    key: 'port',
    flags: '--port <port>',
    description: 'HTTP port of the dashboard (0 picks a free one)',
    parse: v.port,
    default: 8080,
    env: 'RTAP_DASHBOARD_PORT',
  }),
  host: setting({
    key: 'host',
    flags: '--host <address>',
    description: 'address to bind; anything but localhost should come with --token',
    parse: v.string,
    default: '127.0.0.1',
    env: 'RTAP_DASHBOARD_HOST',
  }),
  token: setting({
    key: 'token',
    flags: '--token <token>',
    description: 'access token required on every request (?token=, Authorization: Bearer)',
    parse: v.string,
    secret: true,
    env: 'RTAP_DASHBOARD_TOKEN',
  }),
  batchInterval: setting({
    key: 'batchInterval',
    flags: '--batch-interval <duration>',
    description: 'how often each browser gets one batched update',
    parse: v.duration,
    default: 1000,
    env: 'RTAP_DASHBOARD_BATCH_INTERVAL',
  }),
  ...currencySettings,
  fromLatest: setting({
    key: 'fromLatest',
    flags: '--from-latest',
    description: 'start at the end of the topics instead of loading their retained history',
    parse: v.bool,
    default: false,
    env: 'RTAP_DASHBOARD_FROM_LATEST',
  }),
  kpisFrom: setting({
    key: 'kpisFrom',
    flags: '--kpis-from <store>',
    description:
      "where /kpis?minutes_back= reads minute KPIs: 'memory' (the last 24 h the dashboard saw) or 'mongo' (the hot store of --sink mongo at --mongo-url, 7 days)",
    parse: v.oneOf('memory', 'mongo'),
    default: 'memory' as const,
  }),
  mongoUrl: sinkSettings.mongoUrl,
};

export const dashboard = defineCommand({
  name: 'dashboard',
  summary: 'serve the live web dashboard (KPIs, funnel, alerts, pipeline health) from the output topics',
  description:
    'Serves a single-page dashboard, its WebSocket stream and REST endpoints (/health, /kpis/latest, /kpis?minutes_back=, /funnel?minutes_back=, /alerts?limit=, /metrics for Prometheus). Standalone it reads the processed-metrics and cep-alerts topics (and counts events-deadletter) from Kafka; `rtap run` and `rtap process --dashboard <port>` serve it in-process instead. Bound to 127.0.0.1 unless --host says otherwise.',
  examples: [
    'rtap dashboard --brokers 127.0.0.1:9092',
    'rtap dashboard --brokers 127.0.0.1:9092 --port 9000 --batch-interval 500ms',
    'rtap dashboard --brokers kafka:9092 --host 0.0.0.0 --token "$(openssl rand -hex 16)"',
    'curl -s localhost:8080/funnel?minutes_back=5',
    'rtap dashboard --brokers 127.0.0.1:9092 --kpis-from mongo --mongo-url mongodb://127.0.0.1:27017/rtap',
  ],
  settings: dashboardSettings,
  async run(options, ctx) {
    const { dashboardCommand } = await import('./wiring.js');
    return dashboardCommand(options, ctx);
  },
});
