/** What `backoff` computes a wait from. */
export interface BackoffOptions {
  /** 1 for the first wait, 2 for the second, ... */
  attempt: number;
  /** Milliseconds of the first wait, before jitter. */
  base: number;
  /** Cap in milliseconds of the doubled wait, before jitter. */
  max: number;
  /**
   * `'full'`: uniform in [0, wait), so many clients retrying together spread
   * out. A fraction j: wait × uniform [1 - j, 1 + j). Default `'full'`.
   */
  jitter?: 'full' | number;
  /** Source of the jitter, [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * Exponential back-off: `base × 2^(attempt - 1)`, at most `max`, then
 * jittered. The one back-off of every qdo package (job retries, outages,
 * idle polling), so they all agree on its shape.
 */
export function backoff(options: BackoffOptions): number {
  const { attempt, base, max } = options;
  // Beyond 2^52 a double stops being exact; any cap is hit long before.
  const doubled = base * 2 ** Math.min(Math.max(attempt - 1, 0), 52);
  const wait = Math.min(doubled, max);
  const r = (options.random ?? Math.random)();
  const jitter = options.jitter ?? 'full';
  return jitter === 'full' ? wait * r : wait * (1 - jitter + 2 * jitter * r);
}
