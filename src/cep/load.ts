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

/**
 * Files or directories of *.cep (sorted), with names unique across all of them. Each path must hold at
 * least one definition: an empty file, a comments-only file or a directory without .cep files is an
 * error (exit code 2), the same for `rtap patterns check` and `rtap process --patterns`, since loading
 * nothing from a path the user named is never what was meant.
 */
export function loadPatternFiles(paths: string[]): PatternDefinition[] {
  const out: PatternDefinition[] = [];
  const where = new Map<string, string>();
  for (const path of paths) {
    const files = cepFiles(path);
    const before = out.length;
    loadFiles(files, out, where);
    if (out.length === before)
      throw new UsageError(
        `no patterns found in ${path}: ${
          files.length === 0
            ? 'the directory has no .cep files'
            : `${files.length === 1 ? 'the file has' : `its ${files.length} .cep files have`} no definitions, only comments or blank lines (a definition starts with NAME, PATTERN or RULE)`
        }`,
      );
  }
  return out;
}

function loadFiles(files: string[], out: PatternDefinition[], where: Map<string, string>): void {
  for (const file of files) {
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
}
