import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import chalk from 'chalk';
import { EXIT, RtapError } from './errors.js';
import { loadConfigFile, resolveSettings } from './config/resolve.js';
import { envName, isBooleanFlag, longFlag, type Setting } from './config/settings.js';
import { MASK, redactStream, secretValues } from './config/secrets.js';
import { formatValue } from './config/values.js';
import { checkInputFile, checkOutputFile, whereFrom } from './files/check.js';
import type { CommandContext, CommandDefinition } from './commands/define.js';
import { COMMANDS } from './commands/index.js';
import type { Preset } from './presets/index.js';
import { PACKAGE_ROOT } from './paths.js';
import { join } from 'node:path';

const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    failure (runtime error, unreachable broker, ...)
  2    usage error (unknown command or flag, invalid value, bad config file)
  97   bench --check: results differ from the independent recomputation
  98   bench: invalid run (the load generator could not hold its schedule)
  99   bench: a threshold or baseline regression failed
  130  interrupted (Ctrl-C)`;

function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function formatDefault(s: Setting): string {
  return s.display ? s.display(s.default) : formatValue(s.default, s.parse);
}

function addSettings(cmd: Command, settings: Setting[]) {
  for (const s of settings) {
    if (camel(longFlag(s)) !== s.key)
      throw new Error(`setting ${s.key} does not match its flag ${longFlag(s)}`);
    const env = envName(s);
    const shown =
      s.default !== undefined && !isBooleanFlag(s) && !(Array.isArray(s.default) && s.default.length === 0);
    const extra = [shown ? `default: ${formatDefault(s)}` : '', env ? `env: ${env}` : '']
      .filter(Boolean)
      .join('; ');
    const opt = new Option(s.flags, extra ? `${s.description} (${extra})` : s.description);
    if (s.repeatable) opt.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    cmd.addOption(opt);
  }
}

interface Globals {
  json?: boolean | string;
  color?: boolean;
  config?: string;
  printConfig?: boolean;
}

/**
 * The global switches, accepted before the subcommand (`rtap --json bench`) and after it (`rtap bench
 * --json out.json`). Where a command takes no positional arguments `--json` may name a file; elsewhere a
 * value after it would be ambiguous with the arguments, so it is a plain switch.
 */
function addGlobalOptions(cmd: Command, jsonTakesFile: boolean): Command {
  return cmd
    .option(
      jsonTakesFile ? '--json [file]' : '--json',
      jsonTakesFile
        ? 'machine-readable JSON: on stdout, or written to <file> (reports) while stdout stays human'
        : 'machine-readable JSON on stdout',
    )
    .option('--no-color', 'disable colour (also NO_COLOR=1, or when output is not a terminal)')
    .option(
      '--config <file>',
      'JSON config file (precedence: defaults < config file < RTAP_* env < flags; env: RTAP_CONFIG)',
    )
    .option(
      '--print-config',
      'print the effective configuration of the command, with where each value came from, and exit',
    );
}

function buildCommand(
  parent: Command,
  def: CommandDefinition,
  path: string[],
  run: (def: CommandDefinition, cmd: Command, path: string[]) => Promise<void>,
) {
  const cmd = parent
    .command(def.name)
    .summary(def.summary)
    .description(def.description ?? def.summary);
  for (const a of def.args ?? []) {
    const name = a.variadic ? `${a.name}...` : a.name;
    cmd.argument(a.required ? `<${name}>` : `[${name}]`, a.description);
  }
  addSettings(cmd, Object.values(def.settings));
  if (def.examples.length)
    cmd.addHelpText('after', `\nExamples:\n${def.examples.map((e) => `  $ ${e}`).join('\n')}`);
  cmd.showSuggestionAfterError(true);
  if (def.subcommands?.length) {
    for (const sub of def.subcommands) buildCommand(cmd, sub, [...path, sub.name], run);
  } else {
    addGlobalOptions(cmd, !def.args?.length);
    cmd.action(async () => run(def, cmd, path));
  }
}

export function buildProgram(
  onRun: (def: CommandDefinition, cmd: Command, path: string[]) => Promise<void>,
): Command {
  const program = addGlobalOptions(
    new Command('rtap')
      .description(
        'Run and benchmark a real-time website-analytics pipeline: simulate load, process it with event-time windows and CEP, and measure end-to-end latency with HDR histograms.',
      )
      .version(VERSION, '-V, --version', 'print the rtap version')
      .enablePositionalOptions()
      // Before any subcommand exists, so they inherit it: commander errors become exit code 2, not exit(1).
      .exitOverride()
      .configureOutput({ writeErr: (str) => process.stderr.write(str) }),
    false,
  )
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\nExamples:\n  $ rtap bench --duration 30s            # whole pipeline on the embedded log, latency report\n  $ rtap simulate --rate 200/s --duration 1m --out events.jsonl.gz\n  $ rtap process --input events.jsonl.gz --output results.jsonl\n  $ rtap stack up && rtap provision && rtap bench --brokers 127.0.0.1:9092 --duration 60s\n${EXIT_CODES_HELP}`,
    );
  for (const def of COMMANDS) buildCommand(program, def, [def.name], onRun);
  return program;
}

/** The settings of every command that takes --preset, by command name: what a preset may set. */
function presetCommands(): Record<string, Set<string>> {
  const out: Record<string, Set<string>> = {};
  for (const def of COMMANDS)
    if ('preset' in def.settings) out[def.name] = new Set(Object.values(def.settings).map((s) => s.key));
  return out;
}

