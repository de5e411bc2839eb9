/** Typed reads of one INI section that report problems instead of throwing. */
import type { ConfigProblem } from './errors.js';
import type { Ini, IniEntry } from './ini.js';

export type Report = (problem: Omit<ConfigProblem, 'file'>) => void;

/** Typed reads of one section's values; a bad value is reported and reads as undefined. */
export class SectionReader {
  constructor(
    private readonly ini: Ini,
    private readonly section: string,
    private readonly report: Report,
  ) {}

  entry(key: string): IniEntry | undefined {
    return this.ini.get(this.section)?.get(key);
  }

  problem(key: string, message: string, entry = this.entry(key)): void {
    this.report({
      line: entry?.line ?? this.ini.get(this.section)?.line,
      section: this.section,
      key,
      message,
    });
  }

  text(key: string): string | undefined {
    return this.entry(key)?.value.trim() || undefined;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    if (/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max) return Number(value);
    this.problem(key, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return undefined;
  }

  choice<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.text(key)?.toLowerCase();
    if (value === undefined) return undefined;
    if ((choices as readonly string[]).includes(value)) return value as T;
    this.problem(key, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    return undefined;
  }

  list(key: string, choices: readonly string[]): string[] | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const names = value.split(/[\s,]+/).filter((name) => name !== '');
    const unknown = names.filter((name) => !choices.includes(name));
    if (unknown.length === 0) return names;
    this.problem(
      key,
      `unknown extension ${unknown.map((name) => JSON.stringify(name)).join(', ')}; known: ${choices.join(', ')}`,
    );
    return undefined;
  }

  boolean(key: string): boolean | undefined {
    const value = this.text(key)?.toLowerCase();
    if (value === undefined) return undefined;
    if (['true', 'yes', 'on', '1'].includes(value)) return true;
    if (['false', 'no', 'off', '0'].includes(value)) return false;
    this.problem(key, `expected true or false, got ${JSON.stringify(value)}`);
    return undefined;
  }
}
