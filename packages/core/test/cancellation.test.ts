import { type QueueyClient, QueueyConnectionError } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import {
  type HookOptions,
  ManualPartitioner,
  ProgressStore,
  StopWorker,
  UncleanShutdownError,
} from '../src/index.js';
import {
  manualClock,
  quietLogger,
  recordingLogger,
  run,
  statuses,
  until,
  useQueuey,
} from './helpers.js';

const q = useQueuey();
const { worker, newQueue } = q;

/** A client whose progress writes fail as in an outage once `down()` is called. */
function failingCommits(client: QueueyClient) {
  let down = false;
  const queuey = new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'putMessages' && down) {
        return async () => {
          throw new QueueyConnectionError('connect ECONNREFUSED', { url: 'http://127.0.0.1:1/' });
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as QueueyClient;
  return {
    queuey,
    down() {
      down = true;
    },
  };
}

describe('cancellation', () => {
  it('gives every hook a signal, the partition and a logger; job_context gets a signal too', async () => {
    const queue = await newQueue();
    await q.client.postMessages(queue, [{ body: 'fail' }, { body: 'stop' }]);
    const seen: HookOptions[] = [];
    let contextSignal: AbortSignal | undefined;
    await run(
      worker({
        jobContext: ({ signal }) => {
          contextSignal = signal;
          return {};
        },
        job(m, _c, options) {
          seen.push(options);
          if (m.body === 'stop') throw new StopWorker();
          throw new Error('failed');
        },
        jobFailure(_m, _c, _q, _e, _queuey, options) {
          if (options) seen.push(options);
        },
      }),
    );
    expect(seen.map((o) => o.partition)).toEqual([`${queue}-1`, `${queue}-1`, `${queue}-1`]);
    for (const options of seen) {
      expect(options.signal).toBeInstanceOf(AbortSignal);
      expect(typeof options.logger.info).toBe('function');
    }
    expect(contextSignal?.aborted).toBe(true); // the worker stopped
  });

  it('lets a job in hand finish within shutdownTimeout and commits it', async () => {
    const queue = await newQueue();
    const [first] = await q.client.postMessages(queue, [{ body: 'slow' }, { body: 'never' }]);
    let release: (() => void) | undefined;
    const w = worker({
      settings: { shutdownTimeout: 30 },
      job: (m, _c, { signal }) => {
        if (m.body !== 'slow') throw new Error('ran past the stop');
        expect(signal.aborted).toBe(false);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const done = run(w);
    await until(() => release !== undefined);
    w.stop();
    release?.();
    await done;
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(first?.key);
  });

  it('aborts jobs still running after shutdownTimeout; one honouring it leaves its message unprocessed', async () => {
    const queue = await newQueue();
    await q.client.postMessages(queue, [{ body: 'long' }]);
    const clock = manualClock();
    let jobSignal: AbortSignal | undefined;
    const w = worker({
      clock,
      settings: { shutdownTimeout: 0.2 },
      job: (_m, _c, { signal }) => {
        jobSignal = signal;
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      },
      jobFailure() {
        throw new Error('a job cut short by the shutdown is no failure');
      },
    });
    const done = run(w);
    await until(() => jobSignal !== undefined);
    w.stop();
    // The stop's deadline, on the worker's clock: the job gets all of it.
    await until(() => clock.timers.includes(200));
    clock.advance(199);
    await new Promise((r) => setImmediate(r));
    expect(jobSignal?.aborted).toBe(false);
    clock.advance(1);
    await until(() => jobSignal?.aborted === true);
    await done;
    expect(clock.monotonic()).toBe(200);
    expect((await statuses(q.client))[`${queue}-1`]?.processed ?? '').toBe('');
  });

  it('records a stuck partition in its status message on the server, and clears it once the job settled and the partition committed', async () => {
    const queue = await newQueue();
    const [first, hang, after] = await q.client.postMessages(
      queue,
      ['first', 'hang', 'after'].map((body) => ({ body })),
    );
    const clock = manualClock();
    let release: (() => void) | undefined;
    const w = worker({
      clock,
      settings: { jobTimeout: 0.1, abortGrace: 0.1, commitEvery: 1, shutdownTimeout: 0.2 },
      job: (m) => {
        if (m.body === 'hang') return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const done = run(w);
    await until(() => w.ready() && release !== undefined);
    // Stuck only once job_timeout and then abort_grace passed on the worker's clock.
    clock.advance(100);
    await until(() => clock.timers.includes(100)); // the grace after the abort
    expect(w.stuckPartitions()).toEqual([]);
    clock.advance(100);
    const name = `${queue}-1`;
    const raw = async () => {
      const { sp, id } = (await statuses(q.client))[name] ?? { sp: 1, id: '' };
      const message = id && (await q.client.getMessage('qdo_status', { partition: sp, id }));
      return message ? JSON.parse(message.message.body) : undefined;
    };
    await until(async () => (await raw())?.stuck !== undefined);
    expect(w.stuckPartitions()).toEqual([name]);
    const body = await raw();
    expect(body).toMatchObject({
      partition: name,
      processed: first?.key,
      stuck: { message: hang?.key },
    });
    expect(Date.now() - new Date(body.stuck.since).getTime()).toBeLessThan(10_000);
    const reader = new ProgressStore({
      queuey: q.client,
      worker: 'reader',
      now: Date.now,
      logger: quietLogger,
    });
    await reader.load();
    expect(reader.describe(name).stuck).toEqual(body.stuck);

    release?.();
    await until(async () => (await raw())?.processed === after?.key);
    expect(await raw()).not.toHaveProperty('stuck');
    expect(w.stuckPartitions()).toEqual([]);
    w.stop();
    await done;
  });

  it('gives up on a job that ignores its signal at shutdown and names its partition', async () => {
    const queue = await newQueue(2);
    await q.client.postMessage(queue, 'hang', { partition: 1 });
    const [ok] = await q.client.postMessages(queue, [{ body: 'ok', partition: 2 }]);
    const clock = manualClock();
    const ran: string[] = [];
    const w = worker({
      clock,
      settings: { shutdownTimeout: 0.2, abortGrace: 0.1, concurrency: 2 },
      job: (m) => {
        ran.push(m.body);
        if (m.body === 'hang') return new Promise(() => {});
      },
    });
    let settled = false;
    const done = run(w).finally(() => {
      settled = true;
    });
    await until(() => ran.length === 2);
    await until(async () => (await statuses(q.client))[`${queue}-2`]?.processed === ok?.key);
    w.stop();
    await until(() => clock.timers.includes(200)); // shutdown_timeout
    clock.advance(200);
    await until(() => clock.timers.includes(100)); // then the abort's grace
    expect(settled).toBe(false);
    clock.advance(100);
    const error = await done.catch((e) => e);
    // Given up on after shutdown_timeout and the grace, no later.
    expect(clock.monotonic()).toBe(300);
    expect(error).toBeInstanceOf(UncleanShutdownError);
    expect(error.unsaved.map((u: { partition: string }) => u.partition)).toEqual([`${queue}-1`]);
    expect(error.message).toContain(`${queue}-1 (job on `);
  });

  it('fails a stop whose last commit did not reach the server, naming the partition', async () => {
    const queue = await newQueue();
    await q.client.postMessages(queue, [{ body: 'a' }, { body: 'b' }]);
    const { queuey, down } = failingCommits(q.client);
    const logger = recordingLogger();
    let ran = 0;
    const w = worker({
      queuey,
      logger,
      partitioner: new ManualPartitioner([`${queue}-1`]),
      job() {
        ran += 1;
        if (ran === 2) down();
      },
    });
    const done = run(w);
    await until(() => logger.lines.some((l) => l.text.includes('unreachable')));
    w.stop();
    const error = await done.catch((e) => e);
    expect(error).toBeInstanceOf(UncleanShutdownError);
    expect(error.message).toMatch(new RegExp(`${queue}-1 \\(2 finished message`));
  });
});
