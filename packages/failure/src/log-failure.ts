import { createLogger, type Logger } from '@qdo/common';
import { shownError } from './format.js';
import type { FailureHook } from './hook.js';

/** What logging a failure needs: @qdo/common's logger (or `console`) fits. */
export type FailureLogger = Pick<Logger, 'error'>;

export interface LogFailureOptions {
  /**
   * Where failures go. Default: the worker's logger (the hook options'
   * `logger`); called directly, a pretty logger named `qdo.failure` on stdout.
   */
  logger?: FailureLogger;
}

let defaultLogger: Logger | undefined;

/**
 * What the hooks log through when called directly, without a worker's hook
 * options: a pretty logger named `qdo.failure` on stdout. Created on first
 * use, so importing the package prints nothing and costs nothing.
 */
export function sharedLogger(): Logger {
  defaultLogger ??= createLogger({ name: 'qdo.failure' });
  return defaultLogger;
}

/**
 * A job_failure hook that logs the message id, its partition (`Q-N`) and the
 * full stack, causes included, as the line's error. Only the id is logged,
 * never the body, the context or the client, so nothing secret (like the app
 * key) gets out.
 */
export function createLogFailure(options: LogFailureOptions = {}): FailureHook {
  return async (message, _context, queue, error, _queuey, hook) => {
    const logger = options.logger ?? hook?.logger ?? sharedLogger();
    const id = message.message_id;
    const text = `job failed for message ${id} in ${queue}`;
    const shown = shownError(error);
    try {
      logger.error(text, { partition: queue, message_id: id }, shown);
    } catch (sinkError) {
      // A broken log sink must not turn a handled failure into a stopped worker.
      console.error(`${text}\n${shown.stack}`, '\n(the configured logger failed:', sinkError, ')');
    }
  };
}

/** The default job_failure: log and let the worker mark the message processed. */
export const logFailure: FailureHook = createLogFailure();
