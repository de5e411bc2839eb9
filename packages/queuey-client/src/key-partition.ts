/**
 * The partition of a keyed message: Kafka's default partitioner, so a
 * producer in any language can place keys exactly as this client does.
 *
 *   partition = (murmur2(utf8(key)) & 0x7fffffff) % partitions + 1
 *
 * `murmur2` is the 32-bit MurmurHash2 with Kafka's seed 0x9747b28c; `+ 1`
 * because Queuey numbers partitions from 1.
 */
import { QueueyError } from './errors.js';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const encoder = new TextEncoder();

/** Kafka's `Utils.murmur2` over `bytes`, as a signed 32-bit integer (as Java returns it). */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The 1 to 3 tail bytes, mixed in from the last one down as Kafka does.
  const tail = length % 4;
  if (tail >= 3) h ^= (bytes[whole + 2] as number) << 16;
  if (tail >= 2) h ^= (bytes[whole + 1] as number) << 8;
  if (tail >= 1) h = Math.imul(h ^ (bytes[whole] as number), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The 1-based partition of `key` in a queue of `partitions` partitions. */
export function partitionForKey(key: string, partitions: number): number {
  if (typeof key !== 'string') {
    throw new QueueyError(`a message key must be a string, got ${typeof key}`, {
      code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
    });
  }
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new QueueyError(`partitions must be a positive integer, got ${partitions}`, {
      code: 'QUEUEY_CLIENT_INVALID_ARGUMENT',
    });
  }
  return ((murmur2(encoder.encode(key)) & 0x7fffffff) % partitions) + 1;
}
