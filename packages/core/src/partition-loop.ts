import type { Clock } from '@qdo/common';
import { isCut } from './batch.js';
import { BatchWork } from './batch-hook.js';
import { CorruptStatusError, FencedError, toError } from './errors.js';
import type { ByteBudget, Fetcher } from './fetch.js';
import type { Message } from './hooks.js';
import type { Idler } from './idle.js';
import type { JobRunner, Outcome } from './job-runner.js';
import { about, type Logger, logEnabled } from './logger.js';
import type { Metrics } from './metrics.js';
import { isOutage, type OutageTracker } from './outage.js';
import { PartitionState } from './partition-state.js';
import type { ProgressStore } from './progress.js';
import { ReadAhead } from './read-ahead.js';
import { type Retry, runAgain } from './run-again.js';
import type { Semaphore } from './semaphore.js';
import { within } from './settle.js';

export interface LoopDeps<C, B> {
  fetcher: Fetcher;
  progress: ProgressStore;
  jobs: JobRunner<C, B>;
  idler: Idler;
  semaphore: Semaphore;
  budget: ByteBudget;
  outage: OutageTracker;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  context: C;
  batchSize: number;
  commitEvery: number;
  /** Seconds a stop or release waits for the job in hand before aborting its signal. */
  shutdownTimeout: number;
  abortGrace: number;
  /** The worker's stop: no more reading. */
  signal: AbortSignal;
  /** Whether the partition is still ours, asked before each job (fencing). */
  owns(name: string): boolean;
  random?: () => number;
}

/** How often a paused partition peeks at its oldest waiting message, for the lag gauges. */
const PAUSED_LAG_MS = 5000;

const is = (error: unknown, code: string) => (error as { code?: unknown })?.code === code;

/**
 * One owned partition's life: take its position, then read, run each
 * message's job in order, mark it processed, commit; until released or
 * stopped. It never waits for another partition, only for a job slot.
 */
