import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { ConfigProblem } from '@qdo/common';
import { type IniDocument, type IniSection, parseIni } from '@qdo/common';
import { convertValue } from './values.js';

/** Shows a path relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && rel.length < file.length ? rel : file;
}

/**
 * Reads an INI file and the base files its DEFAULT `extends` names (paths
 * relative to the including file). The including file wins key by key;
 * `extends` itself is removed from the result.
 */
export function readConfigDocument(
  file: string,
  env: Record<string, string | undefined>,
  problems: ConfigProblem[],
  stack: readonly string[] = [],
): IniDocument {
  const path = resolve(file);
  const shown = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : String((error as Error).message);
    problems.push({ file: shown, message: `cannot read config file: ${reason}` });
    return { file: shown, sections: new Map(), headers: new Map() };
  }
  const doc = parseIni(text, shown, problems);
  const extendsEntry = doc.sections.get('DEFAULT')?.get('extends');
  if (!extendsEntry) return doc;
  doc.sections.get('DEFAULT')?.delete('extends');
  const value = convertValue(extendsEntry, {
    env,
    section: 'DEFAULT',
    key: 'extends',
    problems,
    asText: true,
  });
  for (const base of Array.isArray(value) ? value : [value]) {
    const basePath = resolve(dirname(path), String(base));
    if (basePath === path || stack.includes(basePath)) {
      const chain = [...stack, path, basePath].map(displayPath).join(' -> ');
      problems.push({
        file: shown,
        line: extendsEntry.line,
        section: 'DEFAULT',
        key: 'extends',
        message: `extends cycle: ${chain}`,
      });
      continue;
    }
    const before = problems.length;
    const baseDoc = readConfigDocument(basePath, env, problems, [...stack, path]);
    const missing = problems
      .slice(before)
      .find((p) => p.message.startsWith('cannot read config file'));
    if (missing && missing.file === displayPath(basePath)) {
      problems.splice(problems.indexOf(missing), 1, {
        file: shown,
        line: extendsEntry.line,
        section: 'DEFAULT',
        key: 'extends',
        message: `base file ${displayPath(basePath)}: ${missing.message.replace('cannot read config file: ', '')}`,
      });
    }
    mergeUnder(doc, baseDoc);
  }
  return doc;
}

/** Adds `base`'s sections and keys where `doc` has none of its own. */
function mergeUnder(doc: IniDocument, base: IniDocument): void {
  for (const [name, baseSection] of base.sections) {
    let section = doc.sections.get(name);
    if (!section) {
      section = new Map() as IniSection;
      doc.sections.set(name, section);
      const header = base.headers.get(name);
      if (header) doc.headers.set(name, header);
    }
    for (const [key, entry] of baseSection) if (!section.has(key)) section.set(key, entry);
  }
}
