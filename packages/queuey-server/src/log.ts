/**
 * The server's logger: @qdo/common's, on stderr by default. Fields never
 * carry keys: callers pass only what is safe to show.
 */
import {
  createLogger as createCommonLogger,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from '@qdo/common';
import { ServerConfigError } from './errors.js';

export type { LogFields, LogFormat, LoggerOptions, LogLevel };
export { LOG_FORMATS, LOG_LEVELS };
/** The server logs through @qdo/common's logger contract. */
export type ServerLogger = Logger;

/** Pretty, info, on stderr unless told otherwise; lines are named `queuey`. */
export function createLogger(options: LoggerOptions = {}): ServerLogger {
  return createCommonLogger({
    name: 'queuey',
    write: (line) => process.stderr.write(`${line}\n`),
    ...options,
  });
}

/** Checks a level or format given as text (INI, env, flag). */
export function parseLogSetting<T extends string>(
  what: string,
  value: string,
  choices: readonly T[],
): T {
  const text = value.trim().toLowerCase();
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new ServerConfigError(
    `${what}: expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`,
  );
}
