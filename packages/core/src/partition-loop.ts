import type { Clock } from '@qdo/common';
import { type Batch, isCut } from './batch.js';
import { BatchWork } from './batch-hook.js';
import {
  CorruptStatusError,
  FencedError,
  isQdoError,
  type QdoErrorCode,
  toError,
} from './errors.js';
import type { ByteBudget, Fetcher } from './fetch.js';
import type { Message } from './hooks.js';
import type { Idler } from './idle.js';
import type { JobRunner, JobScope, Outcome } from './job-runner.js';
import { about, type Logger, logEnabled } from './logger.js';
import type { Handed } from './long-poll.js';
import type { Metrics } from './metrics.js';
import { isOutage, type OutageTracker } from './outage.js';
import { type PartitionState, PartitionView, startingFacts } from './partition-state.js';
import type { ProgressStore } from './progress.js';
import { ReadAhead } from './read-ahead.js';
import { type Retry, runAgain } from './run-again.js';
import type { Semaphore } from './semaphore.js';
import { within } from './settle.js';
import { WriteChain } from './write-chain.js';

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
  owned(): boolean;
  random?: () => number;
}

/**
 * Where a round's batch comes from: the long-poll's hand-over, else a read
 * (or the read-ahead); or the loop ends.
 */
type Next = Handed | 'read' | 'end';

/** How often a paused partition peeks at its oldest waiting message, for the lag gauges. */
const PAUSED_LAG_MS = 5000;

/** A background commit's failure, and the outage epoch it was sent in (see OutageTracker.backOff). */
interface CommitFailure {
  error: unknown;
  startedIn: number;
}

const is = (error: unknown, code: QdoErrorCode) => isQdoError(error) && error.code === code;

/**
 * One owned partition's life: take its position, then round after round
 * (#round): the next batch, each message's job in order, its mark, the
 * commit; until released or stopped. It never waits for another partition,
 * only for a job slot, and the next job does not wait for the commit before
 * it (see #commit). The loop is the only writer of its partition's facts;
 * everyone else reads them through `state`.
 */
