import { hostname } from 'node:os';
import { type ILogObj, Logger as TsLogger } from 'tslog';

/** What the worker needs of a logger; a tslog Logger fits. */
export interface Logger {
  debug(...args: unknown[]): unknown;
  info(...args: unknown[]): unknown;
  warn(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
}

/** Level names, lowest first; their index is tslog's level id. */
export const LOG_LEVELS = ['silly', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** Shown on every line; the worker passes its own name (`host-pid[-name]`). */
  name?: string;
  /** The lowest level written, by name. Default 'info'. */
  level?: LogLevel;
  /** tslog level id (0 silly .. 6 fatal); `level` wins when both are given. */
  minLevel?: number;
  /**
   * 'pretty' (default) for people; 'json' for log pipelines: one object per
   * line `{"time","level","name","msg",...}`, errors as `err: {name, message, stack}`;
   * 'hidden' for silence.
   */
  type?: 'pretty' | 'json' | 'hidden';
  /** ANSI colours in pretty lines. Default: only when stdout is a terminal (and NO_COLOR is unset). */
  colors?: boolean;
  /** Where JSON lines go. Default: stdout. */
  write?: (line: string) => void;
}

/** `$QDO_LOG_FORMAT` / `$QDO_LOG_LEVEL`: the process-wide defaults, so every logger in a worker agrees. */
function fromEnv<T extends string>(name: string, allowed: readonly T[]): T | undefined {
  const value = process.env[name]?.trim().toLowerCase();
  return (allowed as readonly string[]).includes(value ?? '') ? (value as T) : undefined;
}

/**
 * A structured tslog logger; every line carries the name. Format and level
 * default to `$QDO_LOG_FORMAT` and `$QDO_LOG_LEVEL`, then pretty and info.
 */
export function createLogger(options: LoggerOptions = {}): TsLogger<ILogObj> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const level = options.level ?? fromEnv('QDO_LOG_LEVEL', LOG_LEVELS);
  return new TsLogger<ILogObj>({
    name: options.name,
    minLevel: level ? LOG_LEVELS.indexOf(level) : (options.minLevel ?? 3),
    type: options.type ?? fromEnv('QDO_LOG_FORMAT', ['pretty', 'json'] as const) ?? 'pretty',
    hideLogPositionForProduction: true,
    // Escape codes in a log file or a pipe are noise.
    stylePrettyLogs: options.colors ?? (process.stdout.isTTY === true && !process.env.NO_COLOR),
    overwrite: { transportJSON: (json) => write(jsonLine(json as TsJson)) },
  });
}

interface TsJson {
  [arg: string]: unknown;
  _meta?: { name?: string; date?: Date | string; logLevelName?: string };
}

/** tslog's `{"0": msg, "1": arg, "_meta": {...}}` as one flat, greppable object. */
function jsonLine(json: TsJson): string {
  const meta = json._meta ?? {};
  const date = meta.date instanceof Date ? meta.date : new Date(meta.date ?? Date.now());
  const words: string[] = [];
  const line: Record<string, unknown> = {
    time: date.toISOString(),
    level: String(meta.logLevelName ?? 'info').toLowerCase(),
    ...(meta.name ? { name: meta.name } : {}),
  };
  for (const [key, value] of Object.entries(json)) {
    if (key === '_meta') continue;
    const error = (value as { nativeError?: unknown })?.nativeError;
    if (error instanceof Error) {
      line.err = { name: error.name, message: error.message, stack: error.stack };
      words.push(error.message);
    } else if (typeof value === 'object' && value !== null) Object.assign(line, value);
    else words.push(String(value));
  }
  line.msg = words.join(' ');
  try {
    return JSON.stringify(line);
  } catch {
    return JSON.stringify({ time: line.time, level: line.level, msg: line.msg });
  }
}

/** `host-pid[-name]`, the worker name written into status messages. */
export function workerName(name?: string): string {
  const base = `${hostname()}-${process.pid}`;
  return name ? `${base}-${name}` : base;
}
