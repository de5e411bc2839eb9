import type { Clock } from '@qdo/common';
import { BodyParseError, JobFailureError, JobTimeoutError, toError } from './errors.js';
import { HookWaiter } from './hook-waiter.js';
import type { HookOptions, Job, JobFailure, Message } from './hooks.js';
import { about, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { PartitionState } from './partition-state.js';
import type { QueueyClient } from './queuey-types.js';
import { isRetryLater } from './retry-later.js';
import type { Settled } from './settle.js';
import { isStopWorker } from './stop-worker.js';
import { outageDelay, retryDelay } from './waiting.js';

/**
 * 'done': mark the message processed. 'stop': leave it and stop the
 * partition. 'abandoned': its job never settled and the worker gave up on it.
 * 'retry': the job failed with retries left; run it again after `waitToRetry`.
 */
export type Outcome = 'done' | 'stop' | 'abandoned' | 'retry';

/** One job call, as its outcome is worked out. */
interface JobCall<C, B> {
  message: Message<B>;
  /** The message as the job got it: `message` with its body parsed, once parsing succeeded. */
  subject: Message<B>;
  context: C;
  state: PartitionState;
  scope: JobScope;
  started: number;
  /** 1 for the first run of the message, 2 for its first retry, ... */
  attempt: number;
}

/** A partition loop's hold on the hooks it runs. */
export interface JobScope {
  /** Aborts the hooks in hand (the stop's timeout passed). */
  abortJobs: AbortSignal;
  /** The loop no longer waits for hooks that did not settle. */
  abandon: AbortSignal;
  /** A hook ignored its abort signal past the grace: the partition is stuck on this message. */
  stuck?(messageId: string): void;
}

export interface JobRunnerOptions<C, B> {
  job: Job<C, B>;
  jobFailure: JobFailure<C, B>;
  queuey: QueueyClient;
  metrics: Metrics;
  logger: Logger;
  clock: Clock;
  jobTimeout: number;
  /** Times a failed job runs again before job_failure; with the waits' settings in seconds. */
  retries: number;
  retryDelay: number;
  retryMaxDelay: number;
  /** The worker's name, as hooks see it. */
  worker: string;
  /** Aborts on stop: ends a RetryLater back-off. */
  signal: AbortSignal;
  abortGrace: number;
  /** Turns the body string into B before the job sees it; a throw counts as a job failure. */
  parseBody?: (body: string, message: Message) => B;
  /** Stops the worker; with an error, work() rejects with it after teardown. */
  stop(error?: Error): void;
  random?: () => number;
}

/** Runs the job hook on one message and, when it throws, the job_failure hook. */
export class JobRunner<C, B> {
  readonly #waiter: HookWaiter;

  constructor(private readonly o: JobRunnerOptions<C, B>) {
    this.#waiter = new HookWaiter(o);
  }

  /**
   * Runs the job on `message` (`attempt` 2 and on: a retry). A job that
   * returns without a promise is settled at once and so is this call (no
   * promise, no microtask): a drain of synchronous jobs costs no promise per
   * message.
   */
  run(
    message: Message<B>,
    context: C,
    state: PartitionState,
    scope: JobScope,
    attempt = 1,
  ): Outcome | Promise<Outcome> {
    const { jobTimeout } = this.o;
    const started = performance.now();
    const timeout = jobTimeout > 0 ? new AbortController() : undefined;
    const signal = timeout ? AbortSignal.any([timeout.signal, scope.abortJobs]) : scope.abortJobs;
    const timer = timeout && setTimeout(() => timeout.abort(), jobTimeout * 1000);
    const call: JobCall<C, B> = {
      message,
      subject: message,
      context,
      state,
      scope,
      started,
      attempt,
    };
    const hook = this.#hook(signal, state.name, attempt);
    const job = () => {
      call.subject = this.#parse(message, state.name);
      return this.o.job(call.subject, context, hook);
    };
    const result = this.#waiter.call(job, {
      signal,
      state,
      messageId: message.message_id,
      scope,
    });
    // The waiter answers a hook that settled at once without a promise.
    if (!(result instanceof Promise)) return this.#settled(result, call, timeout, timer);
    return result.then((settled) => this.#settled(settled, call, timeout, timer));
  }

  #settled(
    result: Settled | 'abandoned',
    call: JobCall<C, B>,
    timeout: AbortController | undefined,
    timer: NodeJS.Timeout | undefined,
  ): Outcome | Promise<Outcome> {
    const { metrics, jobTimeout } = this.o;
    const { message, state, scope } = call;
    clearTimeout(timer);
    metrics.timing('worker.job_time', performance.now() - call.started);
    if (result === 'abandoned') return result;
    const labels = { partition: state.name };
    if (result.ok) {
      metrics.increment('worker.messages_processed', labels);
      return 'done';
    }
    if (isStopWorker(result.error)) {
      this.o.logger.info(
        `job raised StopWorker on ${state.name} ${message.message_id}; stopping`,
        about(state.name, message.message_id),
      );
      this.o.stop();
      return 'stop';
    }
    // Cut short by the shutdown: it runs again after the restart.
    if (scope.abortJobs.aborted && !timeout?.signal.aborted) return 'stop';
    const error = timeout?.signal.aborted
      ? new JobTimeoutError(jobTimeout, { cause: result.error })
      : result.error;
    if (call.attempt <= this.o.retries) {
      metrics.increment('worker.job_retries', labels);
      const { name, message: text } = toError(error);
      this.o.logger.warn(
        `job failed on ${state.name} message ${message.message_id} ` +
          `(run ${call.attempt} of ${this.o.retries + 1}): ${name}: ${text.split('\n', 1)[0]}; it runs again`,
        about(state.name, message.message_id),
      );
      return 'retry';
    }
    metrics.increment('worker.messages_failed', labels);
    return this.#fail(call.subject, call.context, { state, scope, error, attempt: call.attempt });
  }

  /**
   * Waits before retry `attempt` (1 = the first retry) on the worker's
   * clock. False when `signal` (the partition's stop) cut the wait short:
   * the message stays unprocessed and runs again after a restart.
   */
  async waitToRetry(
    message: Message<B>,
    where: { partition: string; attempt: number },
    signal: AbortSignal,
  ): Promise<boolean> {
    const { clock, logger, random } = this.o;
    const wait = retryDelay(where.attempt, this.o, random);
    logger.info(
      `${where.partition} message ${message.message_id}: retry ${where.attempt} of ` +
        `${this.o.retries} in ${Math.round(wait)} ms`,
      about(where.partition, message.message_id),
    );
    await clock.sleep(wait, signal);
    return !signal.aborted;
  }

  #hook(signal: AbortSignal, partition: string, attempt: number): HookOptions {
    return { signal, partition, logger: this.o.logger, attempt, worker: this.o.worker };
  }

  /** The message as the job gets it; a body that does not parse is a BodyParseError. */
  #parse(message: Message<B>, partition: string): Message<B> {
    const parse = this.o.parseBody;
    if (!parse) return message;
    const raw = message as unknown as Message;
    try {
      return { ...message, body: parse(raw.body, raw) };
    } catch (cause) {
      throw new BodyParseError({ partition, messageId: raw.message_id, cause });
    }
  }

  async #fail(
    message: Message<B>,
    context: C,
    failed: { state: PartitionState; scope: JobScope; error: unknown; attempt: number },
  ): Promise<Outcome> {
    const { state, scope, error } = failed;
    const { metrics, logger, clock, signal } = this.o;
    const queue = state.name;
    const hook = this.#hook(scope.abortJobs, queue, failed.attempt);
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      const call = () => this.o.jobFailure(message, context, queue, error, this.o.queuey, hook);
      const messageId = message.message_id;
      const result = await this.#waiter.call(call, {
        signal: hook.signal,
        state,
        messageId,
        scope,
      });
      metrics.timing('worker.job_failure_time', performance.now() - started);
      if (result === 'abandoned') return result;
      if (result.ok) return 'done';
      const failure = result.error;
      if (isStopWorker(failure) || scope.abortJobs.aborted) {
        if (isStopWorker(failure)) this.o.stop();
        return 'stop';
      }
      if (!isRetryLater(failure)) {
        this.o.stop(new JobFailureError({ queue, messageId: message.message_id, cause: failure }));
        return 'stop';
      }
      const wait = outageDelay(attempt, this.o.random);
      logger.warn(
        `job_failure asked to retry ${queue} ${message.message_id} later ` +
          `(attempt ${attempt + 1}, next in ${Math.round(wait)} ms): ${(failure as Error).message}`,
        about(queue, message.message_id),
      );
      await clock.sleep(wait, signal);
      if (signal.aborted) return 'stop';
    }
  }
}

/** The built-in job_failure: logs the message id, partition and full error. */
export function loggingJobFailure(logger: Logger): JobFailure<unknown, unknown> {
  return (message, _context, queue, error) => {
    logger.error(
      `job failed on ${queue} message ${message.message_id}`,
      about(queue, message.message_id),
      error,
    );
  };
}
