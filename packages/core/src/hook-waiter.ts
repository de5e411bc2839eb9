import type { Clock } from '@qdo/common';
import { about, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { delay, type Settled, settled, whenAborted } from './settle.js';

/** What a hook call is watched by: its signal, and the scope of its partition's loop. */
interface Watch {
  signal: AbortSignal;
  partition: string;
  messageId: string;
  scope: {
    abandon: AbortSignal;
    /** Told when the hook is stuck on `messageId`, and (undefined) when it settled at last. */
    stuck(messageId: string | undefined): void;
  };
}

/**
 * Calls hooks and waits for them, watching their signal: a hook that does
 * not settle within `abortGrace` of its signal's abort is reported stuck to
 * its partition's loop (the partition waits for it; the others carry on),
 * until it settles or the worker abandons it at shutdown.
 */
export class HookWaiter {
  constructor(
    private readonly o: {
      abortGrace: number;
      /** The grace runs on it. */
      clock: Clock;
      metrics: Metrics;
      logger: Logger;
    },
  ) {}

  /** Calls a hook; one that returned or threw without a promise needs no waiting. */
  call(hook: () => unknown, on: Watch): Settled | Promise<Settled | 'abandoned'> {
    let value: unknown;
    try {
      value = hook();
    } catch (error) {
      return { ok: false, error };
    }
    if (typeof (value as PromiseLike<unknown> | null)?.then !== 'function')
      return { ok: true, value };
    return this.#settle(Promise.resolve(value), on);
  }

  /**
   * Waits for a hook; once its signal aborted, `abortGrace` more, then
   * reports the partition stuck and goes on waiting until it settles or the
   * worker abandons it. The partition's next message never starts before.
   */
  async #settle(running: Promise<unknown>, on: Watch): Promise<Settled | 'abandoned'> {
    const { signal, partition, messageId } = on;
    const outcome = settled(running);
    const aborted = whenAborted(signal);
    const first = await Promise.race([outcome, aborted.promise]);
    aborted.off();
    if (first) return first;
    const grace = delay(this.o.clock, this.o.abortGrace * 1000);
    const abandon = whenAborted(on.scope.abandon);
    try {
      const second = await Promise.race([outcome, grace.promise, abandon.promise]);
      if (second) return second;
      on.scope.stuck(messageId);
      if (on.scope.abandon.aborted) return 'abandoned';
      this.#reportStuck(partition, messageId);
      const third = await Promise.race([outcome, abandon.promise]);
      if (!third) return 'abandoned';
      on.scope.stuck(undefined);
      this.o.metrics.gauge('worker.stuck', 0, { partition });
      this.o.logger.info(
        `the job on ${partition} message ${messageId} settled at last`,
        about(partition, messageId),
      );
      return third;
    } finally {
      grace.cancel();
      abandon.off();
    }
  }

  #reportStuck(partition: string, messageId: string): void {
    this.o.metrics.gauge('worker.stuck', 1, { partition });
    this.o.logger.error(
      `partition ${partition} is stuck: the job on message ${messageId} ignored its abort ` +
        `signal for ${this.o.abortGrace} s; the partition waits for it, the others carry on`,
      about(partition, messageId),
    );
  }
}
