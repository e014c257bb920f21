import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UsageError } from '../errors.js';
import { fixturePath } from '../paths.js';
import type { PatternDefinition } from './ast.js';
import { checkDefinitions } from './check.js';
import { Source } from './errors.js';
import { Parser } from './parser.js';

/** Parses and checks the text of a .cep file; throws CepSyntaxError (file, line, column, caret, expected). */
export function parsePatterns(source: string, file = '<input>'): PatternDefinition[] {
  const src = new Source(source, file);
  return checkDefinitions(src, new Parser(src).parseFile());
}

/** The shipped reference alerts. */
export function defaultPatternDir(): string {
  return fixturePath('patterns');
}

function cepFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError(`pattern path ${path} does not exist`);
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((n) => n.endsWith('.cep'))
    .sort()
    .map((n) => join(path, n));
}

/** Files or directories of *.cep (sorted), with names unique across all of them. */
export function loadPatternFiles(paths: string[]): PatternDefinition[] {
  const out: PatternDefinition[] = [];
  const where = new Map<string, string>();
  for (const file of paths.flatMap(cepFiles)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read pattern file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const shown = relative(process.cwd(), file) || file;
    for (const def of parsePatterns(text, shown.startsWith('..') ? file : shown)) {
      const prev = where.get(def.name);
      if (prev)
        throw new UsageError(
          `${def.file}:${def.line}: pattern name '${def.name}' is already defined at ${prev}`,
        );
      where.set(def.name, `${def.file}:${def.line}`);
      out.push(def);
    }
  }
  return out;
}
