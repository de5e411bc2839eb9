import { createLogger } from '@qdo/core';
import { describeFailure } from './format.js';
import type { FailureHook } from './hook.js';

/** What logging a failure needs; a tslog Logger (or `console`) fits. */
export interface FailureLogger {
  error(...args: unknown[]): unknown;
}

export interface LogFailureOptions {
  /** Where failures go. Default: a tslog logger named `qdo.failure`. */
  logger?: FailureLogger;
}

let defaultLogger: FailureLogger | undefined;

/** Created on first use, so importing the package prints nothing and costs nothing. */
function sharedLogger(): FailureLogger {
  defaultLogger ??= createLogger({ name: 'qdo.failure' });
  return defaultLogger;
}

/**
 * A job_failure hook that logs the message id, its partition (`Q-N`) and the
 * full stack, causes included. Only the id is logged, never the body, the
 * context or the client, so nothing secret (like the app key) gets out.
 */
export function createLogFailure(options: LogFailureOptions = {}): FailureHook {
  return async (message, _context, queue, error) => {
    const logger = options.logger ?? sharedLogger();
    const text = describeFailure(message.message_id, queue, error);
    try {
      logger.error(text);
    } catch (sinkError) {
      // A broken log sink must not turn a handled failure into a stopped worker.
      console.error(text, '\n(the configured logger failed:', sinkError, ')');
    }
  };
}

/** The default job_failure: log and let the worker mark the message processed. */
export const logFailure: FailureHook = createLogFailure();
