import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';
import { uiSettings } from '../run/index.js';
import { engineSettings, loadSettings, transportSettings } from '../settings.js';

export const alertsSettings = {
  ...transportSettings,
  fromBeginning: setting({
    key: 'fromBeginning',
    flags: '--from-beginning',
    description: 'with --brokers: start at the oldest alert in the topic (default: only new ones)',
    parse: v.bool,
    default: false,
  }),
  tail: setting({
    key: 'tail',
    flags: '--tail <n>',
    description: 'with --brokers: show the newest N alerts already in the topic, then follow',
    parse: v.nonNegativeInt,
  }),
  pattern: setting({
    key: 'pattern',
    flags: '--pattern <names>',
    description: 'only alerts whose pattern contains one of these (comma-separated)',
    parse: v.string,
  }),
  severity: setting({
    key: 'severity',
    flags: '--severity <list>',
    description: 'only these severities: critical, warning, info (comma-separated)',
    parse: v.string,
  }),
  key: setting({
    key: 'key',
    flags: '--key <keys>',
    description: 'only alerts whose key (user, session) contains one of these',
    parse: v.string,
  }),
  max: setting({
    key: 'max',
    flags: '--max <n>',
    description: 'exit after this many alerts (after the filters)',
    parse: v.count,
  }),
  exitOnEnd: setting({
    key: 'exitOnEnd',
    flags: '--exit-on-end',
    description: 'with --brokers: exit once the alerts already in the topic have been read',
    parse: v.bool,
    default: false,
  }),
  topic: setting({
    key: 'topic',
    flags: '--topic <name>',
    description: 'the alerts topic',
    parse: v.string,
    default: 'cep-alerts',
  }),
  seed: loadSettings.seed,
  rate: loadSettings.rate,
  duration: setting({
    ...loadSettings.duration,
    description: 'without --brokers: simulate this long, then exit (default: until q or Ctrl-C)',
  }),
  users: loadSettings.users,
  fraudShare: setting({
    key: 'fraudShare',
    flags: '--fraud-share <share>',
    description: 'without --brokers: share of purchasing users who turn fraudulent',
    parse: v.share,
    default: 0.05,
  }),
  patterns: engineSettings.patterns,
  ...uiSettings,
};

export const alerts = defineCommand({
  name: 'alerts',
  summary: 'tail CEP alerts in a terminal UI (Kafka cep-alerts topic, or a simulation of its own)',
  description:
    'With --brokers, follows the cep-alerts topic (what `rtap process --sink topics` writes) and prints each alert as a line above a footer with counts per severity and pattern, alerts per minute and the age of the last alert. Keys: p pause/resume, f filter, c clear, q quit, ? help. Without --brokers there is no other process to follow (the embedded log lives inside one process), so rtap alerts simulates and processes traffic itself, like `rtap run`, and shows only its alerts. Not a terminal, or --json: one JSON object per line.',
  examples: [
    'rtap alerts --brokers 127.0.0.1:9092',
    'rtap alerts --brokers 127.0.0.1:9092 --tail 20 --severity critical',
    'rtap alerts --brokers 127.0.0.1:9092 --from-beginning --exit-on-end --json | jq .pattern',
    'rtap alerts --rate 500/s --pattern fraud',
    'rtap alerts --duration 1m --max 10 --json',
  ],
  settings: alertsSettings,
  async run(options, ctx) {
    const { alertsCommand } = await import('./wiring.js');
    return alertsCommand(options, ctx);
  },
});
