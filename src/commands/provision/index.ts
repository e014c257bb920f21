import { setting } from '../../config/settings.js';
import * as v from '../../config/values.js';
import { defineCommand } from '../define.js';
import { presetSetting, transportSettingsWithout } from '../settings.js';

/** Security options of a real cluster; the transport reads the same names (see src/transport/kafka/options.ts). */

export const provisionSettings = {
  preset: presetSetting,
  ...transportSettingsWithout('without it, the brokers of the local stack started by `rtap stack up`'),
  topology: setting({
    key: 'topology',
    flags: '--topology <file>',
    description:
      "topology file (JSON); the reference documents' topics by default (fixtures/topology/default.json)",
    parse: v.string,
    file: 'input',
  }),
  dryRun: setting({
    key: 'dryRun',
    flags: '--dry-run',
    description: 'print the plan, change nothing',
    parse: v.bool,
    default: false,
  }),
  delete: setting({
    key: 'delete',
    flags: '--delete',
    description: "remove the topology's topics",
    parse: v.bool,
    default: false,
  }),
};

export const provision = defineCommand({
  name: 'provision',
  summary: 'create the pipeline topics on Kafka from a topology file (idempotent)',
  description:
    'Creates the topics of a topology file. Replication is lowered to the number of brokers, with a warning. Existing topics are compared, not recreated: a second run changes nothing and says so, and a topic whose partitions, replication or config differ is reported as drift (exit 1) and left alone. Without --brokers it uses the local stack started by `rtap stack up`.',
  examples: [
    'rtap provision',
    'rtap provision --dry-run',
    'rtap provision --brokers kafka-1:9092,kafka-2:9092 --topology fixtures/topology/default.json',
    'rtap provision --delete',
  ],
  settings: provisionSettings,
  async run(options, ctx) {
    const { provisionCommand } = await import('./wiring.js');
    return provisionCommand(options, ctx);
  },
});
