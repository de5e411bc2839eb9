/**
 * The one logger contract of the server and the worker: four levels, a
 * message with optional structured fields and an optional error, and one
 * JSON line shape, so a log pipeline reads every line of a process alike.
 * Callers pass only fields that are safe to show: never keys or tokens.
 */

/** Level names, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `pretty` lines for people, `json` lines (one object per line) for log pipelines. */
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogFields = Record<string, unknown>;

/**
 * Each method takes a message, then structured fields, an error, or both:
 * `warn(msg)`, `warn(msg, { partition })`, `error(msg, error)`,
 * `error(msg, { partition, message_id }, error)`. A second argument that is
 * not a plain object is the error. `console` fits, and so does tslog's Logger.
 */
export type LogMethod = (message: string, fieldsOrError?: unknown, error?: unknown) => unknown;

// Methods, not function properties: a logger written for
// `(message, fields?: LogFields)` still fits.
export interface Logger {
  debug(message: string, fieldsOrError?: unknown, error?: unknown): unknown;
  info(message: string, fieldsOrError?: unknown, error?: unknown): unknown;
  warn(message: string, fieldsOrError?: unknown, error?: unknown): unknown;
  error(message: string, fieldsOrError?: unknown, error?: unknown): unknown;
  /** False when lines of `level` are dropped; callers skip costly formatting then. */
  enabled?(level: LogLevel): boolean;
}

export interface LoggerOptions {
  /** Shown on every line (`name` in JSON). */
  name?: string;
  /** Lowest level written; default 'info'. */
  level?: LogLevel;
  /** Default 'pretty'. */
  format?: LogFormat;
  /** Where each line goes, without its newline; default stdout. */
  write?: (line: string) => void;
  /** ANSI colours for the level in pretty lines; default off. */
  colors?: boolean;
  /** Wall-clock time of a line (ms since the epoch); default Date.now. */
  now?: () => number;
}

/** True when `logger` writes lines of `level` (a logger that cannot tell is assumed to). */
export function logEnabled(logger: Logger, level: LogLevel): boolean {
  return logger.enabled?.(level) ?? true;
}

/** A logger that writes nothing. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  enabled: () => false,
};

/** Keys the line itself owns; fields cannot overwrite them. */
const RESERVED = new Set(['time', 'level', 'name', 'msg', 'err']);

const COLOURS: Record<LogLevel, string> = {
  debug: '\u001b[90m',
  info: '\u001b[34m',
  warn: '\u001b[33m',
  error: '\u001b[31m',
};

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const render = options.format === 'json' ? jsonLine : prettyLine;
  const now = options.now ?? Date.now;
  const enabled = (level: LogLevel) => LOG_LEVELS.indexOf(level) >= threshold;
  const method =
    (level: LogLevel): LogMethod =>
    (message, fieldsOrError, error) => {
      if (!enabled(level)) return;
      const [fields, err] = splitArgs(fieldsOrError, error);
      const line = { time: new Date(now()).toISOString(), level, name: options.name, message };
      write(render(line, fields, err, options.colors === true));
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    enabled,
  };
}

function isPlainObject(value: unknown): value is LogFields {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function splitArgs(fieldsOrError: unknown, error: unknown): [LogFields, unknown] {
  if (fieldsOrError === undefined) return [{}, error];
  if (isPlainObject(fieldsOrError)) return [fieldsOrError, error];
  return [{}, fieldsOrError];
}

export interface ErrorFields {
  name: string;
  message: string;
  stack?: string;
}

/** `err` of a JSON line: what was thrown, as name, message and stack. */
export function errorFields(error: unknown): ErrorFields {
  if (error instanceof Error)
    return { name: error.name, message: error.message, stack: error.stack };
  const text = typeof error === 'string' ? error : safeJson(error);
  return { name: typeof error, message: text };
}

interface Head {
  time: string;
  level: LogLevel;
  name: string | undefined;
  message: string;
}

function jsonLine(head: Head, fields: LogFields, error: unknown): string {
  const line: LogFields = { time: head.time, level: head.level };
  if (head.name) line.name = head.name;
  line.msg = head.message;
  for (const [key, value] of Object.entries(fields)) {
    if (!RESERVED.has(key) && value !== undefined) line[key] = value;
  }
  if (error !== undefined) line.err = errorFields(error);
  try {
    return JSON.stringify(line, jsonSafe);
  } catch {
    // A field that cannot be written (a cycle) must not lose the line.
    return JSON.stringify({
      time: head.time,
      level: head.level,
      name: head.name,
      msg: head.message,
    });
  }
}

function prettyLine(head: Head, fields: LogFields, error: unknown, colors: boolean): string {
  const level = head.level.toUpperCase().padEnd(5);
  const parts = [head.time, colors ? `${COLOURS[head.level]}${level}\u001b[0m` : level];
  if (head.name) parts.push(`[${head.name}]`);
  parts.push(head.message);
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' || typeof value === 'bigint';
    parts.push(`${key}=${text ? String(value) : safeJson(value)}`);
  }
  let text = parts.join(' ');
  if (error !== undefined) {
    const err = errorFields(error);
    text += `\n${err.stack ?? `${err.name}: ${err.message}`}`;
  }
  return text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, jsonSafe) ?? String(value);
  } catch {
    return String(value);
  }
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return errorFields(value);
  return value;
}
