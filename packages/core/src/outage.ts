import type { Logger } from './logger.js';

/** Errors that mean "the server is not answering", not "the request was wrong". */
export function isOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const name = error.name;
  if (['QueueyConnectionError', 'QueueyTimeoutError', 'QueueyBadResponseError'].includes(name)) {
    return true;
  }
  if (name === 'QueueyHTTPError') {
    const status = (error as { status?: unknown }).status;
    return typeof status === 'number' && (status >= 500 || status === 429 || status === 408);
  }
  return false;
}

/**
 * Logs once when an outage starts and once when it ends, not once per
 * failed request, and counts attempts for the back-off.
 */
export class OutageTracker {
  #attempts = 0;
  #since = 0;
  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  get attempts(): number {
    return this.#attempts;
  }

  get active(): boolean {
    return this.#attempts > 0;
  }

  failed(error: unknown): void {
    if (this.#attempts === 0) {
      this.#since = this.now();
      const detail = error instanceof Error ? error.message : String(error);
      this.logger.warn(`Queuey server unreachable, backing off and retrying: ${detail}`);
    }
    this.#attempts += 1;
  }

  recovered(): void {
    if (this.#attempts === 0) return;
    const seconds = ((this.now() - this.#since) / 1000).toFixed(1);
    this.logger.info(
      `Queuey server reachable again after ${seconds} s (${this.#attempts} failed attempts)`,
    );
    this.#attempts = 0;
  }
}
