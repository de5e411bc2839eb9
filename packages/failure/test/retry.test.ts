import { StopWorker } from '@qdo/core';
import type { Message } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import { createSaveFailedMessage, ErrorQueue, retry } from '../src/index.js';
import { captureLogger, collect, fillQueue, startQueuey } from './queuey.js';

const message: Message = {
  message_id: '79924e0ff10411e1850bb88d120c81de',
  body: 'b',
  partition: 1,
  timestamp: '1346153731.9620111',
};

/** Records the waits instead of sleeping. */
function recordingClock() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/** A job that fails `times` times, then succeeds. */
function flaky(times: number) {
  const calls = { count: 0 };
  const job = () => {
    calls.count += 1;
    if (calls.count <= times) throw new Error(`failure ${calls.count}`);
  };
  return { calls, job };
}

const noClient = {} as never;

describe('retry', () => {
  it('re-runs the job until it succeeds and then does not pass the failure on', async () => {
    const clock = recordingClock();
    const { calls, job } = flaky(1);
    const passedOn: unknown[] = [];
    // biome-ignore lint/suspicious/noThenProperty: retry's option is named `then` by contract
    const hook = retry({ attempts: 3, backoff: 250, job, clock, then: (...a) => passedOn.push(a) });
    await hook(message, {}, 'q-1', new Error('first'), noClient);
    expect(calls.count).toBe(2);
    expect(clock.waits).toEqual([250, 250]);
    expect(passedOn).toEqual([]);
  });

  it('passes the last error on after every attempt failed, waiting as told', async () => {
    const clock = recordingClock();
    const { calls, job } = flaky(100);
    const passedOn: unknown[] = [];
    const hook = retry({
      attempts: 3,
      backoff: (n) => n * 100,
      job,
      clock,
      // biome-ignore lint/suspicious/noThenProperty: retry's option is named `then` by contract
      then: (m, c, queue, error) =>
        void passedOn.push([m.message_id, c, queue, (error as Error).message]),
    });
    await hook(message, { ctx: true }, 'q-7', new Error('first'), noClient);
    expect(calls.count).toBe(3);
    expect(clock.waits).toEqual([100, 200, 300]);
    expect(passedOn).toEqual([[message.message_id, { ctx: true }, 'q-7', 'failure 3']]);
  });

  it('with 0 attempts passes the original failure straight on', async () => {
    const clock = recordingClock();
    const { calls, job } = flaky(100);
    const errors: unknown[] = [];
    const original = new Error('original');
    // biome-ignore lint/suspicious/noThenProperty: retry's option is named `then` by contract
    await retry({ attempts: 0, job, clock, then: (_m, _c, _q, e) => void errors.push(e) })(
      message,
      {},
      'q-1',
      original,
      noClient,
    );
    expect(calls.count).toBe(0);
    expect(errors).toEqual([original]);
  });

  it('doubles the default back-off from 1 s, up to 60 s, times a full jitter', async () => {
    const clock = recordingClock();
    const { job } = flaky(100);
    const random = () => 0.5;
    // biome-ignore lint/suspicious/noThenProperty: retry's option is named `then` by contract
    await retry({ attempts: 8, job, clock, random, then: () => {} })(
      message,
      {},
      'q-1',
      new Error('x'),
      noClient,
    );
    expect(clock.waits).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('stops at once when the retried job throws StopWorker', async () => {
    const clock = recordingClock();
    const job = () => {
      throw new StopWorker();
    };
    const passedOn: unknown[] = [];
    // biome-ignore lint/suspicious/noThenProperty: retry's option is named `then` by contract
    const hook = retry({ attempts: 3, backoff: 0, job, clock, then: () => void passedOn.push(1) });
    await expect(hook(message, {}, 'q-1', new Error('x'), noClient)).rejects.toBeInstanceOf(
      StopWorker,
    );
    expect(passedOn).toEqual([]);
  });

  it('rejects bad options when it is made', () => {
    const job = () => {};
    expect(() => retry({ attempts: -1, job })).toThrow(/attempts must be a whole number >= 0/);
    expect(() => retry({ attempts: 1.5, job })).toThrow(/attempts/);
    expect(() => retry({ attempts: 1, backoff: -5, job })).toThrow(/backoff/);
    expect(() => retry({ attempts: 1, job: undefined as never })).toThrow(/needs the job/);
  });

  it('hands a message that keeps failing to saveFailedMessage', async () => {
    await using q = await startQueuey();
    const [posted] = await fillQueue(q.queuey, 'retried', { partitions: 1, perPartition: 1 });
    if (!posted) throw new Error('no message posted');
    const clock = recordingClock();
    const { calls, job } = flaky(100);
    const hook = retry({
      attempts: 2,
      backoff: 10,
      job,
      clock,
      // biome-ignore lint/suspicious/noThenProperty: retry's option is named `then` by contract
      then: createSaveFailedMessage({ logger: captureLogger() }),
    });
    await hook(posted, {}, 'retried-1', new Error('x'), q.queuey);
    expect(calls.count).toBe(2);
    const saved = await collect(new ErrorQueue(q.queuey).list({ queue: 'retried' }));
    expect(saved.map((f) => f.message)).toEqual([posted]);
  });
});

describe('retry counts runs', () => {
  it('tells the job and `then` how many runs there were, after the worker’s own', async () => {
    const attempts: number[] = [];
    const job = (_m: unknown, _c: unknown, options: { attempt: number }) => {
      attempts.push(options.attempt);
      throw new Error('again');
    };
    let given = 0;
    const hook = retry({
      attempts: 2,
      backoff: 0,
      job,
      // biome-ignore lint/suspicious/noThenProperty: retry's option is named `then` by contract
      then: (_m, _c, _q, _e, _queuey, options) => {
        given = options?.attempt ?? 0;
      },
    });
    const options = {
      signal: new AbortController().signal,
      partition: 'q-1',
      logger: console as never,
      attempt: 3,
      worker: 'w',
    };
    await hook(message, {}, 'q-1', new Error('first'), noClient, options);
    expect(attempts).toEqual([4, 5]);
    expect(given).toBe(5);
  });
});
