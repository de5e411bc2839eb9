import type { Clock } from '@qdo/common';
import { type BatchWork, failedOf, type Parsed } from './batch-hook.js';
import { BodyParseError, JobFailureError, JobTimeoutError, toError } from './errors.js';
import { HookWaiter } from './hook-waiter.js';
import type { HookOptions, Job, JobBatch, JobFailure, Message } from './hooks.js';
import { about, type Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { PartitionState } from './partition-state.js';
import type { QueueyClient } from './queuey-types.js';
import { isRetryLater } from './retry-later.js';
import type { Settled } from './settle.js';
import { isStopWorker } from './stop-worker.js';
import type { JobTracing } from './tracing.js';
import { outageDelay, retryDelay } from './waiting.js';

/**
 * 'done': mark the message processed. 'stop': leave it and stop the
 * partition. 'abandoned': its job never settled and the worker gave up on it.
 * 'retry': the job failed with retries left; run it again after `waitToRetry`.
 */
export type Outcome = 'done' | 'stop' | 'abandoned' | 'retry';

/** One job call, as its outcome is worked out. */
interface JobCall<C, B> {
  /** As read. */
  message: Message;
  /** The message as the job got it: `message` with its body parsed, once parsing succeeded. */
  subject: Message<B>;
  context: C;
  state: PartitionState;
  scope: JobScope;
  started: number;
  /** 1 for the first run of the message, 2 for its first retry, ... */
  attempt: number;
}

/** A hook call's clock: its start, and the timeout that aborts its signal. */
interface Timing {
  started: number;
  timeout: AbortController | undefined;
  signal: AbortSignal;
  /** Cancels the timeout's timer. */
  cancel: (() => void) | undefined;
}

/** A partition loop's hold on the hooks it runs. */
export interface JobScope {
  /** Aborts the hooks in hand (the stop's timeout passed). */
  abortJobs: AbortSignal;
  /** The loop no longer waits for hooks that did not settle. */
  abandon: AbortSignal;
  /**
   * A hook on this message ignored its abort signal past the grace (or the
   * loop abandoned it): the partition is stuck on it; undefined once it settled at last.
   */
  stuck(messageId: string | undefined): void;
}

export interface JobRunnerOptions<C, B> {
  /** One of the two: a hook per message, or per batch. */
  job?: Job<C, B>;
  jobBatch?: JobBatch<C, B>;
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
  /** A span per job run (tracing.ts); undefined without @opentelemetry/api. */
  tracing?: JobTracing | undefined;
}

/**
 * Runs the job hook on one message (or the batch hook on a batch) and, for
 * each message that failed, the job_failure hook.
 */
export class JobRunner<C, B> {
  readonly #waiter: HookWaiter;

  constructor(private readonly o: JobRunnerOptions<C, B>) {
    this.#waiter = new HookWaiter(o);
  }

  /** Whether the hook takes a batch at a time (`job_batch`). */
  get batched(): boolean {
    return this.o.jobBatch !== undefined;
  }

  /**
   * Runs the job on `message` (`attempt` 2 and on: a retry). A job that
   * returns without a promise is settled at once and so is this call (no
   * promise, no microtask): a drain of synchronous jobs costs no promise per
   * message.
   */
  run(
    message: Message,
    context: C,
    state: PartitionState,
    scope: JobScope,
    attempt = 1,
  ): Outcome | Promise<Outcome> {
    const timing = this.#start(scope);
    const call: JobCall<C, B> = {
      message,
      subject: asRead(message),
      context,
      state,
      scope,
      started: timing.started,
      attempt,
    };
    const hook = this.#hook(timing.signal, state.name, attempt);
    const job = () => {
      call.subject = this.#parse(message, state.name);
      return (this.o.job as Job<C, B>)(call.subject, context, hook);
    };
    const span = this.o.tracing?.start(message, state, attempt);
    const result = this.#waiter.call(span ? () => span.run(job) : job, {
      signal: timing.signal,
      partition: state.name,
      messageId: message.message_id,
      scope,
    });
    // The waiter answers a hook that settled at once without a promise.
    if (!(result instanceof Promise)) {
      span?.end(failureOf(result));
      return this.#settled(result, call, timing);
    }
    return result.then((settled) => {
      span?.end(failureOf(settled));
      return this.#settled(settled, call, timing);
    });
  }

  /**
   * Runs the batch hook on the batch's pending messages (`attempt` 2 and
   * on: a retry of those that failed). 'retry' leaves in `work.pending`
   * the messages to run again; 'done' once every message finished or went
   * through job_failure, in order.
   */
  async runBatch(
    work: BatchWork<B>,
    context: C,
    state: PartitionState,
    scope: JobScope,
    attempt = 1,
  ): Promise<Outcome> {
    const parsed = this.#parseBatch(work, state.name);
    const first = parsed[0];
    if (!first) return this.#failBatch(work, { context, state, scope, attempt });
    const timing = this.#start(scope);
    const subjects = parsed.map((p) => p.subject);
    const hook = this.#hook(timing.signal, state.name, attempt);
    const batch = () => (this.o.jobBatch as JobBatch<C, B>)(subjects, context, hook);
    const messageId = first.message.message_id;
    const messages = parsed.map((p) => p.message);
    const span = this.o.tracing?.startBatch(messages, state, attempt);
    const result = await this.#waiter.call(span ? () => span.run(batch) : batch, {
      signal: timing.signal,
      partition: state.name,
      messageId,
      scope,
    });
    this.#finished(timing);
    if (result === 'abandoned') {
      span?.end(failureOf(result));
      return result;
    }
    const failed = this.#failedIn(result, subjects, timing, { state, scope, messageId });
    span?.end(failed === 'stop' || !result.ok ? failureOf(result) : batchFailure(failed));
    if (failed === 'stop') return failed;
    const done = parsed.length - failed.length;
    if (done > 0)
      this.o.metrics.increment('worker.messages_processed', { partition: state.name }, done);
    const [one] = failed;
    if (one && attempt <= this.o.retries) {
      const what = `${failed.length} of ${parsed.length} messages from ${messageId}`;
      this.#retrying(state, what, { attempt, error: one.error });
      work.pending = failed.map(({ index }) => (parsed[index] as Parsed<B>).message);
      return 'retry';
    }
    for (const { index, error } of failed) {
      const { message, subject } = parsed[index] as Parsed<B>;
      work.failed.set(message, { subject, error });
    }
    return this.#failBatch(work, { context, state, scope, attempt });
  }

  /** Which messages of a settled batch failed, by index: those it returned, or all when it threw. */
  #failedIn(
    result: Settled,
    subjects: readonly Message<B>[],
    timing: Timing,
    on: { state: PartitionState; scope: JobScope; messageId: string },
  ): 'stop' | { index: number; error: unknown }[] {
    if (result.ok) return failedOf(result.value, subjects);
    const verdict = this.#judge(result.error, timing, on);
    if (verdict === 'stop') return verdict;
    return subjects.map((_, index) => ({ index, error: verdict.error }));
  }

  /** The timer of a hook call: its signal aborts at `jobTimeout` or with the loop's abortJobs. */
  #start(scope: JobScope): Timing {
    const { jobTimeout, clock } = this.o;
    const started = clock.monotonic();
    const timeout = jobTimeout > 0 ? new AbortController() : undefined;
    const signal = timeout ? AbortSignal.any([timeout.signal, scope.abortJobs]) : scope.abortJobs;
    const cancel = timeout && clock.timer(jobTimeout * 1000, () => timeout.abort());
    return { started, timeout, signal, cancel };
  }

  #finished(timing: Timing): void {
    timing.cancel?.();
    this.o.metrics.timing('worker.job_time', this.o.clock.monotonic() - timing.started);
  }

  #settled(
    result: Settled | 'abandoned',
    call: JobCall<C, B>,
    timing: Timing,
  ): Outcome | Promise<Outcome> {
    const { metrics } = this.o;
    const { message, state, scope } = call;
    this.#finished(timing);
    if (result === 'abandoned') return result;
    const labels = { partition: state.name };
    if (result.ok) {
      metrics.increment('worker.messages_processed', labels);
      return 'done';
    }
    const verdict = this.#judge(result.error, timing, {
      state,
      scope,
      messageId: message.message_id,
    });
    if (verdict === 'stop') return verdict;
    const { error } = verdict;
    if (call.attempt <= this.o.retries) {
      this.#retrying(state, `message ${message.message_id}`, {
        attempt: call.attempt,
        error,
        messageId: message.message_id,
      });
      return 'retry';
    }
    metrics.increment('worker.messages_failed', labels);
    return this.#fail(call.subject, call.context, { state, scope, error, attempt: call.attempt });
  }

  /**
   * What a hook's throw comes to: 'stop' (StopWorker, or cut short by the
   * shutdown: it runs again after the restart), else the error for a retry
   * or job_failure (a JobTimeoutError when its time ran out).
   */
  #judge(
    thrown: unknown,
    timing: Timing,
    on: { state: PartitionState; scope: JobScope; messageId: string },
  ): 'stop' | { error: unknown } {
    const { timeout } = timing;
    if (isStopWorker(thrown)) {
      this.o.logger.info(
        `job raised StopWorker on ${on.state.name} ${on.messageId}; stopping`,
        about(on.state.name, on.messageId),
      );
      this.o.stop();
      return 'stop';
    }
    if (on.scope.abortJobs.aborted && !timeout?.signal.aborted) return 'stop';
    if (!timeout?.signal.aborted) return { error: thrown };
    return { error: new JobTimeoutError(this.o.jobTimeout, { cause: thrown }) };
  }

  #retrying(
    state: PartitionState,
    what: string,
    run: { attempt: number; error: unknown; messageId?: string },
  ): void {
    this.o.metrics.increment('worker.job_retries', { partition: state.name });
    const { name, message: text } = toError(run.error);
    this.o.logger.warn(
      `job failed on ${state.name} ${what} ` +
        `(run ${run.attempt} of ${this.o.retries + 1}): ${name}: ${text.split('\n', 1)[0]}; it runs again`,
      about(state.name, run.messageId),
    );
  }

  /**
   * Waits before retry `attempt` (1 = the first retry) of `what` (`message
   * <id>`, ...) on the worker's clock. False when `signal` (the partition's stop) cut the wait short:
   * the message stays unprocessed and runs again after a restart.
   */
  async waitToRetry(
    what: string,
    where: { partition: string; attempt: number; messageId?: string },
    signal: AbortSignal,
  ): Promise<boolean> {
    const { clock, logger, random } = this.o;
    const wait = retryDelay(where.attempt, this.o, random);
    logger.info(
      `${where.partition} ${what}: retry ${where.attempt} of ` +
        `${this.o.retries} in ${Math.round(wait)} ms`,
      about(where.partition, where.messageId),
    );
    await clock.sleep(wait, signal);
    return !signal.aborted;
  }

  #hook(signal: AbortSignal, partition: string, attempt: number): HookOptions {
    return { signal, partition, logger: this.o.logger, attempt, worker: this.o.worker };
  }

  /**
   * The message as the job gets it; a body that does not parse is a
   * BodyParseError. Without a parser B is the string read (the Worker's default).
   */
  #parse(message: Message, partition: string): Message<B> {
    const parse = this.o.parseBody;
    if (!parse) return asRead(message);
    try {
      return { ...message, body: parse(message.body, message) };
    } catch (cause) {
      throw new BodyParseError({ partition, messageId: message.message_id, cause });
    }
  }

  /** The pending messages whose body parses; the others failed for good (no retry mends a body). */
  #parseBatch(work: BatchWork<B>, partition: string): Parsed<B>[] {
    const parsed: Parsed<B>[] = [];
    for (const message of work.pending) {
      try {
        parsed.push({ message, subject: this.#parse(message, partition) });
      } catch (error) {
        work.failed.set(message, { subject: asRead(message), error });
      }
    }
    return parsed;
  }

  /** job_failure for each failed message of the batch, in order; 'done' once all went through. */
  async #failBatch(
    work: BatchWork<B>,
    on: { context: C; state: PartitionState; scope: JobScope; attempt: number },
  ): Promise<Outcome> {
    const { state, scope, attempt } = on;
    for (const message of work.messages) {
      const failed = work.failed.get(message);
      if (!failed) continue;
      this.o.metrics.increment('worker.messages_failed', { partition: state.name });
      const { subject, error } = failed;
      const outcome = await this.#fail(subject, on.context, { state, scope, error, attempt });
      if (outcome !== 'done') return outcome;
    }
    return 'done';
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
      const started = clock.monotonic();
      const call = () => this.o.jobFailure(message, context, queue, error, this.o.queuey, hook);
      const messageId = message.message_id;
      const result = await this.#waiter.call(call, {
        signal: hook.signal,
        partition: state.name,
        messageId,
        scope,
      });
      metrics.timing('worker.job_failure_time', clock.monotonic() - started);
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
export function loggingJobFailure<C, B>(logger: Logger): JobFailure<C, B> {
  return (message, _context, queue, error) => {
    logger.error(
      `job failed on ${queue} message ${message.message_id}`,
      about(queue, message.message_id),
      error,
    );
  };
}

/**
 * A message as read, given to a hook typed for B: without a parser B is the
 * string body (the Worker's default); a body that did not parse reaches
 * job_failure as read.
 */
function asRead<B>(message: Message): Message<B> {
  return message as Message<unknown> as Message<B>;
}

/** What a job span ends with: the hook's error, or why the worker gave up on it. */
function failureOf(result: Settled | 'abandoned'): unknown {
  if (result === 'abandoned') return 'the job did not settle and the worker gave up on it';
  return result.ok ? undefined : result.error;
}

/** A batch span's error when the hook returned failures: the one, or how many; none when none. */
function batchFailure(failed: readonly { error: unknown }[]): unknown {
  const [one] = failed;
  if (!one) return undefined;
  return failed.length === 1 ? one.error : `${failed.length} messages of the batch failed`;
}