export class PartitionLoop<C, B> {
  readonly state: PartitionState;
  readonly done: Promise<void>;
  /** Why it ended early (corrupt status, fenced, unreadable), if it did. */
  error: Error | undefined;
  readonly #facts = startingFacts();
  readonly #read = new AbortController();
  readonly #abortJobs = new AbortController();
  readonly #abandon = new AbortController();
  readonly #scope: JobScope = {
    abortJobs: this.#abortJobs.signal,
    abandon: this.#abandon.signal,
    stuck: (messageId) => this.#stuck(messageId),
  };
  readonly #signal: AbortSignal;
  readonly #reads: ReadAhead;
  /** The status message's writes: commits and the stuck mark, one at a time. */
  readonly #writes = new WriteChain();
  readonly #commitStep = () => this.#committed();
  /** The last background commit's failure, until the loop meets it; a later commit that succeeds clears it. */
  #commitFailure: CommitFailure | undefined;
  /** Aborts when a background commit fails: ends an idle wait, to meet the failure. */
  #commitFailed = new AbortController();
  /** Whether the loop's decisions are logged: decided once, so debug off costs nothing. */
  readonly #debugs: boolean;

  constructor(
    name: string,
    private readonly d: LoopDeps<C, B>,
  ) {
    this.state = new PartitionView(name, this.#facts);
    this.#signal = AbortSignal.any([d.signal, this.#read.signal]);
    this.#debugs = logEnabled(d.logger, 'debug');
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
    this.#facts.paused = paused;
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
    const message = this.#facts.stuckOn;
    logger.error(
      `${this.state.name}: gave up on the job on message ${message}; it will run again`,
      about(this.state.name, message),
    );
  }

  async #run(): Promise<void> {
    const { d, state } = this;
    const f = this.#facts;
    const position = await this.#retry(() =>
      d.outage.heard(d.progress.acquire(state.name, this.#signal)),
    );
    if (position === undefined) return this.#end();
    if (this.#debugs)
      d.logger.debug(`${state.name}: acquired; reading on from ${position || 'the start'}`, {
        ...about(state.name),
        position,
      });
    f.position = position;
    f.status = 'running';
    f.paused = d.progress.paused(state.name);
    if (f.paused)
      d.logger.info(
        `${state.name}: paused (qdo pause): no job starts on it until qdo resume`,
        about(state.name),
      );
    let handed: Handed | undefined;
    const round = () => {
      const given = handed;
      handed = undefined; // a round that fails reads afresh from the position it reached
      return this.#round(given);
    };
    while (!this.#signal.aborted) {
      const next = await this.#retry(round);
      if (next === undefined || next === 'end') break;
      if (next !== 'read') handed = next;
    }
    await this.#end();
  }

  /**
   * One round: the next batch (the long-poll's hand-over when it follows
   * the position, else the read-ahead or a fresh read, read-ahead.ts), its
   * jobs in order (#each, or #whole for a batch hook), each marked
   * processed once it finished (#mark), then the commit, sent off in the
   * background (#commit). Resolves with where the next round's batch comes
   * from: a short batch that was all there was waits with the idle
   * partitions (#idle), whose long-poll may hand it over.
   */
  async #round(handed: Handed | undefined): Promise<Next> {
    const { d, state } = this;
    const f = this.#facts;
    if (f.paused) return this.#whilePaused();
    this.#meetCommitFailure();
    const batch = handed?.after === f.position ? handed.batch : await this.#reads.next(f.position);
    const last = batch.at(-1);
    if (last === undefined) return this.#idle();
    d.idler.busy(state);
    if (this.#debugs)
      d.logger.debug(`${state.name}: read ${batch.length} message(s)`, {
        ...about(state.name),
        count: batch.length,
        last: last.message_id,
      });
    // A batch the server's answer budget cut is short, with more after it.
    const more = batch.length >= d.batchSize || isCut(batch);
    if (more) this.#reads.ahead(last.message_id);
    if (!(await (d.jobs.batched ? this.#whole(batch) : this.#each(batch)))) return 'end';
    const behind = this.#commit();
    if (behind) await behind;
    if (f.paused) return 'read'; // the next round waits paused
    // A short batch was all there was: the idle long-poll reads on from this
    // position (Fetcher.exact), so a read now would only find what it finds.
    if (!more && this.#reads.exact && !this.#signal.aborted) return this.#idle();
    return 'read';
  }

  /** Each message's job in order; false when the partition must stop. */
  async #each(batch: Batch): Promise<boolean> {
    const { d, state } = this;
    const f = this.#facts;
    let remaining = batch.length;
    for (const message of batch) {
      if (this.#signal.aborted || f.paused) break;
      this.#meetCommitFailure();
      // A free slot is taken at once; only a wait for one costs a promise.
      const slot = this.#slot();
      if (!(slot === true || (await slot))) break;
      if (f.paused) {
        d.semaphore.release(); // paused while it waited for a slot
        break;
      }
      this.#lag(message, remaining--);
      let outcome: Outcome;
      try {
        const running = d.jobs.run(message, d.context, state, this.#scope);
        outcome = typeof running === 'string' ? running : await running;
      } finally {
        d.semaphore.release();
      }
      if (outcome === 'retry') outcome = await this.#runAgain(message);
      if (outcome !== 'done') return false;
      const behind = this.#mark(message, 1);
      if (behind) await behind;
    }
    return true;
  }

  /**
   * The batch hook on the whole batch, as one job: one slot, ownership
   * checked before it, the position moved past the batch once it returned
   * (and its failed messages went through job_failure); false when the
   * partition must stop, leaving the whole batch unprocessed.
   */
  async #whole(batch: Batch): Promise<boolean> {
    const { d, state } = this;
    const [first] = batch;
    const last = batch.at(-1);
    if (first === undefined || last === undefined) return true;
    this.#meetCommitFailure();
    const slot = this.#signal.aborted || this.#facts.paused ? false : this.#slot();
    if (!(slot === true || (await slot))) return true;
    this.#lag(first, batch.length);
    const work = new BatchWork<B>(batch);
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
    const behind = this.#mark(last, batch.length);
    if (behind) await behind;
    return true;
  }

  /**
   * The job (or failure hook) on `last` finished (a batch hook: on `count`
   * messages up to it): it counts as processed. Commits every `commitEvery`;
   * returns a wait only when the commits fall behind (see #commit).
   */
  #mark(last: Message, count: number): Promise<void> | undefined {
    const f = this.#facts;
    f.position = last.message_id;
    f.uncommitted += count;
    if (this.d.commitEvery > 0 && f.uncommitted >= this.d.commitEvery) return this.#commit();
    return undefined;
  }

  /**
   * Commits the position reached, after any write on its way, without
   * holding the next job; its failure is met before a later job (or ends an
   * idle wait). Returns the write that was already on its way, if any: the
   * loop waits for that one before going on. So at most one commit's worth
   * of jobs (`commitEvery` messages, or a batch) runs while a commit is on
   * its way, and a refused commit (fenced) stops the loop after at most that.
   */
  #commit(): Promise<void> | undefined {
    const before = this.#writes.tail;
    this.#writes.commit(this.#commitStep);
    return before?.catch(() => {});
  }

  /** A commit's write: the position reached when it starts. */
  async #committed(): Promise<void> {
    const f = this.#facts;
    if (f.uncommitted === 0) return;
    const { position, uncommitted } = f;
    const name = this.state.name;
    const startedIn = this.d.outage.epoch;
    try {
      await this.d.outage.heard(this.d.progress.commit(name, position));
    } catch (error) {
      this.#commitEnded({ error, startedIn });
      throw error;
    }
    f.uncommitted -= uncommitted;
    this.#commitEnded(undefined);
    if (this.#debugs) this.d.logger.debug(`${name}: committed`, { ...about(name), position });
  }

  #commitEnded(failure: CommitFailure | undefined): void {
    this.#commitFailure = failure;
    if (failure) this.#commitFailed.abort();
    else if (this.#commitFailed.signal.aborted) this.#commitFailed = new AbortController();
  }

  /** Throws the failure of a background commit (once), to be met as a read would meet it. */
  #meetCommitFailure(): void {
    const failure = this.#commitFailure;
    if (failure === undefined) return;
    this.#commitEnded(undefined);
    if (isOutage(failure.error) && this.d.outage.isOldNews(failure.startedIn)) {
      // Sent during an outage that has ended since (its client retries
      // outlasted it): old news, not a new outage. The position is still
      // uncommitted: send it again.
      this.#commit();
      return;
    }
    throw failure.error;
  }

  /**
   * Caught up: waits with the idle partitions (idle.ts) until the shared
   * long-poll or back-off wakes it, a pause or resume, or a failed commit.
   */
  async #idle(): Promise<Next> {
    this.#gauges(0, 0);
    const signal = AbortSignal.any([this.#waitSignal(), this.#commitFailed.signal]);
    const woken = await this.d.idler.wait(this.state, signal);
    this.#meetCommitFailure();
    return typeof woken === 'object' ? woken : 'read';
  }

  /**
   * A job slot, then whether the partition is still ours; false (no slot
   * held) when stopped or lost. Synchronous while a slot is free.
   */
  #slot(): boolean | Promise<boolean> {
    if (this.d.semaphore.tryAcquire()) return this.#owned(true);
    return this.d.semaphore.acquire(this.#signal).then((taken) => this.#owned(taken));
  }

  #runAgain(message: Message): Promise<Outcome> {
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
      ...{ partition: state.name, signal: this.#signal },
      slot: () => this.#slot(),
      release: () => d.semaphore.release(),
    });
  }

  #owned(taken: boolean): boolean {
    const { d } = this;
    if (!taken) return false;
    if (d.owned()) return true;
    // Lost while we ran (a fenced partitioner): not one more job here.
    d.semaphore.release();
    this.stop();
    return false;
  }

  /**
   * Paused: no read and no job until resumed. What was read ahead goes back,
   * the position reached is committed (with the pause, see ProgressStore),
   * and the lag gauges go on from the oldest message left waiting, peeked
   * (one message) every PAUSED_LAG_MS.
   */
  async #whilePaused(): Promise<Next> {
    const { d, state } = this;
    this.#reads.drop();
    d.idler.busy(state);
    await this.#writes.commit(this.#commitStep).catch(() => {});
    this.#meetCommitFailure();
    while (this.#facts.paused && !this.#signal.aborted) {
      await this.#pausedLag();
      await d.clock.sleep(PAUSED_LAG_MS, this.#waitSignal());
    }
    return 'read';
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
   * the partition waits like a caught-up one before trying again. A step
   * that succeeds does not end an outage: a round may run jobs of a batch
   * read before it began; the loop's requests end it (OutageTracker.heard).
   */
  async #retry<T>(step: () => Promise<T>): Promise<T | undefined> {
    for (let logged = false; !this.#signal.aborted; ) {
      const startedIn = this.d.outage.epoch;
      try {
        return await step();
      } catch (error) {
        if (this.#signal.aborted) return undefined;
        if (is(error, FencedError.code) || is(error, CorruptStatusError.code)) {
          this.error = toError(error);
          this.#facts.status = is(error, FencedError.code) ? 'fenced' : 'corrupt';
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
        await this.d.idler.wait(this.state, this.#signal); // what woke it is read afresh
      }
    }
    return undefined;
  }

  /** The last commit; a fenced partition commits nothing more. */
  async #end(): Promise<void> {
    const { state } = this;
    const f = this.#facts;
    this.#reads.drop();
    if (this.#repositioned) {
      f.status = 'stopped';
      return;
    }
    if (f.status === 'fenced') {
      this.d.logger.warn(
        `${state.name}: ${this.error?.message}; its loop ended`,
        about(state.name),
      );
      return;
    }
    if (f.status === 'corrupt') return;
    try {
      await this.#writes.commit(this.#commitStep);
    } catch (error) {
      if (is(error, FencedError.code)) {
        f.status = 'fenced';
        this.d.logger.warn(`${state.name}: ${toError(error).message}`, about(state.name));
        return;
      }
      this.d.logger.error(
        `could not commit progress of ${state.name}; its tail may run again`,
        about(state.name),
        error,
      );
    }
    if (f.status !== 'stuck') f.status = 'stopped';
    if (this.#debugs) this.d.logger.debug(`${state.name}: let go`, about(state.name));
  }

  /**
   * The job in hand is stuck on `messageId` (undefined: it settled at last),
   * as its hook waiter tells. Recorded on the server for `qdo status`, in
   * the write chain (fenced like a commit; the next commit clears it),
   * unless the loop is abandoning the job. Best effort: a failure is
   * logged, the loop meets a fencing at its next commit.
   */
  #stuck(messageId: string | undefined): void {
    const { d, state } = this;
    const f = this.#facts;
    f.stuckOn = messageId;
    f.status = messageId === undefined ? 'running' : 'stuck';
    if (messageId === undefined || this.#abandon.signal.aborted) return;
    this.#writes
      .add(() => d.progress.markStuck(state.name, messageId))
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
    this.#gauges(remaining + this.#reads.size, Math.max(0, lag));
  }

  #gauges(messages: number, seconds: number): void {
    const labels = { partition: this.state.name };
    this.d.metrics.gauge('worker.lag_messages', messages, labels);
    this.d.metrics.gauge('worker.lag_seconds', seconds, labels);
  }
}
