import type { Message } from '@qdo/core';
import { StopWorker } from '@qdo/core';
import type { Counter } from './context.js';

/**
 * Prints and counts every message. Two bodies do more, to show the hooks:
 * `fail` throws (the failure hook keeps it in qdo_error), `stop` stops the
 * worker cleanly.
 */
export function job(message: Message, context: Counter): void {
  if (message.body === 'stop') throw new StopWorker('asked to stop by a message');
  context.counter += 1;
  console.log(`${message.message_id}: ${message.body}`);
  if (message.body === 'fail') throw new Error('this job fails on "fail", as asked');
}
