/**
 * The latency run's clock in message bodies: the poster writes its
 * CLOCK_MONOTONIC time (`process.hrtime`, one clock for every process on the
 * machine) before a `|`; the job subtracts it from its own.
 */
import { body100 } from './env.js';

/** A 100-byte body that carries the time it was posted. */
export const stamped = (): string => body100(`${process.hrtime.bigint()}|`);

/** The time since a stamped body was posted, ms. */
export function sinceStamp(body: string): number {
  return Number(process.hrtime.bigint() - BigInt(body.slice(0, body.indexOf('|')))) / 1e6;
}
