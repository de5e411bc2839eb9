import type { Clock } from './clock.js';
import { longPoll } from './long-poll.js';
import type { Metrics } from './metrics.js';
import type { PartitionState } from './partition-runner.js';
import type { PartitionSet } from './partition-set.js';
import type { QueueyClient } from './queuey-types.js';
import { idleDelay } from './waiting.js';

/** Step 5 of the loop: what the worker does when no owned partition had a message. */
export class Idler {
  #idleRounds = 0;
  /** A long-poll woke us; if the next round still finds nothing, sleep instead. */
  #woke = false;
  /** The partitions the last long-poll found messages in, until taken. */
  #woken: Set<string> | undefined;

  constructor(
    private readonly o: {
      queuey: QueueyClient;
      partitions: PartitionSet;
      metrics: Metrics;
      clock: Clock;
      signal: AbortSignal;
      waitInterval: number;
      longPoll: number;
      /** The long-poll asks for a whole batch per partition and hands it over. */
      batchSize: number;
      discoveryInterval: number;
      random?: () => number;
    },
  ) {}

  /** Some partition had a message: the next idle wait starts short again. */
  reset(): void {
    this.#idleRounds = 0;
    this.#woke = false;
  }

  /**
   * The partitions the last long-poll found messages in (once), so the next
   * round reads only those; the others were read empty just before it.
   */
  takeWoken(): ReadonlySet<string> | undefined {
    const woken = this.#woken;
    this.#woken = undefined;
    return woken;
  }

  /** Call only after a round that read every owned partition and found nothing. */
  async wait(states: readonly PartitionState[]): Promise<void> {
    this.o.metrics.increment('worker.wait_for_jobs');
    const spurious = this.#woke;
    this.#woke = false;
    // Stopping, or the partitioner handing us a partition, ends the wait.
    const signal = AbortSignal.any([this.o.signal, this.o.partitions.wake]);
    if (this.o.longPoll > 0 && states.length > 0 && !spurious) {
      // Held no longer than the discovery interval, so new queues still show up in time.
      const seconds = Math.max(1, Math.floor(Math.min(this.o.longPoll, this.o.discoveryInterval)));
      const { queuey, clock } = this.o;
      const started = clock.now();
      const limit = this.o.batchSize;
      const woken = await longPoll({ queuey, states, seconds, signal, limit });
      this.#woke = woken.size > 0;
      this.#woken = this.#woke ? woken : undefined;
      // A server without the `wait` extension answers at once: sleep instead of spinning.
      if (this.#woke || signal.aborted || clock.now() - started >= seconds * 500) return;
    }
    await this.#sleep(signal);
  }

  async #sleep(signal: AbortSignal): Promise<void> {
    const { clock, waitInterval, random } = this.o;
    const until = clock.now() + idleDelay({ waitInterval, idleRounds: this.#idleRounds, random });
    this.#idleRounds += 1;
    // Sleep in slices of the discovery interval so a new queue ends the wait.
    while (!signal.aborted) {
      const remaining = until - clock.now();
      if (remaining <= 0) return;
      await clock.sleep(Math.min(remaining, this.o.discoveryInterval * 1000), signal);
      if (!signal.aborted && (await this.o.partitions.discover())) return;
    }
  }
}
