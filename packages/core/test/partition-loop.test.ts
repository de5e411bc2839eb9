import type { QueueyClient } from '@qdo/queuey-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CorruptStatusError, FencedError, type Metrics, StopWorker } from '../src/index.js';
import { ProgressStore } from '../src/progress.js';
import { recordingLogger, run, statuses, until, useQueuey } from './helpers.js';

const q = useQueuey();
const { worker, newQueue } = q;

afterEach(() => {
  vi.restoreAllMocks();
});

function gauges() {
  const seen: string[] = [];
  const metrics: Metrics = {
    timing() {},
    increment() {},
    gauge: (name, value, labels) => {
      seen.push(`${name} ${labels?.partition} ${value}`);
    },
  };
  return { seen, metrics };
}

/** Records reads of work queues (with the position read after) and job starts, in order. */
function recording(client: QueueyClient, events: string[]): QueueyClient {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'messages' || property === 'fetch') {
        return async (queue: string, options: { wait?: number }) => {
          const result = await value.call(target, queue, options);
          if (!queue.startsWith('qdo_') && !options.wait) events.push(`read ${result.length}`);
          return result;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as QueueyClient;
}

describe('a partition loop', () => {
  it('does not run a partition whose status is corrupt, reports it once and retries each discovery round', async () => {
    const bad = await newQueue();
    const good = await newQueue();
    await q.client.postMessage(bad, 'late');
    await q.client.postMessages(good, [{ body: 'g1' }, { body: 'g2' }]);
    let corrupt = true;
    const acquire = ProgressStore.prototype.acquire;
    vi.spyOn(ProgressStore.prototype, 'acquire').mockImplementation(async function (
      this: ProgressStore,
      name: string,
      signal?: AbortSignal,
    ) {
      if (corrupt && name === `${bad}-1`) {
        throw new CorruptStatusError({ partition: name, statusMessage: 'x', reason: 'not JSON' });
      }
      return acquire.call(this, name, signal);
    });
    const logger = recordingLogger();
    const { seen: gauge, metrics } = gauges();
    const ran: string[] = [];
    const w = worker({
      logger,
      metrics,
      settings: { discoveryInterval: 0.05 },
      job(m) {
        ran.push(m.body);
        if (m.body === 'late') throw new StopWorker();
      },
    });
    const done = run(w);
    await until(() => ran.length === 2);
    await until(() => w.ready());
    // several discovery rounds pass while it stays corrupt: one report
    await until(() => vi.mocked(ProgressStore.prototype.acquire).mock.calls.length >= 3);
    expect(ran).toEqual(['g1', 'g2']);
    expect(logger.lines.filter((l) => l.text.includes(`${bad}-1 is not processed`))).toHaveLength(
      1,
    );
    expect(gauge).toContain(`worker.corrupt ${bad}-1 1`);
    corrupt = false;
    await done;
    expect(ran).toEqual(['g1', 'g2', 'late']);
    expect(gauge).toContain(`worker.corrupt ${bad}-1 0`);
  });

  it('ends a fenced partition at once without further commits; a new loop reads its position afresh', async () => {
    const queue = await newQueue();
    const posted = await q.client.postMessages(queue, [{ body: 'a' }, { body: 'b' }]);
    // The first commit is refused; the loop after it commits as usual.
    let fenced = true;
    const commit = ProgressStore.prototype.commit;
    const commits = vi.spyOn(ProgressStore.prototype, 'commit').mockImplementation(async function (
      this: ProgressStore,
      name: string,
      id: string,
    ) {
      if (fenced) {
        fenced = false;
        throw new FencedError(name);
      }
      return commit.call(this, name, id);
    });
    const acquires = vi.spyOn(ProgressStore.prototype, 'acquire');
    const logger = recordingLogger();
    // The commits tried by the time the fenced loop said it ended.
    let tries: number | undefined;
    const ran: string[] = [];
    const w = worker({
      logger: {
        ...logger,
        warn(...args: unknown[]) {
          if (String(args[0]).includes('taken over')) tries ??= commits.mock.calls.length;
          logger.warn(...args);
        },
      },
      settings: { discoveryInterval: 0.05 },
      job(m) {
        ran.push(m.body);
        if (ran.length === 4) throw new StopWorker();
      },
    });
    const done = run(w);
    await done;
    // after the fence: acquired again, from the (unchanged) saved position: both run again
    expect(tries).toBe(1);
    expect(acquires.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(ran).toEqual(['a', 'b', 'a', 'b']);
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(posted[0]?.key);
  });

  it('reads the next batch while the current one runs, one batch ahead', async () => {
    const queue = await newQueue();
    await q.client.postMessages(
      queue,
      Array.from({ length: 7 }, (_, i) => ({ body: `${i}` })),
    );
    const events: string[] = [];
    await run(
      worker({
        queuey: recording(q.client, events),
        settings: { batchSize: 3 },
        async job(m) {
          events.push(`job ${m.body}`);
          // give a read-ahead the time to arrive while this batch runs
          if (m.body === '0') await until(() => events.includes('read 3') && events.length > 2);
          if (m.body === '6') throw new StopWorker();
        },
      }),
    );
    const reads = events.flatMap((e, i) => (e.startsWith('read') ? [[e, i] as const] : []));
    expect(reads.map(([e]) => e)).toEqual(['read 3', 'read 3', 'read 1']);
    // the second batch arrived while the first ran ...
    expect(reads[1]?.[1]).toBeLessThan(events.indexOf('job 1'));
    // ... and the third was read only once the second had started: one batch ahead
    expect(reads[2]?.[1]).toBeGreaterThan(events.indexOf('job 3'));
  });
});
