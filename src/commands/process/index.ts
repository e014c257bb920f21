import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';
import {
  currencySettings,
  engineSettings,
  sinkSettings,
  threadsSetting,
  transportSettingsWithout,
  presetSetting,
  topologySetting,
} from '../settings.js';

export const processSettings = {
  preset: presetSetting,
  topology: topologySetting,
  ...transportSettingsWithout('without it, give --input (file mode: the embedded log)'),
  ...engineSettings,
  threads: threadsSetting,
  input: setting({
    key: 'input',
    flags: '--input <file>',
    description: 'file mode: process a recorded stream (events.jsonl[.gz]) and exit',
    parse: v.string,
    file: 'input',
  }),
  ...sinkSettings,
  dashboard: setting({
    key: 'dashboard',
    flags: '--dashboard <port>',
    description:
      'serve the live WebSocket dashboard on 127.0.0.1:<port> while processing (0 picks a free port)',
    parse: v.port,
  }),
  ...currencySettings,
  group: setting({
    key: 'group',
    flags: '--group <id>',
    description:
      'Kafka consumer group; with --scale-out (or --checkpoint-interval 0) instances of one group share the partitions, otherwise a newer one takes over from the older',
    parse: v.string,
    default: 'rtap-processor',
  }),
  checkpointInterval: setting({
    key: 'checkpointInterval',
    flags: '--checkpoint-interval <duration>',
    description:
      'Kafka: checkpoint state and commit outputs + offsets in one transaction this often (exactly-once; topic readers see results at each checkpoint); 0 = at-least-once, delivered offsets committed once a second and when partitions leave',
    parse: v.durationOrZero,
    default: 10_000,
  }),
  checkpointStore: setting({
    key: 'checkpointStore',
    flags: '--checkpoint-store <dir|kafka>',
    description:
      "where checkpoints are kept: 'dir', files under --checkpoint-dir; 'kafka', the group's compacted changelog topic <group>-checkpoints, readable by a process on any machine (for --scale-out across machines)",
    parse: v.oneOf<'dir' | 'kafka'>('dir', 'kafka'),
    default: 'dir' as const,
  }),
  checkpointDir: setting({
    key: 'checkpointDir',
    flags: '--checkpoint-dir <dir>',
    description: 'where checkpoints are written (default: ~/.cache/rtap/checkpoints/<group>)',
    parse: v.string,
  }),
  scaleOut: setting({
    key: 'scaleOut',
    flags: '--scale-out',
    description:
      "Kafka, with checkpoints: share the work with the other `rtap process --scale-out` of this group, task by task (partition p of every input topic), each task with its own checkpoints; windows are merged across processes; results equal one process's (docs/fault-tolerance.md)",
    parse: v.bool,
    default: false,
  }),
  fetchMaxBytes: setting({
    key: 'fetchMaxBytes',
    flags: '--fetch-max-bytes <size>',
    description:
      "Kafka: most bytes one fetch returns per partition (the consumer's max.partition.fetch.bytes); smaller fetches share a backlog more evenly between partitions",
    parse: v.bytes,
    default: 1024 * 1024,
  }),
  fromBeginning: setting({
    key: 'fromBeginning',
    flags: '--from-beginning',
    description: 'a group without committed offsets starts at the oldest record (default: the newest)',
    parse: v.bool,
    default: false,
  }),
};

export const process_ = defineCommand({
  name: 'process',
  summary: 'run the stream processor: event-time windows, views, CEP alerts',
  description:
    'Consumes the input topics (website-analytics-events, user-events, product-view, orders), decodes and validates every record (malformed ones go to events-deadletter with the reason), computes the views and CEP patterns, and writes results and alerts to the sinks. With --input it runs the same engine offline on a recording and exits.',
  examples: [
    'rtap process --input events.jsonl.gz --output results.jsonl',
    'rtap process --brokers 127.0.0.1:9092 --sink topics',
    'rtap process --brokers 127.0.0.1:9092 --sink topics,influx --dashboard 8080',
    'rtap process --brokers 127.0.0.1:9092 --group analytics --views realtime,kpis --output -',
    'rtap process --brokers 127.0.0.1:9092 --sink topics --scale-out --checkpoint-store kafka   # on several machines',
  ],
  settings: processSettings,
  async run(options, ctx) {
    const { processCommand } = await import('./wiring.js');
    return processCommand(options, ctx);
  },
});
