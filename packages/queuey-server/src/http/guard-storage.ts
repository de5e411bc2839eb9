import { errors, type HttpError } from '../errors.js';
import { isStorageError } from '../storage/errors.js';
import type { Storage } from '../storage/types.js';

/** A queue deleted between the lookup and the write is missing, as if the lookup had lost. */
function toHttpError(error: unknown): HttpError {
  if (isStorageError(error) && error.code === 'QUEUEY_SERVER_QUEUE_NOT_FOUND') {
    return errors.notFound('InvalidQueueName', 'Queue of that name was not found.');
  }
  if (isStorageError(error) && error.transient) return errors.storageTransient(error);
  return errors.storage(error);
}

/**
 * A view of `storage` whose failing async calls reject with the "storage"
 * answer (503 when nothing was done and a retry may work, else 500), so no
 * handler has to remember to translate them.
 */
export function guardStorage(storage: Storage): Storage {
  return new Proxy(storage, {
    // The target itself is `this` for every call: adapters keep #private state.
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'watch') return value.bind(target);
      return (...args: unknown[]) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise
            ? result.catch((error: unknown) => Promise.reject(toHttpError(error)))
            : result;
        } catch (error) {
          throw toHttpError(error);
        }
      };
    },
  });
}
