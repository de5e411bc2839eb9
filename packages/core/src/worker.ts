import { type Clock, systemClock } from '@qdo/common';
import { advertised, type Server } from './advertised.js';
import { assemble } from './assemble.js';
import { openContext } from './context.js';
import { QdoConfigError, QdoError, toError } from './errors.js';
import type { Idler } from './idle.js';
import { createLogger, type Logger, workerName } from './logger.js';
import { ManualPartitioner } from './manual-partitioner.js';
import { isOutage, OutageTracker } from './outage.js';
import type { PartitionSet } from './partition-set.js';
import { type ResolvedSettings, resolveSettings } from './settings.js';
import { shutDown } from './shutdown.js';
import { installSignalHandlers } from './signals.js';
import { loadJobTracing } from './tracing.js';
import type { WorkerOptions } from './worker-options.js';

export type { WorkerOptions };

/** Runs `job` (or `jobBatch`) over every owned partition until stopped (docs/ARCHITECTURE.md, "Read and run"). */
export class Worker<C = unknown, B = string> {
  readonly name: string;
  readonly settings: ResolvedSettings;
  readonly #o: WorkerOptions<C, B>;
  readonly #stop = new AbortController();
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #outage: OutageTracker;
  #parts: PartitionSet | undefined;
  #failure: Error | undefined;
  #started = false;
  #running = false;

  constructor(options: WorkerOptions<C, B>) {
    this.settings = resolveSettings(options.settings);
    if (options.job && options.jobBatch) {
      throw new QdoConfigError('give job or jobBatch, not both (jobBatch takes a batch at a time)');
    }
    if (this.settings.body === 'json' && options.parseBody) {
      throw new QdoConfigError(
        "give settings.body = 'json' or parseBody, not both (parseBody may call JSON.parse itself)",
      );
    }
    this.name = workerName(this.settings.name);
    this.#o = options;
    const given = options.logger as (Logger & { getSubLogger?(s: object): Logger }) | undefined;
    this.#logger =
      given?.getSubLogger?.({ name: this.name }) ?? given ?? createLogger({ name: this.name });
    this.#clock = options.clock ?? systemClock;
    this.#outage = new OutageTracker(this.#logger, () => this.#clock.monotonic());
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
    return this.readiness().ready;
  }

  /** `ready()` with the reason, in words for an operator (`/readyz` answers it). */
  readiness(): { ready: boolean; reason: string } {
    const parts = this.#parts;
    if (this.#stop.signal.aborted) return { ready: false, reason: 'stopping' };
    if (!this.#running || !parts) return { ready: false, reason: 'starting' };
    if (this.#outage.active)
      return { ready: false, reason: 'the Queuey server does not answer (outage)' };
    const waiting = parts.unsettled();
    if (waiting.length > 0) {
      const some = waiting.slice(0, 3).join(', ') + (waiting.length > 3 ? ', ...' : '');
      return {
        ready: false,
        reason: `${waiting.length} owned partition(s) not running yet: ${some}`,
      };
    }
    return { ready: true, reason: `running ${parts.states().length} partition(s)` };
  }

  /** Partitions whose job ignored its abort signal past `abortGrace` (the others carry on). */
  stuckPartitions(): string[] {
    const states = this.#parts?.states() ?? [];
    return states.filter((state) => state.status === 'stuck').map((state) => state.name);
  }

  async work(): Promise<void> {
    const signal = this.#stop.signal;
    if (!(this.#o.job || this.#o.jobBatch) || signal.aborted) return;
    if (this.#started)
      throw new QdoError('work() was already called on this worker', { code: 'QDO_STARTED' });
    this.#started = true;
    const opened = await openContext(this.#o.jobContext, signal);
    const tracing = await loadJobTracing();
    const { parts, idler, use, watchSeeks } = assemble({
      ...{ options: this.#o, name: this.name, settings: this.settings },
      ...{ logger: this.#logger, clock: this.#clock, outage: this.#outage, signal },
      partitioner: this.#o.partitioner ?? new ManualPartitioner(),
      context: opened.context,
      halt: (error) => this.#halt(error),
      tracing,
    });
    this.#parts = parts;
    try {
      while (!signal.aborted && !(await this.#attempt(() => parts.start(signal))));
      await this.#run(parts, idler, use, watchSeeks);
    } catch (error) {
      this.#halt(toError(error));
    } finally {
      await this.#shutdown(parts, opened.close);
    }
    if (this.#failure) throw this.#failure;
  }

  async #run(
    parts: PartitionSet,
    idler: Idler,
    use: (server: Server) => void,
    watchSeeks: () => Promise<void>,
  ) {
    const signal = this.#stop.signal;
    if (signal.aborted) return;
    use(await advertised(this.#o.queuey));
    this.#running = true;
    this.#logger.info(`worker ${this.name} started`);
    const seeks = watchSeeks();
    while (!signal.aborted) {
      await this.#attempt(async () => {
        await parts.discover();
        parts.sync();
        await idler.step(parts);
      });
    }
    await seeks;
  }

  /** Stops, and work() rejects with `error` after teardown. */
  #halt(error?: Error): void {
    if (error) this.#failure ??= error;
    this.stop();
  }

  /** Runs one step; an outage is logged once and backed off. Resolves whether it succeeded. */
  async #attempt(step: () => Promise<void>): Promise<boolean> {
    const startedIn = this.#outage.epoch;
    try {
      await step();
      return true;
    } catch (error) {
      if (this.#stop.signal.aborted) return false;
      if (!isOutage(error)) throw error;
      const stop = this.#stop.signal;
      await this.#outage.backOff(error, {
        clock: this.#clock,
        random: this.#o.random,
        stop,
        signal: stop,
        startedIn,
      });
      return false;
    }
  }

  async #shutdown(parts: PartitionSet, closeContext: () => Promise<void>): Promise<void> {
    this.stop();
    this.#running = false;
    const { partitioner } = this.#o;
    const failure = await shutDown({ parts, closeContext, partitioner, logger: this.#logger });
    this.#failure ??= failure;
    this.#logger.info(`worker ${this.name} stopped`);
  }
}
