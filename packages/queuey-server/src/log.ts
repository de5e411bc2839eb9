/**
 * The server's logger: `pretty` lines for people, `json` lines (one object
 * per line) for log pipelines, filtered by level. Fields never carry keys:
 * callers pass only what is safe to show.
 */
import { ServerConfigError } from './errors.js';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFields = Record<string, unknown>;

export interface ServerLogger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Default 'pretty'. */
  format?: LogFormat;
  /** Lowest level written; default 'info'. */
  level?: LogLevel;
  /** Where each line goes (without its newline); default stderr. */
  write?: (line: string) => void;
  now?: () => number;
}

export function createLogger(options: LoggerOptions = {}): ServerLogger {
  const format = options.format ?? 'pretty';
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const log =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(level) > threshold) return;
      const time = new Date(now()).toISOString();
      if (format === 'json') {
        write(JSON.stringify({ time, level, msg: message, ...fields }, jsonSafe));
        return;
      }
      const extra = Object.entries(fields)
        .map(
          ([key, value]) =>
            `${key}=${typeof value === 'string' ? value : JSON.stringify(value, jsonSafe)}`,
        )
        .join(' ');
      write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${extra ? ` ${extra}` : ''}`);
    };
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
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

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
