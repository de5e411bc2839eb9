import type { ConfigProblem } from '../errors.js';
import type { IniDocument, IniEntry } from './ini.js';
import { nearestHint } from './nearest.js';
import { IGNORED_SECTIONS, type Kind, SCHEMA } from './schema.js';
import { type ConfigValue, convertValue } from './values.js';

/** A converted value with where it came from, for later problems. */
export interface Located<T> {
  value: T;
  entry: IniEntry;
}

/** Section -> key -> typed value; only keys that were written (or inherited from DEFAULT). */
export type NormalisedConfig = Map<string, Map<string, Located<string | number | string[]>>>;

const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;

/**
 * Converts every written value and coerces it to its key's kind; wrong
 * types and out-of-range values become problems, unknown sections and keys
 * warnings (the original accepts any key), naming the nearest known one.
 * DEFAULT values are inherited by the sections that know the key.
 */
export function normalise(
  doc: IniDocument,
  env: Record<string, string | undefined>,
  problems: ConfigProblem[],
): NormalisedConfig {
  const result: NormalisedConfig = new Map();
  const defaults = doc.sections.get('DEFAULT') ?? new Map<string, IniEntry>();
  for (const [key, entry] of defaults) {
    if (!Object.values(SCHEMA).some((keys) => key in keys)) {
      const all = [...new Set(Object.values(SCHEMA).flatMap((keys) => Object.keys(keys)))];
      problems.push({
        file: entry.file,
        line: entry.line,
        section: 'DEFAULT',
        key,
        message: `unknown key, ignored (${nearestHint(key, all)})`,
        warning: true,
      });
    }
  }
  for (const [section, entries] of doc.sections) {
    if (section === 'DEFAULT' || IGNORED_SECTIONS.includes(section)) continue;
    const keys = SCHEMA[section];
    if (!keys) {
      const header = doc.headers.get(section);
      problems.push({
        file: header?.file ?? doc.file,
        ...(header ? { line: header.line } : {}),
        section,
        message: `unknown section, ignored (${nearestHint(section, Object.keys(SCHEMA))})`,
        warning: true,
      });
      continue;
    }
    const out = new Map<string, Located<string | number | string[]>>();
    result.set(section, out);
    for (const [key, kind] of Object.entries(keys)) {
      const entry = entries.get(key) ?? defaults.get(key);
      if (!entry) continue;
      const where = { file: entry.file, line: entry.line, section, key };
      const asText = kind.type !== 'int' && kind.type !== 'seconds';
      const raw = convertValue(entry, { env, section, key, problems, asText });
      const value = coerce(raw, kind);
      if (typeof value === 'object' && 'problem' in value)
        problems.push({ ...where, message: value.problem });
      else out.set(key, { value, entry });
    }
    for (const [key, entry] of entries) {
      if (!(key in keys)) {
        problems.push({
          file: entry.file,
          line: entry.line,
          section,
          key,
          message: `unknown key, ignored (${nearestHint(key, Object.keys(keys))})`,
          warning: true,
        });
      }
    }
  }
  return result;
}

type Coerced = string | number | string[] | { problem: string };

function coerce(raw: ConfigValue, kind: Kind): Coerced {
  if (kind.type === 'list') {
    const items = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(','));
    return items.map((s) => s.trim()).filter((s) => s !== '');
  }
  if (Array.isArray(raw)) return { problem: `expected a single value, got ${raw.length} lines` };
  switch (kind.type) {
    case 'text':
    case 'hook':
      return String(raw);
    case 'choice': {
      const v = String(raw).toLowerCase();
      return kind.values.includes(v)
        ? v
        : {
            problem: `expected one of ${kind.values.join(', ')}, got ${JSON.stringify(String(raw))}`,
          };
    }
    case 'int':
    case 'seconds': {
      const s = String(raw).trim();
      const ok = kind.type === 'int' ? INTEGER.test(s) : DECIMAL.test(s) || INTEGER.test(s);
      if (typeof raw === 'boolean' || !ok) {
        const what = kind.type === 'int' ? 'an integer' : 'a number of seconds';
        return { problem: `expected ${what}, got ${JSON.stringify(String(raw))}` };
      }
      const n = Number(s);
      if (n < kind.min || (kind.max !== undefined && n > kind.max)) {
        const range =
          kind.max === undefined ? `>= ${kind.min}` : `between ${kind.min} and ${kind.max}`;
        return { problem: `must be ${range}, got ${s}` };
      }
      return n;
    }
  }
}
