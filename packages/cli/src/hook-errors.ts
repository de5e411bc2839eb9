import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A place in a source file, 1-based like editors and stack traces. */
interface Where {
  file: string;
  line: number;
  column: number;
}

const toPath = (f: string) => (f.startsWith('file:') ? fileURLToPath(f) : f);

/** esbuild (tsx): "Transform failed with 1 error:\n/x/job.ts:2:20: ERROR: Unexpected ";"" (0-based column). */
function compilerError(message: string): { where: Where; text: string } | undefined {
  const m = /^(.+?):(\d+):(\d+): ERROR: (.+)$/m.exec(message);
  if (!m) return undefined;
  return {
    where: { file: m[1] as string, line: Number(m[2]), column: Number(m[3]) + 1 },
    text: m[4] as string,
  };
}

/** A source file's text, or undefined when it cannot be read (the message then goes without a place). */
function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Where `importer` writes the specifier `spec` (in quotes), for a module that was not found. */
function importSite(importer: string, spec: string): Where | undefined {
  const text = readSource(importer);
  if (text === undefined) return undefined;
  const candidates = [spec, spec.replace(/\.[cm]?[jt]sx?$/, '')];
  for (const s of candidates) {
    for (const quote of ["'", '"', '`']) {
      const at = text.indexOf(`${quote}${s}${quote}`);
      if (at === -1) continue;
      const before = text.slice(0, at).split('\n');
      return { file: importer, line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
    }
  }
  return undefined;
}

/** A missing import: Node's ESM and CommonJS messages name the specifier and the importer differently. */
function missingImport(error: Error): { where: Where; text: string } | undefined {
  const esm = /^Cannot find (?:module|package) '([^']+)' imported from (.+)$/m.exec(error.message);
  const cjs = /^Cannot find module '([^']+)'\nRequire stack:\n- (.+)$/m.exec(error.message);
  const m = esm ?? cjs;
  if (!m) return undefined;
  const importer = toPath(m[2] as string);
  const missing = m[1] as string;
  // ESM gives the resolved path; the source has it relative.
  const basename = missing.split('/').at(-1) as string;
  const where = importSite(importer, missing) ?? findRelative(importer, basename);
  if (!where) return undefined;
  return { where, text: `cannot find module '${missing}'` };
}

function findRelative(importer: string, basename: string): Where | undefined {
  const text = readSource(importer);
  if (text === undefined) return undefined;
  const m = new RegExp(
    `['"\`](\\.{1,2}/[^'"\`]*${basename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.[cm]?[jt]sx?)?)['"\`]`,
  ).exec(text);
  return m ? importSite(importer, m[1] as string) : undefined;
}

/**
 * V8's syntax and link errors start the stack with the place and a caret:
 * "/x/job.ts:1\nimport { nope } from './helper';\n         ^\n\nSyntaxError: ...".
 */
function arrowed(stack: string): Where | undefined {
  const [head, , caret] = stack.split('\n');
  const m = /^((?:file:\/\/)?\/.+):(\d+)$/.exec(head ?? '');
  if (!m || caret === undefined || !/^\s*\^+\s*$/.test(caret)) return undefined;
  return { file: toPath(m[1] as string), line: Number(m[2]), column: caret.indexOf('^') + 1 };
}

/**
 * Node 20 gives a JavaScript module's syntax error no place; `node --check`
 * prints it (only on this error path, so the extra process costs nothing).
 */
function checkSyntax(error: Error, file: string): Where | undefined {
  if (error.name !== 'SyntaxError' || !/\.[cm]?js$/.test(file)) return undefined;
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  return check.status === 0 ? undefined : arrowed(check.stderr ?? '');
}

/** The first stack frame in user code (not node: internals, not node_modules). */
function thrownAt(error: Error): Where | undefined {
  for (const line of (error.stack ?? '').split('\n').slice(1)) {
    const m = /(?:\(|at )((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m || /node_modules|^node:/.test(m[1] as string)) continue;
    return { file: toPath(m[1] as string), line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * One line for a hook that failed to load: `file:line:column: message` when
 * the place is known (the compiler's syntax error, the import that is
 * missing, the line that threw while loading), else the first line of the message.
 */
export function describeLoadError(error: unknown, file: string): string {
  if (!(error instanceof Error)) return String(error);
  const found = compilerError(error.message) ?? missingImport(error);
  if (found) return `${found.where.file}:${found.where.line}:${found.where.column}: ${found.text}`;
  const first = error.message.split('\n')[0] ?? '';
  const at = arrowed(error.stack ?? '') ?? checkSyntax(error, file) ?? thrownAt(error);
  return at ? `${at.file}:${at.line}:${at.column}: ${error.name}: ${first}` : first;
}
