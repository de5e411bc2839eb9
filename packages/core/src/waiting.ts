import { backoff } from '@qdo/common';

/**
 * How long to wait when no owned partition had a message:
 * waitInterval × jitter in [0.8, 1.2] × 2^min(idleRounds, 10), in ms, at
 * most `maxWait` seconds (when given). The jitter keeps many idle workers
 * from polling in lockstep.
 */
export function idleDelay(options: {
  waitInterval: number;
  idleRounds: number;
  maxWait?: number;
  random?: () => number;
}): number {
  const base = options.waitInterval * 1000;
  const delay = backoff({
    attempt: options.idleRounds + 1,
    base,
    max: base * 2 ** 10,
    jitter: 0.2,
    ...(options.random ? { random: options.random } : {}),
  });
  return Math.min(delay, (options.maxWait ?? Number.POSITIVE_INFINITY) * 1000);
}

/** Back-off while the server is unreachable: 0.5 s doubling to 30 s, with jitter. */
export function outageDelay(attempt: number, random: () => number = Math.random): number {
  return backoff({ attempt: attempt + 1, base: 500, max: 30_000, jitter: 0.2, random });
}

/**
 * The wait before a failed job runs again (`attempt` 1 = the first retry):
 * `retry_delay` doubling up to `retry_max_delay`, with full jitter, so
 * partitions that failed together do not all retry together.
 */
export function retryDelay(
  attempt: number,
  settings: { retryDelay: number; retryMaxDelay: number },
  random?: () => number,
): number {
  const { retryDelay, retryMaxDelay } = settings;
  return backoff({
    attempt,
    base: retryDelay * 1000,
    max: retryMaxDelay * 1000,
    ...(random ? { random } : {}),
  });
}
