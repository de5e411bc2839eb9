import { createLogger, type Logger } from '@qdo/common';
import type { WorkerOptions } from '../config/options.js';
import { LOG_FORMATS, LOG_LEVELS } from '../config/schema.js';
import { ExitError } from '../errors.js';

type Settings = Pick<WorkerOptions, 'logFormat' | 'logLevel'>;

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
export function logSettings(worker: Settings, env: Record<string, string | undefined>) {
  return {
    format: fromEnv(env, 'QDO_LOG_FORMAT', LOG_FORMATS) ?? worker.logFormat,
    level: fromEnv(env, 'QDO_LOG_LEVEL', LOG_LEVELS) ?? worker.logLevel,
  };
}

/**
 * The worker process's logger, as the config file and environment say. Made
 * once and passed to everything that logs (the worker, its failure hook, the
 * partitioner, the embedded server), so every line has the one format.
 */
export function workerLogger(
  worker: Settings,
  io: { stdout: NodeJS.WritableStream; env: Record<string, string | undefined> },
  name = 'qdo-worker',
): Logger {
  const { format, level } = logSettings(worker, io.env);
  const stdout = io.stdout as NodeJS.WritableStream & { isTTY?: boolean };
  return createLogger({
    name,
    format,
    level,
    // Escape codes in a log file or a pipe are noise.
    colors: stdout.isTTY === true && !io.env.NO_COLOR,
    write: (line) => io.stdout.write(`${line}\n`),
  });
}

/**
 * Writes the worker's startup lines (metrics URL, embedded server) whatever
 * the level: as they are for people, as info log lines when log_format is
 * json, so a log pipeline reads nothing but JSON.
 */
export function announcer(
  worker: Settings,
  io: { stdout: NodeJS.WritableStream; env: Record<string, string | undefined> },
): (text: string) => void {
  const write = (line: string) => io.stdout.write(`${line}\n`);
  const json = logSettings(worker, io.env).format === 'json';
  const logger = json ? createLogger({ name: 'qdo-worker', format: 'json', write }) : undefined;
  return (text) => {
    for (const line of text.split('\n').filter(Boolean)) {
      if (logger) logger.info(line);
      else write(line);
    }
  };
}
