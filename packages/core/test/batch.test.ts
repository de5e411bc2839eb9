import { describe, expect, it } from 'vitest';
import { failedOf } from '../src/batch-hook.js';
import {
  BatchFailedError,
  BodyParseError,
  type HookOptions,
  JobTimeoutError,
  type Message,
  type Partitioner,
  ProgressStore,
  QdoConfigError,
  StopWorker,
  Worker,
} from '../src/index.js';
import {
  fakeClock,
  quietLogger,
  recordingLogger,
  run,
  statuses,
  until,
  useQueuey,
} from './helpers.js';

const q = useQueuey();

/** A one-partition queue holding `count` bodies `m0`, `m1`, ...: its name and their ids. */
function queueOf(count: number) {
  return q.queueWith(Array.from({ length: count }, (_, i) => `m${i}`));
}

const bodies = <B>(messages: readonly Message<B>[]): B[] => messages.map((m) => m.body);

/** The position committed for partition 1 of `queue` ('' = none, or no status queue yet). */
async function processed(queue: string): Promise<string> {
  const status = await statuses(q.client).catch(() => ({}) as Awaited<ReturnType<typeof statuses>>);
  return status[`${queue}-1`]?.processed ?? '';
}

describe('job_batch', () => {
  it('gets up to batchSize consecutive messages of one partition, in order, and commits past them', async () => {
    const queue = await q.newQueue(2);
    const posted = await q.client.postMessages(queue, [
      ...Array.from({ length: 25 }, (_, i) => ({ body: `a${i}`, partition: 1 })),
      ...Array.from({ length: 7 }, (_, i) => ({ body: `b${i}`, partition: 2 })),
    ]);
    const batches: { partition: string; bodies: string[] }[] = [];
    const w = q.worker({
      settings: { batchSize: 10 },
      jobBatch(messages, _c, { partition }) {
        batches.push({ partition, bodies: bodies(messages) });
      },
    });
    const running = run(w);
    await until(() => batches.flatMap((b) => b.bodies).length === 32);
    w.stop();
    await running;
    const of = (p: string) => batches.filter((b) => b.partition === `${queue}-${p}`);
    expect(of('1').map((b) => b.bodies.length)).toEqual([10, 10, 5]);
    expect(of('1').flatMap((b) => b.bodies)).toEqual(Array.from({ length: 25 }, (_, i) => `a${i}`));
    expect(of('2').flatMap((b) => b.bodies)).toEqual(Array.from({ length: 7 }, (_, i) => `b${i}`));
    const status = await statuses(q.client);
    expect(status[`${queue}-1`]?.processed).toBe(posted[24]?.key);
    expect(status[`${queue}-2`]?.processed).toBe(posted[31]?.key);
  });

  it('hands every message of a batch that threw to job_failure, in order, then goes on', async () => {
    const { queue, ids } = await queueOf(5);
    const failed: { body: string; error: string; attempt: number }[] = [];
    const seen: string[][] = [];
    const w = q.worker({
      settings: { batchSize: 3 },
      jobBatch(messages) {
        seen.push(bodies(messages));
        if (messages[0]?.body === 'm0') throw new Error('db down');
      },
      jobFailure(m, _c, _q, error, _queuey, options) {
        failed.push({
          body: m.body,
          error: (error as Error).message,
          attempt: options?.attempt ?? 0,
        });
      },
    });
    const running = run(w);
    await until(() => seen.length === 2);
    w.stop();
    await running;
    expect(seen).toEqual([
      ['m0', 'm1', 'm2'],
      ['m3', 'm4'],
    ]);
    expect(failed).toEqual(
      ['m0', 'm1', 'm2'].map((body) => ({ body, error: 'db down', attempt: 1 })),
    );
    expect(await processed(queue)).toBe(ids[4]);
  });

  it('hands only the messages it returns in { failed } to job_failure, by object or by id', async () => {
    const { queue, ids } = await queueOf(4);
    const failed: { body: string; error: unknown }[] = [];
    let batches = 0;
    const counts: Record<string, number> = {};
    const w = q.worker({
      metrics: {
        timing() {},
        gauge() {},
        increment(name, _labels, by = 1) {
          counts[name] = (counts[name] ?? 0) + by;
        },
      },
      settings: { batchSize: 4 },
      jobBatch(messages) {
        batches += 1;
        const [, second, , fourth] = messages as Message[];
        return {
          failed: [
            { message: fourth, error: new Error('bad four') },
            { message: second?.message_id },
          ],
        };
      },
      jobFailure(m, _c, _q, error) {
        failed.push({ body: m.body, error });
      },
    });
    const running = run(w);
    await until(() => failed.length === 2);
    w.stop();
    await running;
    expect(batches).toBe(1);
    expect(counts['worker.messages_processed']).toBe(2);
    expect(counts['worker.messages_failed']).toBe(2);
    // In message order, whatever the order of the list.
    expect(failed.map((f) => f.body)).toEqual(['m1', 'm3']);
    expect(failed[0]?.error).toBeInstanceOf(BatchFailedError);
    expect(String(failed[1]?.error)).toBe('Error: bad four');
    expect(await processed(queue)).toBe(ids[3]);
  });

  it('fails the whole batch when { failed } names a message not in it', async () => {
    const { queue, ids } = await queueOf(2);
    const failed: { body: string; error: unknown }[] = [];
    const w = q.worker({
      jobBatch: () => ({ failed: [{ message: 'not-an-id-of-this-batch' }] }),
      jobFailure(m, _c, _q, error) {
        failed.push({ body: m.body, error });
      },
    });
    const running = run(w);
    await until(() => failed.length === 2);
    w.stop();
    await running;
    expect(failed.map((f) => f.body)).toEqual(['m0', 'm1']);
    expect(failed[0]?.error).toBeInstanceOf(BatchFailedError);
    expect(String(failed[0]?.error)).toContain('not a message of this batch');
    expect(await processed(queue)).toBe(ids[1]);
  });

  it('leaves the whole batch unprocessed on StopWorker; the batches before it stay committed', async () => {
    const { queue, ids } = await queueOf(4);
    let failures = 0;
    const w = q.worker({
      settings: { batchSize: 2 },
      jobBatch(messages) {
        if (messages[0]?.body === 'm2') throw new StopWorker();
      },
      jobFailure() {
        failures += 1;
      },
    });
    await run(w);
    expect(failures).toBe(0);
    expect(await processed(queue)).toBe(ids[1]);
  });

  it('aborts the signal of a batch past jobTimeout (per batch) and fails its messages with JobTimeoutError', async () => {
    const { queue, ids } = await queueOf(3);
    const failed: unknown[] = [];
    const w = q.worker({
      settings: { batchSize: 3, jobTimeout: 0.2 },
      jobBatch: (_m, _c, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        ),
      jobFailure(_m, _c, _q, error) {
        failed.push(error);
      },
    });
    const running = run(w);
    await until(() => failed.length === 3);
    w.stop();
    await running;
    for (const error of failed) expect(error).toBeInstanceOf(JobTimeoutError);
    expect(await processed(queue)).toBe(ids[2]);
  });

  it('runs a batch that threw again as a whole with retries; a returned failure reruns only its messages', async () => {
    const { queue, ids } = await queueOf(3);
    const runs: { attempt: number; bodies: string[] }[] = [];
    let failures = 0;
    const w = q.worker({
      clock: fakeClock(),
      settings: { batchSize: 3, retries: 2 },
      jobBatch(messages, _c, { attempt }: HookOptions) {
        runs.push({ attempt, bodies: bodies(messages) });
        if (attempt === 1) throw new Error('flaky');
        if (attempt === 2) return { failed: [{ message: messages[1] as Message }] };
        return undefined;
      },
      jobFailure() {
        failures += 1;
      },
    });
    const running = run(w);
    await until(() => runs.length === 3);
    await until(async () => (await processed(queue)) === ids[2]);
    w.stop();
    await running;
    expect(runs).toEqual([
      { attempt: 1, bodies: ['m0', 'm1', 'm2'] },
      { attempt: 2, bodies: ['m0', 'm1', 'm2'] },
      { attempt: 3, bodies: ['m1'] },
    ]);
    expect(failures).toBe(0);
  });

  it('leaves the whole batch unprocessed when a stop ends its retry wait', async () => {
    const { queue } = await queueOf(3);
    let runs = 0;
    let failures = 0;
    const w = q.worker({
      random: () => 0.99,
      settings: { retries: 3, retryDelay: 60 },
      jobBatch() {
        runs += 1;
        throw new Error('down');
      },
      jobFailure() {
        failures += 1;
      },
    });
    const running = run(w);
    await until(() => runs === 1);
    w.stop();
    await running;
    expect([runs, failures]).toEqual([1, 0]);
    expect(await processed(queue)).toBe('');
  });

  it('checks ownership before each batch: a partition lost while a batch ran gets no further batch', async () => {
    const { queue, ids } = await queueOf(6);
    const mine = [`${queue}-1`];
    let lost = false;
    // Lost the way a partitioner finds out inside owned() (ZooKeeper's
    // liveness deadline): the check before the next batch sees it, before
    // the worker's next sync would release the partition.
    const partitioner: Partitioner = {
      async start() {},
      async update() {},
      owned: () => (lost && new Error().stack?.includes('.owns') ? [] : mine),
      async stop() {},
    };
    const seen: string[][] = [];
    const w = new Worker({
      queuey: q.client,
      logger: quietLogger,
      partitioner,
      settings: { batchSize: 2, waitInterval: 0.02 },
      jobBatch(messages) {
        seen.push(bodies(messages));
        lost = true;
      },
    });
    const running = run(w);
    await until(async () => (await processed(queue)) === ids[1]);
    w.stop();
    await running;
    expect(seen).toEqual([['m0', 'm1']]);
  });

  it('runs no further batch once its commit was fenced by another owner', async () => {
    const { queue } = await queueOf(6);
    const name = `${queue}-1`;
    const logger = recordingLogger();
    const seen: string[][] = [];
    const w = q.worker({
      logger,
      settings: { batchSize: 2 },
      async jobBatch(messages) {
        seen.push(bodies(messages));
        // Another worker claims the partition while this batch runs.
        const other = new ProgressStore({
          ...{ queuey: q.client, worker: 'worker-b', now: Date.now, logger: quietLogger },
        });
        await other.acquire(name);
      },
    });
    const running = run(w);
    await until(() => logger.lines.some((l) => l.text.includes('taken over by another owner')));
    w.stop();
    await running;
    // The next batch does not wait for the commit: at most the one started
    // while the refused commit was on its way (m2, m3) ran from the old
    // position, nothing after it. A loop started afresh (the manual policy
    // keeps the partition; one may start before the worker stops) begins
    // again at the position the other owner wrote, before m0, and is fenced
    // the same way: so every loop ran m0-m1 and at most m2-m3.
    expect(seen[0]).toEqual(['m0', 'm1']);
    const loops: string[][][] = [];
    for (const batch of seen)
      if (batch[0] === 'm0') loops.push([batch]);
      else loops.at(-1)?.push(batch);
    for (const loop of loops)
      expect(loop).toEqual(
        [
          ['m0', 'm1'],
          ['m2', 'm3'],
        ].slice(0, loop.length),
      );
    expect(seen.flat()).not.toContain('m4');
  });

  it("reports its partition stuck on the batch's first message when the hook ignores its aborted signal", async () => {
    const { queue, ids } = await queueOf(3);
    let release = () => {};
    let calls = 0;
    const w = q.worker({
      settings: { batchSize: 2, jobTimeout: 0.1, abortGrace: 0.1 },
      jobBatch: (messages) => {
        calls += 1;
        if (messages[0]?.body !== 'm0') return undefined;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const running = run(w);
    const name = `${queue}-1`;
    await until(() => w.stuckPartitions().includes(name));
    expect(calls).toBe(1);
    release();
    await until(async () => (await processed(queue)) === ids[2]);
    expect(w.stuckPartitions()).toEqual([]);
    expect(calls).toBe(2);
    w.stop();
    await running;
  });

  it('leaves the batch in hand unprocessed when a stop aborts it after shutdownTimeout', async () => {
    const { queue } = await queueOf(2);
    let started = 0;
    let failures = 0;
    const w = q.worker({
      settings: { shutdownTimeout: 0.1, abortGrace: 1 },
      jobBatch: (_m, _c, { signal }) => {
        started += 1;
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
        );
      },
      jobFailure() {
        failures += 1;
      },
    });
    const running = run(w);
    await until(() => started === 1);
    w.stop();
    await running;
    expect(failures).toBe(0);
    expect(await processed(queue)).toBe('');
  });

  it('lets a batch in hand finish within shutdownTimeout and commits it', async () => {
    const { queue, ids } = await queueOf(3);
    let release = () => {};
    let started = false;
    const w = q.worker({
      settings: { shutdownTimeout: 30 },
      jobBatch: () => {
        started = true;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const running = run(w);
    await until(() => started);
    w.stop();
    setTimeout(() => release(), 50);
    await running;
    expect(await processed(queue)).toBe(ids[2]);
  });

  it('parses each body with body = json; one that does not parse goes to job_failure, the others to the hook', async () => {
    const { queue, ids } = await q.queueWith(['{"n":1}', 'nope', '{"n":3}']);
    const got: unknown[] = [];
    const failed: { body: unknown; error: unknown }[] = [];
    const w = q.worker({
      settings: { body: 'json' },
      jobBatch(messages) {
        got.push(...bodies(messages as Message<unknown>[]));
      },
      jobFailure(m, _c, _q, error) {
        failed.push({ body: m.body, error });
      },
    });
    const running = run(w);
    await until(() => failed.length === 1);
    w.stop();
    await running;
    expect(got).toEqual([{ n: 1 }, { n: 3 }]);
    expect(failed[0]?.body).toBe('nope');
    expect(failed[0]?.error).toBeInstanceOf(BodyParseError);
    expect(await processed(queue)).toBe(ids[2]);
  });

  it('refuses job and jobBatch together', () => {
    const both = () => new Worker({ queuey: q.client, job() {}, jobBatch() {} });
    expect(both).toThrow(QdoConfigError);
    expect(both).toThrow(/job or jobBatch, not both/);
  });
});

describe('failedOf (what a batch hook returned)', () => {
  const batch = ['a', 'b', 'c'].map((id) => ({ message_id: id }) as Message);

  it('marks the whole batch done for any return without a failed list', () => {
    for (const value of [undefined, null, 3, 'x', [1, 2], { ok: true }, { failed: undefined }])
      expect(failedOf(value, batch)).toEqual([]);
  });

  it('takes messages or ids, in batch order, once each, keeping the first error given', () => {
    const error = new Error('x');
    const failed = failedOf(
      { failed: [{ message: 'c', error }, { message: batch[0] }, { message: 'c' }] },
      batch,
    );
    expect(failed.map((f) => f.index)).toEqual([0, 2]);
    expect(failed[0]?.error).toBeInstanceOf(BatchFailedError);
    expect(failed[1]?.error).toBe(error);
  });

  it('fails the whole batch when failed is not a list of its messages', () => {
    for (const value of [{ failed: 'a' }, { failed: [{ message: 'z' }] }, { failed: [null] }]) {
      const failed = failedOf(value, batch);
      expect(failed.map((f) => f.index)).toEqual([0, 1, 2]);
      expect(failed[0]?.error).toBeInstanceOf(BatchFailedError);
    }
  });
});
