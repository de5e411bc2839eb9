import { hostname } from 'node:os';
import { type ILogObj, Logger as TsLogger } from 'tslog';

/** What the worker needs of a logger; a tslog Logger fits. */
export interface Logger {
  debug(...args: unknown[]): unknown;
  info(...args: unknown[]): unknown;
  warn(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
}

export interface LoggerOptions {
  /** Shown on every line; the worker passes its own name (`host-pid[-name]`). */
  name?: string;
  /** tslog level id: 0 silly .. 3 info (default) .. 6 fatal. */
  minLevel?: number;
  /** 'pretty' (default), 'json' for machines, 'hidden' for silence. */
  type?: 'pretty' | 'json' | 'hidden';
  /** ANSI colours in pretty lines. Default: only when stdout is a terminal (and NO_COLOR is unset). */
  colors?: boolean;
}

/** A structured tslog logger; every line carries the name. */
export function createLogger(options: LoggerOptions = {}): TsLogger<ILogObj> {
  return new TsLogger<ILogObj>({
    name: options.name,
    minLevel: options.minLevel ?? 3,
    type: options.type ?? 'pretty',
    hideLogPositionForProduction: true,
    // Escape codes in a log file or a pipe are noise.
    stylePrettyLogs: options.colors ?? (process.stdout.isTTY === true && !process.env.NO_COLOR),
  });
}

/** `host-pid[-name]`, the worker name written into status messages. */
export function workerName(name?: string): string {
  const base = `${hostname()}-${process.pid}`;
  return name ? `${base}-${name}` : base;
}
