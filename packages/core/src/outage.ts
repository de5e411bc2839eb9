import type { Clock } from '@qdo/common';
import { isTransient } from '@qdo/queuey-client';
import type { Logger } from './logger.js';
import { whenAborted } from './settle.js';
import { outageDelay } from './waiting.js';

/** Errors that mean "the server is not answering", not "the request was wrong". */
export const isOutage: (error: unknown) => boolean = isTransient;

/**
 * Logs once when an outage starts and once when it ends, not once per
 * failed request, and counts attempts for the back-off.
 */
export class OutageTracker {
  #attempts = 0;
  #since = 0;
  /** Counts recoveries: a request remembers it when it starts (see backOff's `startedIn`). */
  #epoch = 0;
  /** Counts outages begun (see `heard`). */
  #begun = 0;
  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  get attempts(): number {
    return this.#attempts;
  }

  /** Pass it back as `startedIn` when a request begun now fails. */
  get epoch(): number {
    return this.#epoch;
  }

  get active(): boolean {
    return this.#attempts > 0;
  }

  /**
   * A request's answer: when the request was sent during the outage under
   * way, the server is back. One sent before the outage began proves
   * nothing: it may be answered (or a batch read ahead then used) while the
   * server is already gone.
   */
  async heard<T>(request: Promise<T>): Promise<T> {
    const begun = this.#attempts > 0 ? this.#begun : -1;
    const answer = await request;
    if (this.#attempts > 0 && begun === this.#begun) this.recovered();
    return answer;
  }

  /**
   * Whether a request begun at `startedIn` (an `epoch`) that failed only
   * now is old news: the outage it met has ended since, and no other is
   * under way.
   */
  isOldNews(startedIn: number | undefined): boolean {
    return startedIn !== undefined && startedIn < this.#epoch && this.#attempts === 0;
  }

  /**
   * Backs off after a failed request. Every partition that fails while a
   * back-off runs joins it: one outage is one sequence of waits and
   * attempts, not one per partition. Ends early when `signal` aborts.
   */
  async backOff(
    error: unknown,
    o: {
      clock: Clock;
      /** The caller's: it stops waiting. */
      signal: AbortSignal;
      /** The worker's: the shared back-off ends. */
      stop: AbortSignal;
      random?: () => number;
      /**
       * `epoch` when the failed request started. Partitions run requests in
       * parallel: one begun during an outage may fail after another already
       * saw the server back. That failure is old news: no new outage, no wait.
       */
      startedIn?: number;
    },
  ): Promise<void> {
    if (this.isOldNews(o.startedIn)) return;
    if (!this.#pause) {
      this.failed(error);
      const ms = outageDelay(this.#attempts - 1, o.random);
      this.#pause = o.clock.sleep(ms, o.stop).finally(() => {
        this.#pause = undefined;
      });
    }
    const stopped = whenAborted(o.signal);
    await Promise.race([this.#pause, stopped.promise]);
    stopped.off();
  }

  #pause: Promise<void> | undefined;

  failed(error: unknown): void {
    if (this.#attempts === 0) {
      this.#begun += 1;
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
    this.#epoch += 1;
  }
}
