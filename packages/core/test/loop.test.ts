import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { ManualPartitioner, type Metrics, PrometheusMetrics, StopWorker } from '../src/index.js';
import { fakeClock, recordingLogger, run, until, useQueuey } from './helpers.js';

const q = useQueuey();
const { worker, newQueue } = q;

/** Counts what the worker reports, to await states of the loop. */
function countingMetrics() {
  const counts: Record<string, number> = {};
  const metrics: Metrics = {
    timing() {},
    gauge() {},
    increment(name, _labels, by = 1) {
      counts[name] = (counts[name] ?? 0) + by;
    },
  };
  return { counts, metrics };
}

describe('the loop', () => {
  it('waits waitInterval x jitter x 2^min(idle rounds, 10) when idle, resetting on a message', async () => {
    const queue = await newQueue();
    const clock = fakeClock();
    const seen: string[] = [];
    // How many sleeps came before the message's job: the next one is its reset.
    let sleepsBeforeOne = -1;
    const w = worker({
      clock,
      random: () => 0.5,
      // the back-off of a server that does not hold reads, uncapped
      settings: { waitInterval: 1, maxWait: 86_400 * 7, longPoll: 0, discoveryInterval: 86_400 },
      job(m) {
        seen.push(m.body);
        if (m.body === 'one') sleepsBeforeOne = clock.sleeps.length;
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    const done = run(w);
    await until(() => clock.sleeps.length >= 12);
    expect(clock.sleeps.slice(0, 12)).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 512000, 1024000, 1024000,
    ]);
    await q.client.postMessage(queue, 'one');
    await until(() => seen.length === 1);
    await until(() => clock.sleeps.length > sleepsBeforeOne);
    expect(clock.sleeps[sleepsBeforeOne]).toBe(1000);
    await q.client.postMessage(queue, 'stop');
    await done;
  });

  it('keeps the jitter within [0.8, 1.2]', async () => {
    await newQueue();
    const clock = fakeClock();
    const w = worker({
      clock,
      settings: { waitInterval: 1, maxWait: 86_400, longPoll: 0, discoveryInterval: 86_400 },
      job() {},
    });
    const done = run(w);
    await until(() => clock.sleeps.length >= 8);
    w.stop();
    await done;
    clock.sleeps.slice(0, 8).forEach((ms, i) => {
      expect(ms / 1000 / 2 ** i).toBeGreaterThanOrEqual(0.8);
      expect(ms / 1000 / 2 ** i).toBeLessThanOrEqual(1.2);
    });
  });

  it('caps the idle back-off at maxWait, 60 s by default', async () => {
    await newQueue();
    const clock = fakeClock();
    const w = worker({
      clock,
      random: () => 0.5,
      settings: { waitInterval: 1, longPoll: 0, discoveryInterval: 86_400 },
      job() {},
    });
    const done = run(w);
    await until(() => clock.sleeps.length >= 9);
    w.stop();
    await done;
    expect(clock.sleeps.slice(0, 9)).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000,
    ]);
  });

  it('picks up a queue created while it runs within the discovery interval', async () => {
    const { counts, metrics } = countingMetrics();
    const seen: string[] = [];
    const w = worker({
      metrics,
      settings: { discoveryInterval: 0.1, waitInterval: 0.05 },
      job(m) {
        seen.push(m.body);
        throw new StopWorker();
      },
    });
    const done = run(w);
    await until(() => (counts['worker.wait_for_jobs'] ?? 0) >= 1);
    const queue = await newQueue(2);
    await q.client.postMessage(queue, 'late', { partition: 2 });
    await done;
    expect(seen).toEqual(['late']);
  });

  it('sees a posted message within milliseconds when long-polling', async () => {
    const queue = await newQueue(3);
    await q.client.postMessage(queue, 'first', { partition: 2 });
    const { counts, metrics } = countingMetrics();
    let stoppedAt = 0;
    const w = worker({
      metrics,
      // without the long-poll the idle wait would be 24 s or more
      settings: { longPoll: 10, waitInterval: 30, discoveryInterval: 60 },
      job(m) {
        if (m.body === 'stop') {
          stoppedAt = Date.now();
          throw new StopWorker();
        }
      },
    });
    const done = run(w);
    await until(() => (counts['worker.wait_for_jobs'] ?? 0) >= 1);
    const postedAt = Date.now();
    await q.client.postMessage(queue, 'stop', { partition: 3 });
    await done;
    expect(stoppedAt - postedAt).toBeLessThan(2000);
  });

  it('repeats held reads that expire without news, with no errors and no extra sleeping', async () => {
    await newQueue(2);
    const { counts, metrics } = countingMetrics();
    const logger = recordingLogger();
    // with waitInterval 30, falling back to sleeping would take 24 s or more
    const w = worker({ metrics, logger, settings: { longPoll: 1, waitInterval: 30 }, job() {} });
    const done = run(w);
    const started = Date.now();
    await until(() => (counts['worker.wait_for_jobs'] ?? 0) >= 3, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500); // the reads were held
    w.stop();
    await done;
    expect(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('processes partitions concurrently up to `concurrency`, each in order', async () => {
    for (const concurrency of [1, 3]) {
      const queue = await newQueue(3);
      for (const p of [1, 2, 3]) {
        await q.client.postMessages(
          queue,
          ['a', 'b'].map((b) => ({ body: `${p}${b}`, partition: p })),
        );
      }
      let inFlight = 0;
      let most = 0;
      const seen: string[] = [];
      await run(
        worker({
          settings: { concurrency },
          partitioner: new ManualPartitioner([1, 2, 3].map((p) => `${queue}-${p}`)),
          async job(m) {
            inFlight += 1;
            most = Math.max(most, inFlight);
            // hold the job until the other lanes had their chance to start one
            const deadline = Date.now() + 1000;
            while (most < concurrency && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 5));
            }
            inFlight -= 1;
            seen.push(m.body);
            if (seen.length === 6) throw new StopWorker();
          },
        }),
      );
      expect(most).toBe(concurrency);
      for (const p of [1, 2, 3])
        expect(seen.filter((s) => s.startsWith(`${p}`))).toEqual([`${p}a`, `${p}b`]);
    }
  });

  it('exposes Prometheus metrics and survives a failing metrics sink', async () => {
    const queue = await newQueue();
    await q.client.postMessages(queue, [{ body: 'ok' }, { body: 'bad' }, { body: 'stop' }]);
    const prometheus = new PrometheusMetrics({ registry: new Registry() });
    await run(
      worker({
        metrics: prometheus,
        job(m) {
          if (m.body === 'bad') throw new Error('bad');
          if (m.body === 'stop') throw new StopWorker();
        },
        jobFailure() {},
      }),
    );
    const text = await prometheus.text();
    expect(text).toContain('qdo_worker_job_time_seconds_count 3');
    expect(text).toContain('qdo_worker_job_failure_time_seconds_count 1');
    expect(text).toContain(`qdo_worker_messages_processed_total{partition="${queue}-1"} 1`);
    expect(text).toContain(`qdo_worker_messages_failed_total{partition="${queue}-1"} 1`);
    expect(text).toMatch(new RegExp(`qdo_worker_lag_messages\\{partition="${queue}-1"\\} 1`));
    expect(text).toMatch(
      new RegExp(`qdo_worker_lag_seconds\\{partition="${queue}-1"\\} [0-9.e-]+`),
    );

    await q.client.postMessage(queue, 'stop');
    const broken: Metrics = {
      timing() {
        throw new Error('sink down');
      },
      increment() {
        throw new Error('sink down');
      },
      gauge() {
        throw new Error('sink down');
      },
    };
    const seen: string[] = [];
    await run(
      worker({
        metrics: broken,
        job(m) {
          seen.push(m.body);
          throw new StopWorker();
        },
      }),
    );
    expect(seen).toEqual(['stop']);
  });

  it('is ready once started with a loop on every owned partition, and not after it stopped', async () => {
    const queue = await newQueue(3);
    const w = worker({ job() {} });
    expect(w.readiness()).toEqual({ ready: false, reason: 'starting' });
    const done = run(w);
    await until(() => w.ready());
    expect(w.readiness()).toEqual({
      ready: true,
      reason: expect.stringMatching(/^running \d+ partition\(s\)$/),
    });
    expect(w.stuckPartitions()).toEqual([]);
    await q.client.postMessage(queue, 'x', { partition: 2 });
    w.stop();
    await done;
    expect(w.readiness()).toEqual({ ready: false, reason: 'stopping' });
  });

  it('stops on the first SIGINT/SIGTERM and exits at once on a second', async () => {
    await newQueue();
    const { counts, metrics } = countingMetrics();
    const w = worker({ metrics, job() {} });
    const uninstall = w.handleSignals();
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      const done = run(w);
      await until(() => (counts['worker.wait_for_jobs'] ?? 0) >= 1);
      process.emit('SIGTERM', 'SIGTERM');
      await done;
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGINT', 'SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
    } finally {
      exit.mockRestore();
      uninstall();
    }
    expect(process.listeners('SIGINT')).toHaveLength(0);
  });
});
