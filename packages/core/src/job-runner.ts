import type { Clock } from './clock.js';
import { JobFailureError } from './errors.js';
import type { Job, JobFailure, Message } from './hooks.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { QueueyClient } from './queuey-types.js';
import { isRetryLater } from './retry-later.js';
import { isStopWorker } from './stop-worker.js';
import { withTimeout } from './timeout.js';
import { outageDelay } from './waiting.js';

/** 'done': mark the message processed. 'stop': leave it and stop the worker. */
export type Outcome = 'done' | 'stop';

export interface JobRunnerOptions<C, B> {
  job: Job<C, B>;
  jobFailure: JobFailure<C, B>;
  queuey: QueueyClient;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  jobTimeout: number;
  signal: AbortSignal;
  /** Turns the body string into B before the job sees it; a throw counts as a job failure. */
  parseBody?: (body: string, message: Message) => B;
  /** Stops the worker; with an error, work() rejects with it after teardown. */
  stop(error?: Error): void;
  random?: () => number;
}

/** Runs the job hook on one message and, when it throws, the job_failure hook. */
export class JobRunner<C, B> {
  constructor(private readonly o: JobRunnerOptions<C, B>) {}

  async run(message: Message<B>, context: C, queue: string): Promise<Outcome> {
    const { metrics } = this.o;
    const labels = { partition: queue };
    const started = performance.now();
    let subject = message; // the parsed message once parsing succeeded
    try {
      await withTimeout(() => {
        subject = this.#parse(message);
        return this.o.job(subject, context);
      }, this.o.jobTimeout);
      metrics.timing('worker.job_time', performance.now() - started);
      metrics.increment('worker.messages_processed', labels);
      return 'done';
    } catch (error) {
      metrics.timing('worker.job_time', performance.now() - started);
      if (isStopWorker(error)) {
        this.o.logger.info(`job raised StopWorker on ${queue} ${message.message_id}; stopping`);
        this.o.stop();
        return 'stop';
      }
      metrics.increment('worker.messages_failed', labels);
      return this.#fail(subject, context, queue, error);
    }
  }

  #parse(message: Message<B>): Message<B> {
    const parse = this.o.parseBody;
    if (!parse) return message;
    const raw = message as unknown as Message;
    return { ...message, body: parse(raw.body, raw) };
  }

  async #fail(message: Message<B>, context: C, queue: string, error: unknown): Promise<Outcome> {
    const { metrics, logger, clock, signal } = this.o;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        await this.o.jobFailure(message, context, queue, error, this.o.queuey);
        return 'done';
      } catch (failure) {
        if (isStopWorker(failure)) {
          this.o.stop();
          return 'stop';
        }
        if (!isRetryLater(failure)) {
          this.o.stop(
            new JobFailureError({ queue, messageId: message.message_id, cause: failure }),
          );
          return 'stop';
        }
        const delay = outageDelay(attempt, this.o.random);
        logger.warn(
          `job_failure asked to retry ${queue} ${message.message_id} later ` +
            `(attempt ${attempt + 1}, next in ${Math.round(delay)} ms): ${(failure as Error).message}`,
        );
        await clock.sleep(delay, signal);
        if (signal.aborted) return 'stop';
      } finally {
        metrics.timing('worker.job_failure_time', performance.now() - started);
      }
    }
  }
}

/** The built-in job_failure: logs the message id, partition and full error. */
export function loggingJobFailure(logger: Logger): JobFailure<unknown, unknown> {
  return (message, _context, queue, error) => {
    logger.error(`job failed on ${queue} message ${message.message_id}`, error);
  };
}
