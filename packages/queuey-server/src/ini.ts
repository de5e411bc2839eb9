/**
 * A small INI reader, enough for Queuey's server file: `[section]`,
 * `key = value` (or `key: value`), `#`/`;` comment lines, and indented
 * continuation lines that make a multi-line value. `${NAME}` is replaced by
 * the environment variable (a missing one is an error).
 */
import { ServerConfigError } from './errors.js';

export interface IniEntry {
  value: string;
  line: number;
}

export type Ini = Map<string, Map<string, IniEntry>>;

const SECTION = /^\[([^\]]+)\]\s*$/;
const ENTRY = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/;

export function parseIni(
  text: string,
  options: { file: string; env?: Record<string, string | undefined> },
): Ini {
  const { file } = options;
  const env = options.env ?? process.env;
  const ini: Ini = new Map();
  let section: Map<string, IniEntry> | undefined;
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
      section = ini.get(sectionName) ?? new Map();
      ini.set(sectionName, section);
      last = undefined;
      return;
    }
    const entry = ENTRY.exec(trimmed);
    if (!entry) {
      throw new ServerConfigError(
        `${file}:${line}: expected "[section]" or "key = value", got ${JSON.stringify(trimmed)}`,
        { file },
      );
    }
    const key = (entry[1] ?? '').trim();
    if (!section || sectionName === undefined) {
      throw new ServerConfigError(`${file}:${line}: key "${key}" is outside any [section]`, {
        file,
        key,
      });
    }
    last = { value: entry[2] ?? '', line };
    section.set(key, last);
  });
  for (const [name, entries] of ini) {
    for (const [key, entry] of entries) {
      entry.value = expandEnv(entry.value, env, { file, section: name, key });
    }
  }
  return ini;
}

function expandEnv(
  value: string,
  env: Record<string, string | undefined>,
  where: { file: string; section: string; key: string },
): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const found = env[name];
    if (found === undefined) {
      throw new ServerConfigError(
        `${where.file} [${where.section}] ${where.key}: environment variable ${name} is not set`,
        where,
      );
    }
    return found;
  });
}
