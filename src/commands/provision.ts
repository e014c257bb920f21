import { setting } from '../config/settings.js';
import * as v from '../config/values.js';
import { defineCommand } from './define.js';
import { transportSettings } from './settings.js';

/** Security options of a real cluster; the transport reads the same names (see src/transport/kafka/options.ts). */
export const kafkaSecuritySettings = {
  ssl: setting({ key: 'ssl', flags: '--ssl', description: 'connect to Kafka over TLS', parse: v.bool, default: false }),
  sslCa: setting({ key: 'sslCa', flags: '--ssl-ca <file>', description: 'PEM file of the CA that signed the brokers (implies --ssl)', parse: v.string }),
  sslCert: setting({ key: 'sslCert', flags: '--ssl-cert <file>', description: 'PEM client certificate for mutual TLS', parse: v.string }),
  sslKey: setting({ key: 'sslKey', flags: '--ssl-key <file>', description: 'PEM client key for mutual TLS', parse: v.string }),
  saslMechanism: setting({ key: 'saslMechanism', flags: '--sasl-mechanism <m>', description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512', parse: v.oneOf('plain', 'scram-sha-256', 'scram-sha-512') }),
  saslUsername: setting({ key: 'saslUsername', flags: '--sasl-username <name>', description: 'SASL user', parse: v.string }),
  saslPassword: setting({ key: 'saslPassword', flags: '--sasl-password <secret>', description: 'SASL password (prefer the environment variable)', parse: v.string }),
};

export const provisionSettings = {
  ...transportSettings,
  ...kafkaSecuritySettings,
  topology: setting({ key: 'topology', flags: '--topology <file>', description: 'topology file (JSON); the reference documents\' topics by default (fixtures/topology/default.json)', parse: v.string }),
  dryRun: setting({ key: 'dryRun', flags: '--dry-run', description: 'print the plan, change nothing', parse: v.bool, default: false }),
  delete: setting({ key: 'delete', flags: '--delete', description: "remove the topology's topics", parse: v.bool, default: false }),
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
    const { provisionCommand } = await import('../provision/command.js');
    return provisionCommand(options, ctx);
  },
});
