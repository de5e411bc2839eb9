import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command that talks to Queuey accepts. */
export const CONNECTION_OPTIONS = {
  config: { type: 'string', short: 'c' },
  connection: { type: 'string' },
  'app-key': { type: 'string' },
  debug: { type: 'boolean' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** The original's default: relative to the working directory. */
export const DEFAULT_CONFIG = 'etc/qdo-worker.conf';

export interface ConnectionFlags {
  config?: string | undefined;
  connection?: string | undefined;
  'app-key'?: string | undefined;
  debug?: boolean | undefined;
  strict?: boolean | undefined;
  help?: boolean | undefined;
}

/** The flags and arguments `parse` finds for these options. */
export type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/** node:util parseArgs, strict, with its errors turned into one-line usage errors. */
export function parse<O extends Options>(
  argv: readonly string[],
  options: O,
  command: string,
): Parsed<O> {
  try {
    return parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    }) as Parsed<O>;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '([^']+)'/.exec(text);
    const message = unknown ? `unknown option ${unknown[1]}` : text.split('\n')[0];
    throw new UsageError(`${message} (see ${command} --help)`);
  }
}

/** Reads a flag as a whole number in a range, or throws a usage error naming it. */
export function intFlag(
  value: string | undefined,
  flag: string,
  range: { min: number; max?: number },
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < range.min || (range.max !== undefined && n > range.max)) {
    const bounds = range.max === undefined ? `>= ${range.min}` : `${range.min}..${range.max}`;
    throw new UsageError(
      `--${flag} expects a whole number ${bounds}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