function writeEffectiveConfig(ctx: CommandContext, path: string[]) {
  if (ctx.json) {
    ctx.stdout.write(
      JSON.stringify({ command: path.join(' '), settings: ctx.effectiveConfig }, null, 2) + '\n',
    );
    return;
  }
  const rows = Object.entries(ctx.effectiveConfig);
  const w = Math.max(...rows.map(([k]) => k.length), 7);
  ctx.stdout.write(`effective configuration of 'rtap ${path.join(' ')}':\n`);
  for (const [k, v] of rows) {
    ctx.stdout.write(`  ${k.padEnd(w)}  ${JSON.stringify(v.value) ?? 'unset'}  (${v.source})\n`);
  }
}

export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.INTERRUPTED);
    process.stderr.write(`\nrtap: ${sig} received, stopping cleanly (again to force)\n`);
    controller.abort(sig);
  };
  // `rtap ... | head` closes stdout early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode: number = EXIT.OK;
  let unredact = () => {};
  const program = buildProgram(async (def, cmd, path) => {
    // Switches given after the subcommand win over the same ones given before it.
    const before = program.opts() as Globals;
    const after = cmd.opts() as Globals;
    const given = (k: keyof Globals) => cmd.getOptionValueSource(k) === 'cli';
    const globals: Globals = {
      json: given('json') ? after.json : before.json,
      color: after.color === false || before.color === false ? false : undefined,
      config: after.config ?? before.config,
      printConfig: after.printConfig || before.printConfig,
    };
    const configPath = globals.config ?? process.env.RTAP_CONFIG;
    const config = configPath ? loadConfigFile(configPath) : null;
    const settings = Object.values(def.settings) as Setting[];
    const flagValues: Record<string, unknown> = {};
    const opts = cmd.opts();
    for (const s of settings) if (cmd.getOptionValueSource(s.key) === 'cli') flagValues[s.key] = opts[s.key];
    let resolved = resolveSettings(settings, flagValues, process.env, config, path);
    // --preset (or RTAP_PRESET, or "preset" in --config) adds its settings as the lowest layer.
    let preset: Preset | undefined;
    if ('preset' in def.settings && typeof resolved.values.preset === 'string') {
      const { loadPreset } = await import('./presets/load.js');
      preset = loadPreset(resolved.values.preset, presetCommands());
      resolved = resolveSettings(settings, flagValues, process.env, config, path, {
        path: preset.file,
        data: preset.settings,
      });
    }
    const color = globals.color !== false && !process.env.NO_COLOR && Boolean(process.stdout.isTTY);
    chalk.level = color ? chalk.level || 1 : 0;
    unredact = redactStream(process.stderr, secretValues(settings, resolved.values));
    const effectiveConfig: CommandContext['effectiveConfig'] = {};
    for (const s of settings)
      effectiveConfig[s.key] = {
        // A secret is never printed, nor written into reports (bench --json embeds this configuration).
        value: s.secret && resolved.values[s.key] !== undefined ? MASK : resolved.values[s.key],
        source: resolved.sources[s.key].from
          ? `${resolved.sources[s.key].source}: ${resolved.sources[s.key].from}`
          : resolved.sources[s.key].source,
      };
    const ctx: CommandContext = {
      json: globals.json === true,
      jsonFile: typeof globals.json === 'string' ? globals.json : undefined,
      color,
      interactive: Boolean(process.stdout.isTTY) && !process.env.CI,
      stdout: process.stdout,
      stderr: process.stderr,
      log: (m) => process.stderr.write(m.endsWith('\n') ? m : m + '\n'),
      args: cmd.args,
      signal: controller.signal,
      effectiveConfig,
      preset,
    };
    if (globals.printConfig) {
      writeEffectiveConfig(ctx, path);
      return;
    }
    // Before any work: a path that cannot be read or written fails now, not after a whole run.
    for (const s of settings) {
      const value = resolved.values[s.key];
      if (!s.file || typeof value !== 'string') continue;
      const where = whereFrom(resolved.sources[s.key], longFlag(s));
      if (s.file === 'output') checkOutputFile(value, where);
      else checkInputFile(value, where);
    }
    if (ctx.jsonFile) checkOutputFile(ctx.jsonFile, '--json');
    const code = await def.run!(resolved.values as never, ctx);
    exitCode = typeof code === 'number' ? code : EXIT.OK;
  });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; everything commander rejects is a usage error.
      exitCode = err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else if (err instanceof RtapError) {
      process.stderr.write(`${chalk.red('rtap: error:')} ${err.message}\n`);
      if (err.hint) process.stderr.write(`${err.hint}\n`);
      exitCode = err.exitCode;
    } else {
      const e = err as Error;
      process.stderr.write(`${chalk.red('rtap: unexpected error:')} ${e?.message ?? String(err)}\n`);
      if (process.env.RTAP_DEBUG) process.stderr.write(`${e?.stack}\n`);
      else process.stderr.write('(set RTAP_DEBUG=1 for a stack trace)\n');
      exitCode = EXIT.FAILURE;
    }
  }
  unredact();
  if (controller.signal.aborted && exitCode === EXIT.OK) exitCode = EXIT.INTERRUPTED;
  process.exitCode = exitCode;
  // Commands close what they open; a lingering handle (a socket in a client library) must not keep
  // a finished CLI alive.
  setTimeout(() => process.exit(exitCode), 200).unref();
}
