import type { CommandContext, OptionsOf } from '../define.js';
import type { stackDownSettings, stackUpSettings } from './index.js';
import { EXIT } from '../../errors.js';
import { stackDown, stackStatus, stackUp } from '../../stack/index.js';

export async function stackUpCommand(
  o: OptionsOf<typeof stackUpSettings>,
  ctx: CommandContext,
): Promise<number> {
  const r = await stackUp({ nodes: o.nodes, port: o.port, runtime: o.runtime, heap: o.heap, log: ctx.log });
  const s = r.state;
  if (ctx.json) {
    ctx.stdout.write(
      JSON.stringify({ alreadyRunning: r.alreadyRunning, runtimeReason: r.runtimeReason, ...s }, null, 2) +
        '\n',
    );
    return EXIT.OK;
  }
  const what =
    s.runtime === 'native'
      ? `Apache Kafka ${s.kafkaVersion}, native JVM, ${s.nodes?.length ?? 1} node(s)`
      : `${s.container?.image}, container`;
  ctx.stdout.write(`${r.alreadyRunning ? 'already running' : 'running'}: ${what} (${r.runtimeReason})\n`);
  ctx.stdout.write(`brokers: ${s.brokers.join(',')}\n`);
  for (const n of s.nodes ?? [])
    ctx.stdout.write(`  node ${n.nodeId}  127.0.0.1:${n.port}  pid ${n.pid}  log ${n.logFile}\n`);
  ctx.log(
    `next: rtap provision   (topics)   ·   rtap bench --brokers ${s.brokers.join(',')} --duration 60s   ·   rtap stack down`,
  );
  return EXIT.OK;
}

export async function stackDownCommand(
  o: OptionsOf<typeof stackDownSettings>,
  ctx: CommandContext,
): Promise<number> {
  const r = await stackDown({ purge: o.purge });
  if (ctx.json) {
    ctx.stdout.write(
      JSON.stringify(
        { stopped: r.state !== null, runtime: r.state?.runtime ?? null, nodes: r.nodes, purged: o.purge },
        null,
        2,
      ) + '\n',
    );
    return EXIT.OK;
  }
  if (!r.state) {
    ctx.stdout.write('no local Kafka stack is recorded: nothing to stop\n');
    return EXIT.OK;
  }
  if (r.state.runtime === 'container')
    ctx.stdout.write(`stopped container ${r.state.container?.id.slice(0, 12)}\n`);
  for (const n of r.nodes) {
    const how =
      n.result === 'exited'
        ? 'stopped'
        : n.result === 'killed'
          ? 'killed (did not stop within the grace period)'
          : 'was not running';
    ctx.stdout.write(`node ${n.nodeId} (pid ${n.pid}): ${how}\n`);
  }
  if (o.purge) ctx.stdout.write(`data removed from ${r.state.stackDir}\n`);
  return EXIT.OK;
}

export async function stackStatusCommand(ctx: CommandContext): Promise<number> {
  const s = await stackStatus();
  if (ctx.json) {
    ctx.stdout.write(JSON.stringify(s, null, 2) + '\n');
    return s.running ? EXIT.OK : EXIT.FAILURE;
  }
  if (!s.state) {
    ctx.stdout.write('no local Kafka stack (start one with: rtap stack up)\n');
    return EXIT.FAILURE;
  }
  ctx.stdout.write(
    `${s.running ? 'running' : 'NOT running'}: ${s.state.runtime} Kafka ${s.state.kafkaVersion}, started ${s.state.startedAt}\n`,
  );
  ctx.stdout.write(`brokers: ${s.state.brokers.join(',')}\n`);
  for (const n of s.nodes) {
    ctx.stdout.write(
      `  node ${n.nodeId}  ${n.broker}  pid ${n.pid}  ${n.running ? (n.accepting ? 'up' : 'starting (port not accepting yet)') : 'down'}  log ${n.logFile}\n`,
    );
  }
  // Exit status scripts can test: 0 when the stack runs.
  return s.running ? EXIT.OK : EXIT.FAILURE;
}
