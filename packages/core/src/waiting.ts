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
  const jitter = 0.8 + 0.4 * (options.random ?? Math.random)();
  const delay = options.waitInterval * 1000 * jitter * 2 ** Math.min(options.idleRounds, 10);
  return Math.min(delay, (options.maxWait ?? Number.POSITIVE_INFINITY) * 1000);
}

/** Back-off while the server is unreachable: 0.5 s doubling to 30 s, with jitter. */
export function outageDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** Math.min(attempt, 10), 30_000);
  return base * (0.8 + 0.4 * random());
}
