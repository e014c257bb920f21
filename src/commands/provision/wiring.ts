import type { CommandContext, OptionsOf } from '../define.js';
import type { provisionSettings } from './index.js';
import { EXIT, RtapError } from '../../errors.js';
import { stackStatus } from '../../stack/index.js';
import { kafkaSecurityOptions, openTransport } from '../../transport/open.js';
import { DEFAULT_TOPOLOGY, formatProvision, loadTopology, provision } from '../../provision/index.js';

/** Maps the TLS/SASL flags to transport options; shared by every command that talks to a real cluster. */

/** --brokers, else the local stack's brokers: so `rtap stack up && rtap provision` needs no address. */
async function targetBrokers(brokers: string[] | undefined): Promise<string[]> {
  if (brokers?.length) return brokers;
  const s = await stackStatus();
  if (s.running && s.state) return s.state.brokers;
  throw new RtapError(
    'no Kafka to provision: pass --brokers host:port, or start a local one with `rtap stack up`',
    EXIT.USAGE,
  );
}

export async function provisionCommand(
  o: OptionsOf<typeof provisionSettings>,
  ctx: CommandContext,
): Promise<number> {
  const file = o.topology ?? DEFAULT_TOPOLOGY;
  const topology = loadTopology(file);
  const brokers = await targetBrokers(o.brokers);
  const transport = await openTransport({ brokers, ...kafkaSecurityOptions(o), clientId: 'rtap-provision' });
  try {
    const r = await provision(transport.admin(), topology, { dryRun: o.dryRun, delete: o.delete });
    if (ctx.json)
      ctx.stdout.write(
        JSON.stringify({ target: transport.description, topology: file, ...r }, null, 2) + '\n',
      );
    else ctx.stdout.write(formatProvision(r, transport.description, file));
    return r.drifted.length ? EXIT.FAILURE : EXIT.OK;
  } finally {
    await transport.close();
  }
}
