import { nameErrors } from '@qdo/common';
import { QdoError } from './errors.js';

export const STOP_WORKER = 'QDO_STOP_WORKER';

/**
 * Thrown by a job to stop the worker cleanly. The message in hand is not
 * marked processed, so the next worker starts with it (as the original).
 */
export class StopWorker extends QdoError {
  static override readonly code = STOP_WORKER;
  constructor(message = 'the job asked the worker to stop') {
    super(message);
  }
}

nameErrors({ StopWorker });

export function isStopWorker(value: unknown): value is StopWorker {
  return (
    value instanceof StopWorker ||
    (value instanceof Error &&
      (value.name === 'StopWorker' || (value as { code?: unknown }).code === STOP_WORKER))
  );
}
