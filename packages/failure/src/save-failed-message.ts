import {
  BOOKKEEPING_TTL,
  ERROR_QUEUE,
  ensureBookkeepingQueues,
  RetryLater,
  toError,
} from '@qdo/core';
import { httpStatus, type QueueyClient } from '@qdo/queuey-client';
import { errorPartition } from './error-partition.js';
import { FailureOptionError } from './errors.js';
import { failureInfo } from './failure-info.js';
import type { FailureHook } from './hook.js';
import { createLogFailure, type LogFailureOptions } from './log-failure.js';

/** Failed messages live 30 days in qdo_error, as the original. */
export const ERROR_TTL = BOOKKEEPING_TTL;
/** The largest TTL Queuey accepts (2^25 s). */
const MAX_TTL = 2 ** 25;

export interface SaveFailedMessageOptions extends LogFailureOptions {
  /** Seconds a failed message stays in qdo_error. Default 30 days. */
  ttl?: number;
}

async function post(
  queuey: QueueyClient,
  body: string,
  options: { ttl: number; partition: number },
) {
  try {
    await queuey.postMessages(ERROR_QUEUE, [{ body, ...options }]);
  } catch (error) {
    const status = httpStatus(error);
    if (status === 404) {
      // A worker creates qdo_error on start; a hook used alone may be first.
      await ensureBookkeepingQueues(queuey, { only: ERROR_QUEUE });
    } else if (status !== 400) {
      throw error;
    }
    // 400: qdo_error was made with fewer partitions; let the server pick one.
    await queuey.postMessages(ERROR_QUEUE, [
      status === 400 ? { body, ttl: options.ttl } : { body, ...options },
    ]);
  }
}

/**
 * A job_failure hook that logs like `logFailure`, then keeps the message for
 * later inspection and replay: `{...message, queue: 'Q-N', error}` as JSON
 * in qdo_error (created when missing), `error` saying why (`FailureInfo`).
 * A reader that knows only the original's keys ignores `error`. It never throws an ordinary error: when
 * qdo_error cannot be written it throws @qdo/core's `RetryLater`, so the
 * worker leaves the message unprocessed and calls the hook again after a
 * back-off. Nothing is lost.
 */
export function createSaveFailedMessage(options: SaveFailedMessageOptions = {}): FailureHook {
  const logFailure = createLogFailure(options);
  const ttl = options.ttl ?? ERROR_TTL;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) {
    throw new FailureOptionError(
      `saveFailedMessage ttl must be a whole number of seconds from 1 to ${MAX_TTL}, got ${ttl}`,
    );
  }
  return async (message, context, queue, error, queuey, hook) => {
    await logFailure(message, context, queue, error, queuey, hook);
    const run = { attempt: hook?.attempt, worker: hook?.worker, now: Date.now() };
    const body = JSON.stringify({ ...message, queue, error: failureInfo(error, run) });
    try {
      await post(queuey, body, { ttl, partition: errorPartition(queue) });
    } catch (cause) {
      throw new RetryLater(
        `could not save failed message ${message.message_id} from ${queue} to ${ERROR_QUEUE} ` +
          `(${toError(cause).message}); it stays unprocessed and is retried later`,
        { cause },
      );
    }
  };
}

/** logFailure, plus a copy of the message in qdo_error (30 days). */
export const saveFailedMessage: FailureHook = createSaveFailedMessage();
