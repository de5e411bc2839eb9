import { errors } from '../errors.js';
import type { Storage } from '../storage/types.js';

/**
 * A view of `storage` whose failing async calls reject with the 500 "storage"
 * answer, so no handler has to remember to translate them.
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
            ? result.catch((error: unknown) => Promise.reject(errors.storage(error)))
            : result;
        } catch (error) {
          throw errors.storage(error);
        }
      };
    },
  });
}
