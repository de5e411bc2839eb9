import { type Clock, systemClock } from './clock.js';
import { openContext } from './context.js';
import { QdoError, toError } from './errors.js';
import type { Job, JobContext, JobFailure, Message } from './hooks.js';
import { Idler } from './idle.js';
import { JobRunner, loggingJobFailure } from './job-runner.js';
import { createLogger, type Logger, workerName } from './logger.js';
import { ManualPartitioner } from './manual-partitioner.js';
import { guardMetrics, type Metrics, noopMetrics } from './metrics.js';
import { isOutage, OutageTracker } from './outage.js';
import { PartitionRunner, type PartitionState } from './partition-runner.js';
import { PartitionSet } from './partition-set.js';
import type { Partitioner } from './partitioner.js';
import { pool } from './pool.js';
import { ProgressStore } from './progress.js';
import type { QueueyClient } from './queuey-types.js';
import { type ResolvedSettings, resolveSettings, type WorkerSettings } from './settings.js';
import { installSignalHandlers } from './signals.js';
import { outageDelay } from './waiting.js';

export interface WorkerOptions<C = unknown, B = string> {
  queuey: QueueyClient;
  job?: Job<C, B>;
  jobContext?: JobContext<C>;
  /** Default: a built-in one that logs the failure. */
  jobFailure?: JobFailure<C, B>;
  /** Default: `new ManualPartitioner()`, every partition. */
  partitioner?: Partitioner;
  settings?: WorkerSettings;
  metrics?: Metrics;
  logger?: Logger;
  clock?: Clock;
  /** Aborting it stops the worker like stop(). */
  signal?: AbortSignal;
  /**
   * Turns each body (a string on the wire) into B before `job` sees it, e.g.
   * `JSON.parse`; a throw goes to `jobFailure` with the raw message.
   */
  parseBody?: (body: string, message: Message) => B;
  /** Source of the wait jitter, [0, 1). Default Math.random. */
  random?: () => number;
}

const RETRY = Symbol('retry');

/** Runs `job` over every owned partition until stopped (DESIGN.md, "The loop"). */
export class Worker<C = unknown, B = string> {
  readonly name: string;
  readonly settings: ResolvedSettings;
  readonly #o: WorkerOptions<C, B>;
  readonly #stop = new AbortController();
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #outage: OutageTracker;
  readonly #partitioner: Partitioner;
  #failure: Error | undefined;
  #started = false;

  constructor(options: WorkerOptions<C, B>) {
    this.settings = resolveSettings(options.settings);
    this.name = workerName(this.settings.name);
    this.#o = options;
    this.#partitioner = options.partitioner ?? new ManualPartitioner();
    const given = options.logger as (Logger & { getSubLogger?(s: object): Logger }) | undefined;
    this.#logger =
      given?.getSubLogger?.({ name: this.name }) ?? given ?? createLogger({ name: this.name });
    this.#clock = options.clock ?? systemClock;
    this.#outage = new OutageTracker(this.#logger, () => this.#clock.now());
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    if (options.signal?.aborted) this.stop();
  }

  /** Stops after the message in hand; work() then commits, tears down and resolves. */
  stop(): void {
    this.#stop.abort();
  }

