import type { CommandContext } from '../define.js';
import { explainPattern } from '../../cep/explain.js';
import { defaultPatternDir, loadPatternFiles } from '../../cep/load.js';

/** `rtap patterns check [files...]`: validation errors are thrown (CepSyntaxError, exit 2). */
export async function patternsCheckCommand(ctx: CommandContext): Promise<number> {
  const paths = ctx.args.length ? ctx.args : [defaultPatternDir()];
  const defs = loadPatternFiles(paths);
  if (ctx.json) {
    const out = defs.map((d) => ({
      name: d.name,
      kind: d.kind,
      severity: d.severity,
      file: d.file,
      line: d.line,
      explanation: explainPattern(d),
    }));
    ctx.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    ctx.stdout.write(defs.map(explainPattern).join('\n\n') + '\n');
  }
  const rules = defs.filter((d) => d.kind === 'rule').length;
  ctx.log(`ok: ${defs.length - rules} pattern(s) and ${rules} rule(s) in ${paths.join(', ')}`);
  return 0;
}
