import type { ConfigProblem, IniEntry } from '@qdo/common';

export type Scalar = string | number | boolean;
export type ConfigValue = Scalar | Scalar[];

const INTEGER = /^-?\d+$/;
const ENV = /\$\{(\w+)\}/g;

export interface ConvertContext {
  env: Record<string, string | undefined>;
  /** Keep digits and true/false as text (app keys, names): only quotes and `${ENV}` apply. */
  asText?: boolean;
  section: string;
  key: string;
  problems: ConfigProblem[];
}

/**
 * Converts one raw value like qdo's original `convert()`: integers,
 * `"quoted"` strings (taken literally), true/false, `${ENV}` substituted in
 * the rest; a multi-line value becomes a list of converted non-empty lines.
 */
export function convertValue(entry: IniEntry, ctx: ConvertContext): ConfigValue {
  if (entry.raw.includes('\n')) {
    return entry.raw
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((line) => convertScalar(line, entry, ctx));
  }
  return convertScalar(entry.raw.trim(), entry, ctx);
}

function convertScalar(value: string, entry: IniEntry, ctx: ConvertContext): Scalar {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1);
  if (!ctx.asText) {
    // Integers beyond 2^53 (an all-digit key) stay text rather than lose digits.
    if (INTEGER.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
  }
  return value.replace(ENV, (_, name: string) => {
    const found = ctx.env[name];
    if (found === undefined) {
      ctx.problems.push({
        file: entry.file,
        line: entry.line,
        section: ctx.section,
        key: ctx.key,
        message: `environment variable ${name} is not set (used as \${${name}})`,
      });
      return '';
    }
    return found;
  });
}
