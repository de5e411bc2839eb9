import type { Clock } from '@qdo/common';
import { type Logger, logEnabled } from './logger.js';
import { type Handed, inexact, longPoll, type PositionsFetch } from './long-poll.js';
import type { Metrics } from './metrics.js';
import type { PartitionState } from './partition-state.js';
import type { QueueyClient } from './queuey-types.js';
import { waitTimer } from './settle.js';
import { idleDelay } from './waiting.js';

export interface IdlerOptions {
  queuey: QueueyClient;
  metrics: Metrics;
  clock: Clock;
  /** The worker's stop. */
  signal: AbortSignal;
  waitInterval: number;
  maxWait: number;
  longPoll: number;
  /** The long-poll asks for a whole batch per partition and hands it over. */
  batchSize: number;
  discoveryInterval: number;
  random?: () => number;
  /** Where the idle decisions (sleeps, long-polls and their wakes) go, at debug. */
  logger?: Logger;
}

/** The partitions an idle step waits over (PartitionSet). */
export interface IdleHost {
  /** Loops starting, running or waiting. */
  readonly live: number;
  /** Aborts when ownership grows (a fresh signal after each change). */
  readonly wake: AbortSignal;
  /** Re-lists queues when due; true when new partitions appeared. */
  discover(): Promise<boolean>;
}

/**
 * What ended a caught-up partition's wait: the long-poll's batch for it
 * (read after `after`: its next batch while its position is still that), a
 * wake without one (messages arrived, or the back-off passed: read again),
 * or its signal.
 */
export type Woken = Handed | 'read' | 'aborted';

/**
 * How long idle partitions wait for busy ones to come back before a
 * long-poll without them (on the worker's clock): a cross-partition arrival during a
 * longer job waits at most this much more.
 */
const BUSY_GRACE_MS = 10;

/**
 * Caught-up partitions wait here, and one shared long-poll (or back-off) per
 * idle step wakes the partitions it names, so idle partitions do not
 * multiply requests.
 */
export class Idler {
  readonly #waiting = new Map<PartitionState, (woken: Woken) => void>();
  /** When each waiting partition last read (empty). */
  readonly #readAt = new Map<PartitionState, number>();
  /** New, or woken by us, and not yet back (busy or waiting again): the next step waits for them. */
  readonly #pending = new Set<PartitionState>();
  #idleRounds = 0;
  /** Whether the server holds reads (`wait`); unknown until a probe shows it. */
  #holds: boolean | undefined;
  /** The server's multi-partition fetch, when it offers one. */
  #fetch: PositionsFetch | undefined;
  #change = new AbortController();
  /** Whether idle partitions already waited BUSY_GRACE_MS for the busy ones. */
  #graced = false;
  /** Decided once, so debug off costs nothing. */
  readonly #debug: Logger | undefined;

  constructor(private readonly o: IdlerOptions) {
    this.#debug = o.logger && logEnabled(o.logger, 'debug') ? o.logger : undefined;
  }

  /**
   * A caught-up partition's loop waits here until the shared long-poll or
   * back-off wakes it, or `signal` aborts; resolves with what woke it.
   */
  wait(state: PartitionState, signal: AbortSignal): Promise<Woken> {
    this.#pending.delete(state);
    return new Promise((resolve) => {
      const aborted = () => done('aborted');
      const done = (woken: Woken) => {
        signal.removeEventListener('abort', aborted);
        this.#waiting.delete(state);
        this.#readAt.delete(state);
        resolve(woken);
      };
      if (signal.aborted) return aborted();
      this.#waiting.set(state, done);
      this.#readAt.set(state, this.o.clock.monotonic());
      signal.addEventListener('abort', aborted, { once: true });
      this.#changed();
    });
  }

