import { errors, type HttpError } from '../errors.js';
import { isStorageError, isStorageFull } from '../storage/errors.js';
import type { Storage } from '../storage/types.js';
import type { StorageFull } from './storage-full.js';

/** The storage calls whose success proves there is space to write. */
const WRITES: ReadonlySet<PropertyKey> = new Set([
  'insertMessages',
  'putMessages',
  'putMessageIf',
  'putQueue',
]);

/**
 * A queue deleted between the lookup and the write is missing, as if the
 * lookup had lost; a full disk is 507 (storage-full.ts); anything else 500.
 */
function toHttpError(error: unknown, full: StorageFull): HttpError {
  if (isStorageError(error) && error.code === 'QUEUEY_SERVER_QUEUE_NOT_FOUND') {
    return errors.notFound('InvalidQueueName', 'Queue of that name was not found.');
  }
  if (isStorageFull(error)) {
    full.failed(error);
    return errors.storageFull();
  }
  if (isStorageError(error) && error.transient) return errors.storageTransient(error);
  return errors.storage(error);
}

/**
 * A view of `storage` whose failing async calls reject with the HTTP answer
 * (507 when full; 503 when nothing was done and a retry may work; else 500
 * "storage"), so no handler has to remember to translate them; writes that
 * succeed end a full-disk episode.
 */
export function guardStorage(storage: Storage, full: StorageFull): Storage {
  // Each method is wrapped once, not at every call.
  const wrapped = new Map<PropertyKey, { of: unknown; as: unknown }>();
  return new Proxy(storage, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const known = wrapped.get(property);
      if (known && known.of === value) return known.as;
      const as = guard(target, property, value, full);
      wrapped.set(property, { of: value, as });
      return as;
    },
  });
}

/** `value` (a method of `target`) with its failures turned into HTTP answers. */
function guard(
  target: Storage,
  property: PropertyKey,
  value: (...args: unknown[]) => unknown,
  full: StorageFull,
) {
  // The target itself is `this` for every call: adapters keep #private state.
  if (property === 'watch') return value.bind(target);
  const fail = (error: unknown) => toHttpError(error, full);
  const wrote = (result: unknown) => {
    // A conditional PUT that did not match wrote nothing.
    if ((result as { written?: boolean } | undefined)?.written !== false) full.wrote();
    return result;
  };
  const write = WRITES.has(property);
  return (...args: unknown[]) => {
    try {
      const result = value.apply(target, args);
      if (!(result instanceof Promise)) return result;
      const settled = write ? result.then(wrote) : result;
      return settled.catch((error: unknown) => Promise.reject(fail(error)));
    } catch (error) {
      throw fail(error);
    }
  };
}
