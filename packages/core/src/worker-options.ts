import type { Clock } from '@qdo/common';
import type { Job, JobBatch, JobContext, JobFailure, Message } from './hooks.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Partitioner } from './partitioner.js';
import type { QueueyClient } from './queuey-types.js';
import type { WorkerSettings } from './settings.js';

export interface WorkerOptions<C = unknown, B = string> {
  queuey: QueueyClient;
  /** The hook per message; or give `jobBatch`, not both. */
  job?: Job<C, B>;
  /** The hook per batch of up to `batchSize` messages of one partition, instead of `job`. */
  jobBatch?: JobBatch<C, B>;
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
   * a schema check over `JSON.parse`; a throw goes to `jobFailure` with the
   * raw message as a BodyParseError. Not with `settings.body = 'json'`,
   * which parses with `JSON.parse` alone.
   */
  parseBody?: (body: string, message: Message) => B;
  /** Source of the wait jitter, [0, 1). Default Math.random. */
  random?: () => number;
}