  /** Stops, and work() rejects with `error` after teardown. */
  #halt(error: Error): void {
    this.#failure ??= error;
    this.stop();
  }

  /** SIGINT/SIGTERM stop the worker; a second signal exits at once. Returns an uninstaller. */
  handleSignals(): () => void {
    return installSignalHandlers({ stop: () => this.stop(), logger: this.#logger });
  }

  async work(): Promise<void> {
    const signal = this.#stop.signal;
    if (!this.#o.job || signal.aborted) return;
    if (this.#started)
      throw new QdoError('work() was already called on this worker', { code: 'QDO_STARTED' });
    this.#started = true;
    const opened = await openContext(this.#o.jobContext);
    const { parts, runner, idler } = this.#assemble(signal);
    try {
      while (!signal.aborted && (await this.#attempt(() => parts.start(signal))) === RETRY);
      if (!signal.aborted) this.#logger.info(`worker ${this.name} started`);
      while (!signal.aborted) {
        await this.#attempt(async () => {
          await parts.discover();
          const owned = await parts.owned(signal);
          const round = this.#roundOf(owned, idler.takeWoken());
          let total = 0;
          for (const state of owned) state.caughtUp = false;
          await pool(round, this.settings.concurrency, async (state) => {
            if (signal.aborted || !parts.isOwned(state.name)) return;
            state.running = runner.run(state, opened.context);
            total += await state.running.catch((error) => this.#partitionError(state.name, error));
          });
          if (total > 0) idler.reset();
          // A round of only some partitions that found nothing: read them all next.
          else if (!signal.aborted && round === owned) await idler.wait(owned);
        });
      }
    } catch (error) {
      this.#halt(toError(error));
    } finally {
      await this.#shutdown(parts, opened.close);
    }
    if (this.#failure) throw this.#failure;
  }

  /**
   * After a long-poll, only the partitions it found messages in: the others
   * were read empty just before it, and the round after this one reads them
   * all again before any further long-poll.
   */
  #roundOf(owned: PartitionState[], woken: ReadonlySet<string> | undefined): PartitionState[] {
    if (!woken) return owned;
    const round = owned.filter((state) => woken.has(state.name));
    return round.length > 0 ? round : owned;
  }

  /** Runs one step; an outage (or a stop) is logged once, backed off and reported as RETRY. */
  async #attempt<T>(step: () => Promise<T>): Promise<T | typeof RETRY> {
    try {
      const result = await step();
      this.#outage.recovered();
      return result;
    } catch (error) {
      if (this.#stop.signal.aborted) return RETRY;
      if (!isOutage(error)) throw error;
      this.#outage.failed(error);
      await this.#clock.sleep(
        outageDelay(this.#outage.attempts - 1, this.#o.random),
        this.#stop.signal,
      );
      return RETRY;
    }
  }

  readonly #reported = new Set<string>();

  /** A partition that cannot be read (e.g. its queue was deleted) is skipped, logged once. */
  #partitionError(name: string, error: unknown): number {
    if (isOutage(error) || this.#stop.signal.aborted) throw error;
    if (!this.#reported.has(name)) {
      this.#reported.add(name);
      this.#logger.warn(`skipping ${name} this round: ${toError(error).message}`);
    }
    return 0;
  }

  async #shutdown(parts: PartitionSet, closeContext: () => Promise<void>): Promise<void> {
    await parts.commitAll();
    for (const step of [closeContext, () => this.#partitioner.stop()]) {
      try {
        await step();
      } catch (error) {
        this.#logger.error('error while shutting down', error);
        this.#failure ??= toError(error);
      }
    }
    this.#logger.info(`worker ${this.name} stopped`);
  }

  #assemble(signal: AbortSignal) {
    const { queuey, random } = this.#o;
    const s = this.settings;
    const logger = this.#logger;
    const clock = this.#clock;
    const metrics = guardMetrics(this.#o.metrics ?? noopMetrics, logger);
    const progress = new ProgressStore({
      queuey,
      worker: this.name,
      now: () => clock.now(),
      logger,
      metrics,
    });
    const jobs = new JobRunner<C, B>({
      job: this.#o.job as Job<C, B>,
      jobFailure: this.#o.jobFailure ?? (loggingJobFailure(logger) as JobFailure<C, B>),
      ...{ queuey, metrics, logger, clock, signal, random },
      jobTimeout: s.jobTimeout,
      parseBody: this.#o.parseBody,
      stop: (error) => (error ? this.#halt(error) : this.stop()),
    });
    const runner = new PartitionRunner<C, B>({
      queuey,
      progress,
      jobs,
      metrics,
      clock,
      signal,
      // Asked before each job: a partitioner that lost its lock (ZooKeeper's deadline) says so here.
      owns: (name: string): boolean => parts.isOwned(name),
      ...s,
    });
    const partitioner = this.#partitioner;
    const parts: PartitionSet = new PartitionSet({
      ...{ queuey, partitioner, progress, clock, logger },
      runner: runner as PartitionRunner<unknown, unknown>,
      discoveryInterval: s.discoveryInterval,
    });
    const idler = new Idler({ queuey, partitions: parts, metrics, clock, signal, random, ...s });
    return { parts, runner, idler };
  }
}
