import { assemble } from './assemble.js';
import { type Clock, systemClock } from './clock.js';
import { openContext } from './context.js';
import { QdoError, toError, UncleanShutdownError } from './errors.js';
import type { Job, JobContext, JobFailure, Message } from './hooks.js';
import { advertisesWait, type Idler } from './idle.js';
import { createLogger, type Logger, workerName } from './logger.js';
import { ManualPartitioner } from './manual-partitioner.js';
import type { Metrics } from './metrics.js';
import { isOutage, OutageTracker } from './outage.js';
import type { PartitionSet } from './partition-set.js';
import type { Partitioner } from './partitioner.js';
import type { QueueyClient } from './queuey-types.js';
import { type ResolvedSettings, resolveSettings, type WorkerSettings } from './settings.js';
import { drain, unsaved } from './shutdown.js';
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

/** Runs `job` over every owned partition until stopped (DESIGN.md, "The loop"). */
export class Worker<C = unknown, B = string> {
  readonly name: string;
  readonly settings: ResolvedSettings;
  readonly #o: WorkerOptions<C, B>;
  readonly #stop = new AbortController();
  readonly #abortJobs = new AbortController();
  readonly #abandon = new AbortController();
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #outage: OutageTracker;
  #parts: PartitionSet | undefined;
  #failure: Error | undefined;
  #started = false;
  #running = false;

  constructor(options: WorkerOptions<C, B>) {
    this.settings = resolveSettings(options.settings);
    this.name = workerName(this.settings.name);
    this.#o = options;
    const given = options.logger as (Logger & { getSubLogger?(s: object): Logger }) | undefined;
    this.#logger =
      given?.getSubLogger?.({ name: this.name }) ?? given ?? createLogger({ name: this.name });
    this.#clock = options.clock ?? systemClock;
    this.#outage = new OutageTracker(this.#logger, () => this.#clock.now());
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
    if (options.signal?.aborted) this.stop();
  }

  /** Stops reading; jobs in hand get `shutdownTimeout`; work() then commits, tears down and resolves. */
  stop(): void {
    this.#stop.abort();
  }

  /** SIGINT/SIGTERM stop the worker; a second signal exits at once. Returns an uninstaller. */
  handleSignals(): () => void {
    return installSignalHandlers({ stop: () => this.stop(), logger: this.#logger });
  }

  /** For readiness probes: started, every owned partition has a loop, and the server answers. */
  ready(): boolean {
    return this.#running && !this.#outage.active && (this.#parts?.settled ?? false);
  }

  /** Partitions whose job ignored its abort signal past `abortGrace` (the others carry on). */
  stuckPartitions(): string[] {
    const states = this.#parts?.states() ?? [];
    return states.filter((state) => state.status === 'stuck').map((state) => state.name);
  }

  async work(): Promise<void> {
    const signal = this.#stop.signal;
    if (!this.#o.job || signal.aborted) return;
    if (this.#started)
      throw new QdoError('work() was already called on this worker', { code: 'QDO_STARTED' });
    this.#started = true;
    const opened = await openContext(this.#o.jobContext, signal);
    const { parts, idler } = assemble({
      ...{ options: this.#o as never, name: this.name, settings: this.settings },
      ...{ logger: this.#logger, clock: this.#clock, outage: this.#outage, signal },
      partitioner: this.#o.partitioner ?? new ManualPartitioner(),
      context: opened.context,
      abortJobs: this.#abortJobs.signal,
      abandon: this.#abandon.signal,
      halt: (error) => this.#halt(error),
    });
    this.#parts = parts;
    try {
      while (!signal.aborted && !(await this.#attempt(() => parts.start(signal))));
      await this.#run(parts, idler);
    } catch (error) {
      this.#halt(toError(error));
    } finally {
      await this.#shutdown(parts, opened.close);
    }
    if (this.#failure) throw this.#failure;
  }

  async #run(parts: PartitionSet, idler: Idler): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return;
    const holds = await advertisesWait(this.#o.queuey);
    if (holds !== undefined) idler.holds = holds;
    this.#running = true;
    this.#logger.info(`worker ${this.name} started`);
    while (!signal.aborted) {
      await this.#attempt(async () => {
        await parts.discover();
        parts.sync();
        await idler.step(parts.live);
      });
    }
  }

  /** Stops, and work() rejects with `error` after teardown. */
  #halt(error?: Error): void {
    if (error) this.#failure ??= error;
    this.stop();
  }

  /** Runs one step; an outage is logged once and backed off. Resolves whether it succeeded. */
  async #attempt(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (error) {
      if (this.#stop.signal.aborted) return false;
      if (!isOutage(error)) throw error;
      this.#outage.failed(error);
      const wait = outageDelay(this.#outage.attempts - 1, this.#o.random);
      await this.#clock.sleep(wait, this.#stop.signal);
      return false;
    }
  }

  async #shutdown(parts: PartitionSet, closeContext: () => Promise<void>): Promise<void> {
    this.stop();
    this.#running = false;
    const states = parts.states();
    const { shutdownTimeout, abortGrace } = this.settings;
    await drain({
      ...{ stopAll: () => parts.stopAll(), shutdownTimeout, abortGrace, logger: this.#logger },
      ...{ abortJobs: this.#abortJobs, abandon: this.#abandon },
    });
    const partitioner = this.#o.partitioner;
    for (const step of [closeContext, () => partitioner?.stop() ?? Promise.resolve()]) {
      try {
        await step();
      } catch (error) {
        this.#logger.error('error while shutting down', error);
        this.#failure ??= toError(error);
      }
    }
    const left = unsaved(states);
    if (left.length > 0) this.#failure ??= new UncleanShutdownError(left);
    this.#logger.info(`worker ${this.name} stopped`);
  }
}