  /** A partition found messages: the next idle wait starts short again. */
  busy(state: PartitionState): void {
    this.#idleRounds = 0;
    if (this.#pending.delete(state)) this.#changed();
  }

  /** A new loop: the next idle step waits until it read once. */
  track(state: PartitionState): void {
    this.#pending.add(state);
  }

  /** A loop ended. */
  forget(state: PartitionState): void {
    if (this.#pending.delete(state)) this.#changed();
  }

  /** What the server advertises: whether it holds reads, and its multi-partition fetch. */
  use(server: { holds?: boolean; fetch?: PositionsFetch }): void {
    this.#holds = server.holds ?? this.#holds;
    this.#fetch = server.fetch;
  }

  /**
   * The worker's idle step: while partitions work, waits until one is idle
   * (or the discovery interval passed); then one long-poll over every idle
   * partition, or the back-off sleep when the server does not hold reads.
   */
  async step(host: IdleHost): Promise<void> {
    const loops = host.live;
    const change = this.#change.signal;
    const signal = AbortSignal.any([this.o.signal, host.wake]);
    if (this.#pending.size > 0 || (this.#waiting.size === 0 && loops > 0)) {
      await this.#whileUnchanged(
        AbortSignal.any([signal, change]),
        this.o.discoveryInterval * 1000,
      );
      return;
    }
    if (this.#waiting.size >= loops) this.#graced = false;
    else if (!this.#graced) {
      // Some partitions are at work. Most come back within moments (a short
      // job, its commit off the path); a long-poll over the others now would
      // be cut short to add them, its connection with it. So wait a moment
      // for them first, once per time partitions get busy.
      this.#graced = true;
      await this.#whileUnchanged(AbortSignal.any([signal, change]), BUSY_GRACE_MS);
      return;
    }
    this.o.metrics.increment('worker.wait_for_jobs');
    const states = [...this.#waiting.keys()];
    if (this.o.longPoll > 0 && states.length > 0 && this.#holds !== false) {
      if (await this.#poll(states, AbortSignal.any([signal, change]))) return;
    }
    await this.#sleep(signal, host);
    this.#wake([...this.#waiting.keys()]);
  }

  /** Resolves false when the server answered at once: it does not hold reads. */
  async #poll(states: PartitionState[], signal: AbortSignal): Promise<boolean> {
    const { queuey, clock, batchSize: limit } = this.o;
    // Held no longer than the discovery interval, so new queues still show up in time.
    const seconds = Math.max(1, Math.floor(Math.min(this.o.longPoll, this.o.discoveryInterval)));
    const started = clock.monotonic();
    const fetch = this.#fetch;
    this.#debug?.debug(`idle: long-poll on ${states.length} partition(s) for ${seconds} s`, {
      partitions: states.length,
    });
    const woken = await longPoll({ queuey, states, seconds, signal, limit, fetch });
    if (woken.size > 0) {
      this.#debug?.debug(`idle: long-poll woke ${woken.size} partition(s)`, {
        partitions: [...woken],
      });
      this.#wake(states, woken);
      return true;
    }
    if (this.o.signal.aborted) return true;
    const expired = !signal.aborted;
    if (expired && this.#holds === undefined && clock.monotonic() - started < seconds * 500) {
      this.#holds = false;
      return false;
    }
    if (expired) this.#holds = true;
    // A probe does not fully watch partitions behind the newest position
    // (see inexact): they read again, at most once per hold, so a probe cut
    // short again and again by busy partitions cannot starve them.
    const stale = expired ? started : clock.monotonic() - seconds * 1000;
    const behind = fetch ? new Set<string>() : inexact(states);
    this.#wake(
      states.filter((state) => behind.has(state.name) && (this.#readAt.get(state) ?? 0) <= stale),
    );
    return true;
  }

  /** Wakes the waiting `states`; given `found`, only those it names, each with its batch if any. */
  #wake(states: readonly PartitionState[], found?: ReadonlyMap<string, Handed | undefined>): void {
    for (const state of states) {
      const resolve = this.#waiting.get(state);
      if (!resolve || (found && !found.has(state.name))) continue;
      this.#pending.add(state);
      resolve(found?.get(state.name) ?? 'read');
    }
  }

  /** Waits until `signal` aborts or `ms` passed: on the clock's timer, the wait is for other partitions' work. */
  #whileUnchanged(signal: AbortSignal, ms: number): Promise<void> {
    return waitTimer(this.o.clock, ms, signal);
  }

  #changed(): void {
    this.#change.abort();
    this.#change = new AbortController();
  }

  async #sleep(signal: AbortSignal, host: IdleHost): Promise<void> {
    const { clock, waitInterval, maxWait, random } = this.o;
    const ms = idleDelay({ waitInterval, maxWait, idleRounds: this.#idleRounds, random });
    const until = clock.monotonic() + ms;
    this.#debug?.debug(
      `idle: ${this.#waiting.size} partition(s) caught up; sleeping ${Math.round(ms)} ms`,
      {
        partitions: this.#waiting.size,
      },
    );
    this.#idleRounds += 1;
    // Sleep in slices of the discovery interval so a new queue ends the wait.
    while (!signal.aborted) {
      const remaining = until - clock.monotonic();
      if (remaining <= 0) return;
      await clock.sleep(Math.min(remaining, this.o.discoveryInterval * 1000), signal);
      if (!signal.aborted && (await host.discover())) return;
    }
  }
}
