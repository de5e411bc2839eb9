import { errors } from '../errors.js';

/**
 * The reads held (or about to be) on each queue, so that deleting a queue
 * answers them 404 at once. Entered before the first read, so a delete
 * during that read is not missed.
 */
export class QueueWaits {
  readonly #byQueue = new Map<string, Set<AbortController>>();

  enter(application: string, queue: string): { signal: AbortSignal } & Disposable {
    const name = queueId(application, queue);
    const controller = new AbortController();
    const set = this.#byQueue.get(name) ?? new Set();
    set.add(controller);
    this.#byQueue.set(name, set);
    return {
      signal: controller.signal,
      [Symbol.dispose]: () => {
        set.delete(controller);
        if (set.size === 0 && this.#byQueue.get(name) === set) this.#byQueue.delete(name);
      },
    };
  }

  /** The queue is gone: its held reads answer as a read of a missing queue does. */
  deleted(application: string, queue: string): void {
    const name = queueId(application, queue);
    const set = this.#byQueue.get(name);
    this.#byQueue.delete(name);
    for (const controller of set ?? []) {
      controller.abort(errors.notFound('InvalidQueueName', 'Queue of that name was not found.'));
    }
  }
}

const queueId = (application: string, queue: string) => JSON.stringify([application, queue]);
