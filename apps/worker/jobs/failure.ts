import type { JobFailure } from '@qdo/core';
import { saveFailedMessage } from '@qdo/failure';
import type { Counter } from './context.js';

/**
 * Keeps the failed message for re-processing (`qdo errors ls|replay`), then
 * does its own handling. If qdo_error cannot be written, saveFailedMessage
 * throws RetryLater and the message is not lost.
 */
export const jobFailure: JobFailure<Counter> = async (message, context, queue, error, queuey) => {
  await saveFailedMessage(message, context, queue, error, queuey);
  console.error(
    `kept failed message ${queue}:${message.message_id} in qdo_error: ${String(error)}`,
  );
};
