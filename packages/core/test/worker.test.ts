import type { Message } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import { ManualPartitioner, STATUS_QUEUE, StopWorker } from '../src/index.js';
import { run, useQueuey } from './helpers.js';

// The scenarios of the original qdo worker test-suite (qdo/tests/test_worker.py).

const q = useQueuey();
const { worker, newQueue } = q;

describe('Worker (original scenarios)', () => {
  it('returns at once without a job, touching nothing on the server', async () => {
    await run(worker());
    const names = [];
    for await (const queue of q.client.queues()) names.push(queue.queue_name);
    expect(names).not.toContain(STATUS_QUEUE);
  });

  it('returns without running a job when stopped before it starts', async () => {
    const queue = await newQueue();
    await q.client.postMessage(queue, 'Hello');
    let calls = 0;
    const w = worker({ job: () => calls++ });
    w.stop();
    await run(w);
    expect(calls).toBe(0);
  });

  it('stops cleanly on StopWorker and leaves that message unprocessed', async () => {
    const queue = await newQueue();
    await q.client.postMessage(queue, 'Hello');
    const seen: string[] = [];
    const job = (m: Message) => {
      seen.push(m.body);
      throw new StopWorker();
    };
    await run(worker({ job }));
    await run(worker({ job }));
    expect(seen).toEqual(['Hello', 'Hello']);
  });

  it('sets the context up once, passes it to every job and tears it down', async () => {
    const queue = await newQueue();
    await q.client.postMessage(queue, 'work');
    await q.client.postMessage(queue, 'end');
    const context = { counter: 0, setups: 0, done: 0 };
    const w = worker<typeof context>({
      async *jobContext() {
        context.setups += 1;
        try {
          yield context;
        } finally {
          context.done += 1;
        }
      },
      job(m, ctx) {
        ctx.counter += 1;
        if (m.body === 'end') throw new StopWorker();
      },
    });
    await run(w);
    expect(context).toEqual({ counter: 2, setups: 1, done: 1 });
  });

  it('processes several messages of a partition in order', async () => {
    const queue = await newQueue();
    for (const body of ['1', '2', '3', '4', 'end']) await q.client.postMessage(queue, body);
    const seen: string[] = [];
    await run(
      worker({
        job(m) {
          seen.push(m.body);
          if (seen.length > 5) throw new Error('ran past the end');
          if (m.body === 'end') throw new StopWorker();
        },
      }),
    );
    expect(seen).toEqual(['1', '2', '3', '4', 'end']);
  });

  it('processes several queues', async () => {
    const q1 = await newQueue();
    const q2 = await newQueue();
    for (const body of ['queue1-1', 'queue1-2']) await q.client.postMessage(q1, body);
    for (const body of ['queue2-1', 'queue2-2', 'queue2-3']) await q.client.postMessage(q2, body);
    const seen: string[] = [];
    await run(
      worker({
        job(m) {
          seen.push(m.body);
          if (seen.length === 5) throw new StopWorker();
        },
      }),
    );
    expect(seen.sort()).toEqual(['queue1-1', 'queue1-2', 'queue2-1', 'queue2-2', 'queue2-3']);
    expect(seen.filter((b) => b.startsWith('queue2'))).toEqual([
      'queue2-1',
      'queue2-2',
      'queue2-3',
    ]);
  });

  it('skips empty queues beside full ones', async () => {
    const q1 = await newQueue();
    await newQueue();
    await newQueue();
    const q2 = await newQueue();
    for (const body of ['queue1-1', 'queue1-2']) await q.client.postMessage(q1, body);
    await q.client.postMessage(q2, 'queue2-1');
    const seen: string[] = [];
    await run(
      worker({
        job(m) {
          seen.push(m.body);
          if (seen.length === 3) throw new StopWorker();
        },
      }),
    );
    expect(seen.sort()).toEqual(['queue1-1', 'queue1-2', 'queue2-1']);
  });

  it('processes all 10 messages of two queues with 1 and 3 partitions', async () => {
    const q1 = await newQueue(1);
    const q2 = await newQueue(3);
    await q.client.postMessages(q1, [{ body: 'a' }, { body: 'b' }]);
    const posted = await q.client.postMessages(
      q2,
      Array.from({ length: 8 }, (_, i) => ({ body: `${i}`, partition: (i % 3) + 1 })),
    );
    expect(new Set(posted.map((p) => p.partition)).size).toBe(3);
    const seen: string[] = [];
    await run(
      worker({
        job(m) {
          seen.push(`${m.partition}:${m.body}`);
          if (seen.length === 10) throw new StopWorker();
          if (seen.length > 10) throw new Error('more than 10');
        },
      }),
    );
    expect(seen).toHaveLength(10);
    expect(new Set(seen).size).toBe(10);
    // order within each partition is the posting order
    expect(seen.filter((s) => /[ab]$/.test(s))).toEqual(['1:a', '1:b']);
    for (const p of [1, 2, 3]) {
      const bodies = seen.filter((s) => s.startsWith(`${p}:`) && /\d$/.test(s));
      expect(bodies).toEqual([...bodies].sort());
    }
  });

  it('hands a failing job error to job_failure, then goes on', async () => {
    const queue = await newQueue();
    await q.client.postMessage(queue, 'Fail');
    await q.client.postMessage(queue, 'Finish');
    const errors: unknown[] = [];
    const queues: string[] = [];
    await run(
      worker({
        job(m) {
          if (m.body === 'Fail') throw new TypeError('job failed');
          throw new StopWorker();
        },
        jobFailure(_m, _ctx, name, error) {
          queues.push(name);
          errors.push(error);
        },
      }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect((errors[0] as Error).message).toBe('job failed');
    expect(queues).toEqual([`${queue}-1`]);
  });

  it('runs three workers in parallel on manual ids, each ending on its own last message', async () => {
    const setups = [0, 1, 2].map(async (i) => {
      const queue = await newQueue();
      await q.client.postMessages(
        queue,
        Array.from({ length: 11 }, (_, j) => ({ body: `${j}` })),
      );
      const [last] = await q.client.postMessages(queue, [{ body: 'last' }]);
      await q.client.postMessage(queue, 'stop');
      const seen: string[] = [];
      const w = worker<string[]>({
        settings: { name: `worker${i}` },
        partitioner: new ManualPartitioner([`${queue}-1`]),
        jobContext: () => seen,
        job(m, ctx) {
          if (m.body === 'stop') throw new StopWorker();
          ctx.push(m.message_id);
        },
      });
      return { w, seen, last: last?.key };
    });
    const workers = await Promise.all(setups);
    await Promise.all(workers.map(({ w }) => run(w)));
    for (const { w, seen, last } of workers) {
      expect(w.name).toMatch(/-worker\d$/);
      expect(seen).toHaveLength(12);
      expect(seen.at(-1)).toBe(last);
    }
  });
});
