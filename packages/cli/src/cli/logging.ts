import { createLogger, type LoggerOptions } from '@qdo/core';
import type { WorkerOptions } from '../config/options.js';
import { LOG_FORMATS, LOG_LEVELS } from '../config/schema.js';
import { ExitError } from '../errors.js';

type Level = NonNullable<LoggerOptions['level']>;

/** One environment override, checked like its INI key. */
function fromEnv<T extends string>(
  env: Record<string, string | undefined>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new ExitError(
      2,
      `$${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(env[name])}`,
    );
  return value as T;
}

/** `log_format` and `log_level` of [qdo-worker], overridden by $QDO_LOG_FORMAT / $QDO_LOG_LEVEL. */
export function logSettings(
  worker: Pick<WorkerOptions, 'logFormat' | 'logLevel'>,
  env: Record<string, string | undefined>,
): { format: 'pretty' | 'json'; level: Level } {
  return {
    format: fromEnv(env, 'QDO_LOG_FORMAT', LOG_FORMATS) ?? worker.logFormat,
    level: fromEnv(env, 'QDO_LOG_LEVEL', LOG_LEVELS) ?? worker.logLevel,
  };
}

/** The worker's logger, as the config file and environment say. */
export function workerLogger(
  worker: Pick<WorkerOptions, 'logFormat' | 'logLevel'>,
  env: Record<string, string | undefined>,
  name = 'qdo-worker',
) {
  const { format, level } = logSettings(worker, env);
  // Loggers made elsewhere in this process (the default job_failure's)
  // read these, so every line has the one format.
  process.env.QDO_LOG_FORMAT = format;
  process.env.QDO_LOG_LEVEL = level;
  return createLogger({ name, type: format, level });
}

/**
 * Writes the worker's startup lines (metrics URL, embedded server): as they
 * are for people, as JSON log objects when log_format is json, so a log
 * pipeline reads nothing but JSON.
 */
export function announcer(
  worker: Pick<WorkerOptions, 'logFormat' | 'logLevel'>,
  io: { stdout: NodeJS.WritableStream; env: Record<string, string | undefined> },
): (text: string) => void {
  const json = logSettings(worker, io.env).format === 'json';
  return (text) => {
    for (const line of text.split('\n').filter(Boolean)) {
      io.stdout.write(
        json
          ? `${JSON.stringify({ time: new Date().toISOString(), level: 'info', name: 'qdo-worker', msg: line })}\n`
          : `${line}\n`,
      );
    }
  };
}