export class PartitionLoop<C, B> {
  readonly state: PartitionState;
  readonly done: Promise<void>;
  /** Why it ended early (corrupt status, fenced, unreadable), if it did. */
  error: Error | undefined;
  readonly #read = new AbortController();
  readonly #abortJobs = new AbortController();
  readonly #abandon = new AbortController();
  readonly #scope = {
    abortJobs: this.#abortJobs.signal,
    abandon: this.#abandon.signal,
    stuck: (messageId: string) => this.#markStuck(messageId),
  };
  readonly #signal: AbortSignal;
  readonly #write: (name: string, position: string) => Promise<void>;
  readonly #reads: ReadAhead;
  /** Whether the loop's decisions are logged: decided once, so debug off costs nothing. */
  readonly #debugs: boolean;

  constructor(
    name: string,
    private readonly d: LoopDeps<C, B>,
  ) {
    this.state = new PartitionState(name);
    this.#signal = AbortSignal.any([d.signal, this.#read.signal]);
    this.#debugs = logEnabled(d.logger, 'debug');
    const write = (partition: string, position: string) => d.progress.commit(partition, position);
    this.#write = !this.#debugs
      ? write
      : (partition, position) =>
          write(partition, position).then(() => {
            d.logger.debug(`${partition}: committed`, { ...about(partition), position });
          });
    this.#reads = new ReadAhead(this.state, { ...d, signal: this.#signal });
    this.done = this.#run();
  }

  /** Stops reading at once; the message in hand finishes, then the loop commits and ends. */
  stop(): void {
    this.#read.abort();
  }

  /**
   * Someone else moved the partition's position (`qdo seek`): stop before
   * the next job and end without a commit (it would be refused, or, on a
   * server without `if-match`, undo the seek). A new loop reads the new
   * position.
   */
  reposition(): void {
    this.#repositioned = true;
    this.stop();
  }

  #repositioned = false;
  /** Aborted (and renewed) by a pause or resume: ends an idle or paused wait at once. */
  #wake = new AbortController();

  /** `qdo pause` or `qdo resume` noticed: no job starts while paused; the job in hand finishes. */
  setPaused(paused: boolean): void {
    this.state.paused = paused;
    this.#wake.abort();
    this.#wake = new AbortController();
  }

  #waitSignal(): AbortSignal {
    return AbortSignal.any([this.#signal, this.#wake.signal]);
  }

  /**
   * Stops and resolves once the loop ended: the job in hand gets
   * `shutdownTimeout`, then its signal aborts and it gets at most half a
   * second more (or `abortGrace`, if shorter); then the loop gives up on it.
   */
  async finish(): Promise<void> {
    this.stop();
    const { shutdownTimeout, abortGrace, logger } = this.d;
    if (await within(this.d.clock, this.done, shutdownTimeout * 1000)) return;
    logger.warn(
      `${this.state.name}: the job in hand still runs ${shutdownTimeout} s after the stop; aborting it`,
      about(this.state.name),
    );
    this.#abortJobs.abort();
    if (await within(this.d.clock, this.done, Math.min(abortGrace, 0.5) * 1000)) return;
    this.#abandon.abort();
    await this.done;
    const message = this.state.stuckOn;
    logger.error(
      `${this.state.name}: gave up on the job on message ${message}; it will run again`,
      about(this.state.name, message),
    );
  }

  async #run(): Promise<void> {
    const position = await this.#retry(() =>
      this.d.progress.acquire(this.state.name, this.#signal),
    );
    if (position === undefined) return this.#end();
    if (this.#debugs)
      this.d.logger.debug(
        `${this.state.name}: acquired; reading on from ${position || 'the start'}`,
        {
          ...about(this.state.name),
          position,
        },
      );
    this.state.start(position);
    this.state.paused = this.d.progress.paused(this.state.name);
    if (this.state.paused)
      this.d.logger.info(
        `${this.state.name}: paused (qdo pause): no job starts on it until qdo resume`,
        about(this.state.name),
      );
    while (!this.#signal.aborted && (await this.#retry(() => this.#batch())));
    await this.#end();
  }

  /** A batch: read (or take the read-ahead), run its jobs in order, commit off the read path. */
  async #batch(): Promise<boolean> {
    const { state, d } = this;
    if (state.paused) return this.#whilePaused();
    const [batch] = await Promise.all([this.#reads.next(), state.committing]);
    if (batch.length === 0) {
      this.#gauges(0, 0);
      await d.idler.wait(state, this.#waitSignal());
      return true;
    }
    d.idler.busy(state);
    const last = batch[batch.length - 1] as Message;
    if (this.#debugs)
      d.logger.debug(`${state.name}: read ${batch.length} message(s)`, {
        ...about(state.name),
        count: batch.length,
        last: last.message_id,
      });
    // A batch the server's answer budget cut is short, with more after it.
    const more = batch.length >= d.batchSize || isCut(batch);
    if (more) this.#reads.ahead(last.message_id);
    if (!(await (d.jobs.batched ? this.#whole(batch) : this.#each(batch)))) return false;
    // Not awaited: the next batch's jobs wait for it, its read does not.
    const committed = state.commit(this.#write);
    if (state.paused) return true; // the next round waits paused, after this commit
    if (!more && this.#reads.exact && !this.#signal.aborted) {
      // A short batch was all there was: the idle long-poll reads on from
      // this position, so a read now would only find what it finds.
      this.#gauges(0, 0);
      await this.#idleWhileCommitting(committed);
    }
    return true;
  }

  /** Each message's job in order; false when the partition must stop. */
  async #each(batch: Message[]): Promise<boolean> {
    const { state, d } = this;
    for (let i = 0; i < batch.length; i++) {
      const message = batch[i] as Message;
      if (this.#signal.aborted || state.paused) break;
      // A free slot is taken at once; only a wait for one costs a promise.
      const slot = this.#slot();
      if (!(slot === true || (await slot))) break;
      if (state.paused) {
        d.semaphore.release(); // paused while it waited for a slot
        break;
      }
      this.#lag(message, batch.length - i);
      let outcome: Outcome;
      try {
        const running = d.jobs.run(message as Message<B>, d.context, state, this.#scope);
        outcome = typeof running === 'string' ? running : await running;
      } finally {
        d.semaphore.release();
      }
      if (outcome === 'retry') outcome = await this.#runAgain(message as Message<B>);
      if (outcome !== 'done') return false;
      state.advance(message.message_id);
      if (d.commitEvery > 0 && state.uncommitted >= d.commitEvery) await state.commit(this.#write);
    }
    return true;
  }

  /**
   * The batch hook on the whole batch, as one job: one slot, ownership
   * checked before it, the position moved past the batch once it returned
   * (and its failed messages went through job_failure); false when the
   * partition must stop, leaving the whole batch unprocessed.
   */
  async #whole(batch: Message[]): Promise<boolean> {
    const { state, d } = this;
    const first = batch[0] as Message;
    const slot = this.#signal.aborted || state.paused ? false : this.#slot();
    if (!(slot === true || (await slot))) return true;
    this.#lag(first, batch.length);
    const work = new BatchWork(batch as Message<B>[]);
    const run = (attempt: number) => d.jobs.runBatch(work, d.context, state, this.#scope, attempt);
    let outcome: Outcome;
    try {
      outcome = await run(1);
    } finally {
      d.semaphore.release();
    }
    if (outcome === 'retry')
      outcome = await this.#again({ what: `batch from message ${first.message_id}`, run });
    if (outcome !== 'done') return false;
    state.advance((batch[batch.length - 1] as Message).message_id, batch.length);
    if (d.commitEvery > 0 && state.uncommitted >= d.commitEvery) await state.commit(this.#write);
    return true;
  }

  /**
   * A job slot, then whether the partition is still ours; false (no slot
   * held) when stopped or lost. Synchronous while a slot is free.
   */
  #slot(): boolean | Promise<boolean> {
    if (this.d.semaphore.tryAcquire()) return this.#owned(true);
    return this.d.semaphore.acquire(this.#signal).then((taken) => this.#owned(taken));
  }

  #runAgain(message: Message<B>): Promise<Outcome> {
    const { d, state } = this;
    const run = (attempt: number) => d.jobs.run(message, d.context, state, this.#scope, attempt);
    return this.#again({
      what: `message ${message.message_id}`,
      messageId: message.message_id,
      run,
    });
  }

  #again(retry: Retry): Promise<Outcome> {
    const { d, state } = this;
    return runAgain(d.jobs, retry, {
      ...{ state, signal: this.#signal },
      slot: () => this.#slot(),
      release: () => d.semaphore.release(),
    });
  }

  #owned(taken: boolean): boolean {
    const { d, state } = this;
    if (!taken) return false;
    if (d.owns(state.name)) return true;
    // Lost while we ran (a fenced partitioner): not one more job here.
    d.semaphore.release();
    this.stop();
    return false;
  }

  /**
   * Waits with the caught-up partitions; a failure of the commit on its way
   * (fenced, an outage) ends the wait and is thrown, to be met as a read
   * would have met it.
   */
  async #idleWhileCommitting(committed: Promise<void>): Promise<void> {
    const failed = new AbortController();
    let failure: { error: unknown } | undefined;
    committed.catch((error: unknown) => {
      failure = { error };
      failed.abort();
    });
    await this.d.idler.wait(this.state, AbortSignal.any([this.#waitSignal(), failed.signal]));
    if (failure) throw failure.error;
  }

  /**
   * Paused: no read and no job until resumed. What was read ahead goes back,
   * the position reached is committed (with the pause, see ProgressStore),
   * and the lag gauges go on from the oldest message left waiting, peeked
   * (one message) every PAUSED_LAG_MS.
   */
  async #whilePaused(): Promise<boolean> {
    const { state, d } = this;
    this.#reads.drop();
    d.idler.busy(state);
    await state.commit(this.#write);
    while (state.paused && !this.#signal.aborted) {
      await this.#pausedLag();
      await d.clock.sleep(PAUSED_LAG_MS, this.#waitSignal());
    }
    return true;
  }

  async #pausedLag(): Promise<void> {
    const { state, d } = this;
    try {
      const [oldest] = await d.fetcher.read(state, state.position, {
        limit: 1,
        signal: this.#waitSignal(),
      });
      if (oldest) this.#lag(oldest, 1);
      else this.#gauges(0, 0);
    } catch (error) {
      if (!this.#signal.aborted)
        d.logger.debug(`${state.name}: paused; could not read its lag`, about(state.name), error);
    }
  }

  /**
   * Runs a step until it succeeds: an outage backs off; a fenced commit or a
   * corrupt status ends the loop (undefined); anything else is logged and
   * the partition waits like a caught-up one before trying again.
   */
  async #retry<T>(step: () => Promise<T>): Promise<T | undefined> {
    for (let logged = false; !this.#signal.aborted; ) {
      const startedIn = this.d.outage.epoch;
      try {
        const result = await step();
        this.d.outage.recovered();
        return result;
      } catch (error) {
        if (this.#signal.aborted) return undefined;
        if (is(error, FencedError.code) || is(error, CorruptStatusError.code)) {
          this.error = toError(error);
          this.state.setStatus(is(error, FencedError.code) ? 'fenced' : 'corrupt');
          return undefined;
        }
        if (isOutage(error)) {
          const { clock, random, signal: stop } = this.d;
          const signal = this.#signal;
          await this.d.outage.backOff(error, { clock, random, stop, signal, startedIn });
          continue;
        }
        if (!logged)
          this.d.logger.warn(
            `cannot read ${this.state.name}: ${toError(error).message}`,
            about(this.state.name),
            error,
          );
        logged = true;
        await this.d.idler.wait(this.state, this.#signal);
      }
    }
    return undefined;
  }

  /** The last commit; a fenced partition commits nothing more. */
  async #end(): Promise<void> {
    const { state } = this;
    this.#reads.drop();
    if (this.#repositioned) {
      state.setStatus('stopped');
      return;
    }
    if (state.status === 'fenced') {
      this.d.logger.warn(
        `${state.name}: ${this.error?.message}; its loop ended`,
        about(state.name),
      );
      return;
    }
    if (state.status === 'corrupt') return;
    try {
      await state.commit(this.#write);
    } catch (error) {
      if (is(error, FencedError.code)) {
        state.setStatus('fenced');
        this.d.logger.warn(`${state.name}: ${toError(error).message}`, about(state.name));
        return;
      }
      this.d.logger.error(
        `could not commit progress of ${state.name}; its tail may run again`,
        about(state.name),
        error,
      );
    }
    if (state.status !== 'stuck') state.setStatus('stopped');
    if (this.#debugs) this.d.logger.debug(`${state.name}: let go`, about(state.name));
  }

  /**
   * Records the stuck job on the server for `qdo status`, in the commit
   * chain (fenced like a commit); the next commit clears it. Best effort: a
   * failure is logged, the partition's own loop sees a fencing at its commit.
   */
  #markStuck(messageId: string): void {
    const { state, d } = this;
    state
      .write(() => d.progress.markStuck(state.name, messageId))
      .catch((error) => {
        d.logger.warn(
          `${state.name}: could not record on the server that it is stuck: ${toError(error).message}`,
          about(state.name, messageId),
        );
      });
  }

  #lag(message: Message, remaining: number): void {
    // A double keeps a gauge's precision (about 0.2 us at today's epoch
    // seconds); exact BigInt ticks cost more than the metrics themselves.
    const lag = this.d.clock.now() / 1000 - Number(message.timestamp);
    this.#gauges(remaining + this.state.prefetched, Math.max(0, lag));
  }

  #gauges(messages: number, seconds: number): void {
    const labels = { partition: this.state.name };
    this.d.metrics.gauge('worker.lag_messages', messages, labels);
    this.d.metrics.gauge('worker.lag_seconds', seconds, labels);
  }
}
