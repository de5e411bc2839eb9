import { hostname } from 'node:os';
import {
  createLogger as createCommonLogger,
  type LogFields,
  type LogFormat,
  type Logger,
  type LogLevel,
  silentLogger,
} from '@qdo/common';

export { logEnabled } from '@qdo/common';
/** What the worker logs through: @qdo/common's contract (`console` and tslog's Logger fit too). */
export type { Logger, LogLevel };

export interface LoggerOptions {
  /** Shown on every line; the worker passes its own name (`host-pid[-name]`). */
  name?: string;
  /** The lowest level written, by name. Default 'info'. */
  level?: LogLevel;
  /**
   * Older numeric level (0..2 debug, 3 info, 4 warn, 5..6 error); `level`
   * wins when both are given.
   */
  minLevel?: number;
  /**
   * 'pretty' (default) for people; 'json' for log pipelines: one object per
   * line `{"time","level","name","msg",...fields}`, errors as
   * `err: {name, message, stack}`; 'hidden' for silence.
   */
  type?: LogFormat | 'hidden';
  /** ANSI colours in pretty lines. Default: only when stdout is a terminal (and NO_COLOR is unset). */
  colors?: boolean;
  /** Where lines go. Default: stdout. */
  write?: (line: string) => void;
}

const BY_NUMBER: readonly LogLevel[] = [
  'debug',
  'debug',
  'debug',
  'info',
  'warn',
  'error',
  'error',
];

/**
 * @qdo/common's logger with the worker's defaults: pretty, info, stdout.
 * Configured only by its options: the process environment is the CLI's
 * business.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  if (options.type === 'hidden') return silentLogger;
  const numbered = options.minLevel === undefined ? undefined : BY_NUMBER[options.minLevel];
  return createCommonLogger({
    name: options.name,
    level: options.level ?? numbered ?? 'info',
    format: options.type ?? 'pretty',
    // Escape codes in a log file or a pipe are noise.
    colors: options.colors ?? (process.stdout.isTTY === true && !process.env.NO_COLOR),
    write: options.write ?? ((line) => console.log(line)),
  });
}

/** The fields of a line about a partition, or about one message in it. */
export function about(partition: string, messageId?: string): LogFields {
  return messageId === undefined ? { partition } : { partition, message_id: messageId };
}

/** `host-pid[-name]`, the worker name written into status messages. */
export function workerName(name?: string): string {
  const base = `${hostname()}-${process.pid}`;
  return name ? `${base}-${name}` : base;
}
