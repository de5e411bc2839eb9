import { QueueyClient } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import {
  JobFailureError,
  JobTimeoutError,
  ManualPartitioner,
  RetryLater,
  StopWorker,
  Worker,
} from '../src/index.js';
import { fakeClock, quietLogger, run, statuses, until, useQueuey } from './helpers.js';

const q = useQueuey();
const { worker } = q;

describe('failures', () => {
  it('stops the worker when job_failure throws, after teardown, leaving the message unprocessed', async () => {
    const { queue, ids } = await q.queueWith(['ok', 'bad', 'never']);
    let teardowns = 0;
    const seen: string[] = [];
    const w = worker({
      *jobContext() {
        try {
          yield {};
        } finally {
          teardowns += 1;
        }
      },
      job(m) {
        seen.push(m.body);
        if (m.body === 'bad') throw new Error('job broke');
      },
      jobFailure() {
        throw new Error('handler broke');
      },
    });
    const error = await run(w).catch((e) => e);
    expect(error).toBeInstanceOf(JobFailureError);
    expect(error.code).toBe('QDO_JOB_FAILURE');
    expect(error.cause.message).toBe('handler broke');
    expect(error.messageId).toBe(ids[1]);
    expect(teardowns).toBe(1);
    expect(seen).toEqual(['ok', 'bad']);
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[0]);
  });

  it('retries job_failure after a back-off when it throws RetryLater, then marks the message', async () => {
    const { queue, ids } = await q.queueWith(['bad', 'stop']);
    const clock = fakeClock();
    let calls = 0;
    await run(
      worker({
        clock,
        random: () => 0.5,
        job(m) {
          if (m.body === 'stop') throw new StopWorker();
          throw new Error('job broke');
        },
        jobFailure(m, _c, name, error) {
          calls += 1;
          expect([m.body, name, (error as Error).message]).toEqual([
            'bad',
            `${queue}-1`,
            'job broke',
          ]);
          if (calls < 3) throw new RetryLater('error queue down');
        },
      }),
    );
    expect(calls).toBe(3);
    expect(clock.sleeps.slice(0, 2)).toEqual([500, 1000]);
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(ids[0]);
  });

  it('lets stop() interrupt a RetryLater back-off without marking the message', async () => {
    const { queue } = await q.queueWith(['bad']);
    let calls = 0;
    const w = worker({
      job() {
        throw new Error('job broke');
      },
      jobFailure() {
        calls += 1;
        throw new RetryLater();
      },
    });
    const done = run(w);
    await until(() => calls >= 1);
    w.stop();
    await done;
    expect((await statuses(q.client))[`${queue}-1`]?.processed ?? '').toBe('');
  });

  it('aborts the signal of a job past jobTimeout and fails it to job_failure once it settled', async () => {
    const { queue } = await q.queueWith(['hang', 'stop']);
    const errors: unknown[] = [];
    const events: string[] = [];
    await run(
      worker({
        settings: { jobTimeout: 0.2 },
        partitioner: new ManualPartitioner([`${queue}-1`]),
        job(m, _c, { signal, partition }) {
          expect(partition).toBe(`${queue}-1`);
          events.push(`start ${m.body}`);
          if (m.body === 'stop') throw new StopWorker();
          return new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              // settles a little after the abort: the next message waits for it
              setTimeout(() => {
                events.push(`settled ${m.body}`);
                reject(new Error('aborted'));
              }, 50);
            }),
          );
        },
        jobFailure(_m, _c, _n, error, _q, hook) {
          expect(hook?.signal.aborted).toBe(false);
          errors.push(error);
        },
      }),
    );
    expect(events).toEqual(['start hang', 'settled hang', 'start stop']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JobTimeoutError);
    expect((errors[0] as Error).cause).toMatchObject({ message: 'aborted' });
  });

  it('tears the context down once when the start fails after setup', async () => {
    let setups = 0;
    let teardowns = 0;
    const w = new Worker({
      queuey: new QueueyClient({
        connection: `${q.server.url}/v1/queuey/`,
        appKey: 'wrong',
        retries: 0,
      }),
      logger: quietLogger,
      job() {},
      async *jobContext() {
        setups += 1;
        try {
          yield {};
        } finally {
          teardowns += 1;
        }
      },
    });
    const error = await run(w).catch((e) => e);
    expect(error).toMatchObject({ name: 'QueueyHTTPError', status: 401 });
    expect(String(error)).not.toContain('wrong');
    expect([setups, teardowns]).toEqual([1, 1]);
  });

  it('passes a non-Error thrown by a job to job_failure as it was thrown', async () => {
    await q.queueWith(['x', 'stop']);
    const errors: unknown[] = [];
    await run(
      worker({
        job(m) {
          if (m.body === 'stop') throw new StopWorker();
          throw 'a string';
        },
        jobFailure(_m, _c, _n, error) {
          errors.push(error);
        },
      }),
    );
    expect(errors).toEqual(['a string']);
  });
});

describe('parseBody', () => {
  it('gives the job parsed bodies and sends a body that does not parse to job_failure', async () => {
    await q.queueWith(['{"n":1}', 'not json', '{"n":2}', '{"stop":true}']);
    const seen: unknown[] = [];
    const failed: unknown[] = [];
    await run(
      new Worker<unknown, { n?: number; stop?: boolean }>({
        queuey: q.client,
        logger: quietLogger,
        settings: { waitInterval: 0.02 },
        parseBody: (body) => JSON.parse(body),
        job(m) {
          if (m.body.stop) throw new StopWorker();
          seen.push(m.body.n);
        },
        jobFailure(m, _c, _n, error) {
          failed.push([m.body, (error as Error).name]);
        },
      }),
    );
    expect(seen).toEqual([1, 2]);
    expect(failed).toEqual([['not json', 'BodyParseError']]);
  });
});
