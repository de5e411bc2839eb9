import { type Clock, systemClock } from '@qdo/common';
import type { Server } from './advertised.js';
import { ByteBudget, type Fetcher, plainFetcher, positionsFetcher } from './fetch.js';
import { Idler } from './idle.js';
import { JobRunner, loggingJobFailure } from './job-runner.js';
import type { Logger } from './logger.js';
import { guardMetrics, noopMetrics } from './metrics.js';
import type { OutageTracker } from './outage.js';
import { PartitionLoop } from './partition-loop.js';
import { PartitionSet } from './partition-set.js';
import type { Partitioner } from './partitioner.js';
import { ProgressStore } from './progress.js';
import { watchSeeks } from './seek-watch.js';
import { Semaphore } from './semaphore.js';
import type { ResolvedSettings } from './settings.js';
import type { JobTracing } from './tracing.js';
import type { WorkerOptions } from './worker-options.js';

/** `body = json`: the body as JSON.parse gives it, which the worker's B stands for. */
function parseJsonBody<B>(body: string): B {
  return JSON.parse(body);
}

/** Read-ahead held by one worker across partitions (bounded pipelining). */
const PREFETCH_BYTES = 32 * 1024 * 1024;

export interface Parts<C, B> {
  options: WorkerOptions<C, B>;
  name: string;
  settings: ResolvedSettings;
  logger: Logger;
  clock: Clock;
  outage: OutageTracker;
  partitioner: Partitioner;
  context: C;
  /** The worker's stop. */
  signal: AbortSignal;
  halt(error?: Error): void;
  fetcher?: Fetcher;
  /** Spans per job when @opentelemetry/api is installed (tracing.ts). */
  tracing?: JobTracing | undefined;
}

/**
 * Wires the pieces of a worker together (docs/ARCHITECTURE.md, "The life of
 * a message"). Each piece gets what it uses of the others, no more: the
 * loops get their partition's ownership as a function, the idler gets the
 * partition set at each step (worker.ts), so nothing waits to be wired later.
 */
export function assemble<C, B>(
  p: Parts<C, B>,
): {
  parts: PartitionSet;
  idler: Idler;
  use(server: Server): void;
  /** Runs until the worker stops: notices seeks (see watchSeeks). */
  watchSeeks(): Promise<void>;
} {
  const { options: o, settings: s, logger, clock, signal } = p;
  const { queuey, random } = o;
  const metrics = guardMetrics(o.metrics ?? noopMetrics, logger);
  // Wall time on purpose, and the system's, not the worker's clock: status
  // message ids carry a time the server checks against its own clock (and
  // ids never go back once made), and tests move the worker's clock far
  // ahead. Every wait and deadline, by contrast, runs on the worker's clock.
  const now = systemClock.now;
  const progress = new ProgressStore({ queuey, worker: p.name, now, logger, metrics });
  const jobs = new JobRunner<C, B>({
    ...{ job: o.job, jobBatch: o.jobBatch },
    jobFailure: o.jobFailure ?? loggingJobFailure(logger),
    ...{ queuey, metrics, logger, clock, signal, random },
    jobTimeout: s.jobTimeout,
    abortGrace: s.abortGrace,
    ...{ retries: s.retries, retryDelay: s.retryDelay, retryMaxDelay: s.retryMaxDelay },
    worker: p.name,
    parseBody: s.body === 'json' ? parseJsonBody : o.parseBody,
    stop: p.halt,
    tracing: p.tracing,
  });
  const idler = new Idler({ ...{ queuey, metrics, clock, signal, random, logger, ...s } });
  const loop = {
    fetcher: p.fetcher ?? plainFetcher(queuey),
    ...{ progress, jobs, idler, metrics, logger, clock, signal, random },
    semaphore: new Semaphore(s.concurrency),
    budget: new ByteBudget(PREFETCH_BYTES),
    outage: p.outage,
    context: p.context,
    ...{ batchSize: s.batchSize, commitEvery: s.commitEvery },
    ...{ shutdownTimeout: s.shutdownTimeout, abortGrace: s.abortGrace },
  };
  const parts = new PartitionSet({
    ...{ queuey, progress, clock, logger, metrics, partitioner: p.partitioner },
    discoveryInterval: s.discoveryInterval,
    newLoop(name, owned) {
      const started = new PartitionLoop(name, { ...loop, owned });
      idler.track(started.state);
      return started;
    },
    ended: (state) => idler.forget(state),
  });
  // What the server advertises, known before the first loop starts.
  const use = (server: Server) => {
    idler.use(server);
    if (server.fetch) loop.fetcher = positionsFetcher(server.fetch);
  };
  return {
    ...{ parts, idler, use },
    watchSeeks: () => watchSeeks({ progress, parts, clock, logger, signal }),
  };
}
