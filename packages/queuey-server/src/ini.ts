/**
 * A small INI reader, enough for Queuey's server file: `[section]`,
 * `key = value` (or `key: value`), `#`/`;` comment lines, and indented
 * continuation lines that make a multi-line value. `${NAME}` is replaced by
 * the environment variable (a missing one is a problem). Problems are
 * reported, not thrown, so a file's every problem can be shown at once.
 */
import type { ConfigProblem } from './errors.js';

export interface IniEntry {
  value: string;
  line: number;
}

export type Ini = Map<string, Map<string, IniEntry> & { line?: number }>;

const SECTION = /^\[([^\]]+)\]\s*$/;
const ENTRY = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;
// A stray line there may be a key: never echo it.
const SECRET_SECTIONS = new Set(['application_keys']);

export function parseIni(
  text: string,
  options: {
    file: string;
    env?: Record<string, string | undefined>;
    report: (problem: Omit<ConfigProblem, 'file'>) => void;
  },
): Ini {
  const { report } = options;
  const env = options.env ?? process.env;
  const ini: Ini = new Map();
  let section: (Map<string, IniEntry> & { line?: number }) | undefined;
  let sectionName: string | undefined;
  let last: IniEntry | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (/^\s/.test(raw) && last) {
      last.value = last.value === '' ? trimmed : `${last.value}\n${trimmed}`;
      return;
    }
    const header = SECTION.exec(trimmed);
    if (header) {
      sectionName = (header[1] ?? '').trim();
      section = ini.get(sectionName) ?? Object.assign(new Map<string, IniEntry>(), { line });
      ini.set(sectionName, section);
      last = undefined;
      return;
    }
    const entry = ENTRY.exec(trimmed);
    if (!entry) {
      const shown = SECRET_SECTIONS.has(sectionName ?? '')
        ? ''
        : `, got ${JSON.stringify(trimmed)}`;
      report({ line, message: `expected "[section]" or "key = value"${shown}` });
      last = undefined;
      return;
    }
    const key = (entry[1] ?? '').trim();
    if (!section || sectionName === undefined) {
      report({ line, key, message: `key "${key}" is outside any [section]` });
      return;
    }
    last = { value: entry[2] ?? '', line };
    section.set(key, last);
  });
  for (const [name, entries] of ini) {
    for (const [key, entry] of entries) {
      entry.value = entry.value.replace(
        /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g,
        (_, variable: string) => {
          const found = env[variable];
          if (found !== undefined) return found;
          report({
            line: entry.line,
            section: name,
            key,
            message: `environment variable ${variable} is not set`,
          });
          return '';
        },
      );
    }
  }
  return ini;
}
