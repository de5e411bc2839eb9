import { describe, expect, it } from 'vitest';
import { type Partitioner, type PartitionerHost, StopWorker, Worker } from '../src/index.js';
import { manualClock, quietLogger, run, statuses, until, useQueuey } from './helpers.js';

const q = useQueuey();

/** A partitioner whose assignment the test moves, releasing through the host like ZooKeeper would. */
class MovablePartitioner implements Partitioner {
  #host: PartitionerHost | undefined;
  #owned: readonly string[];
  constructor(initial: readonly string[]) {
    this.#owned = initial;
  }
  async start(host: PartitionerHost) {
    this.#host = host;
  }
  async update() {}
  owned() {
    return this.#owned;
  }
  async moveTo(names: readonly string[]) {
    await this.#host?.release(this.#owned.filter((n) => !names.includes(n)));
    const grew = names.some((n) => !this.#owned.includes(n));
    this.#owned = names;
    if (grew) this.#host?.changed();
  }
  async stop() {}
}

describe('partition ownership', () => {
  it('finishes the message in hand and commits before releasing a partition', async () => {
    const a = await q.queueWith(['a1', 'a2', 'a3', 'a4']);
    const b = await q.queueWith(['stop']);
    const partitioner = new MovablePartitioner([`${a.queue}-1`]);
    const seen: string[] = [];
    let released: Promise<void> | undefined;
    await run(
      new Worker({
        queuey: q.client,
        logger: quietLogger,
        partitioner,
        settings: { waitInterval: 0.02 },
        job(m) {
          seen.push(m.body);
          // not awaited: release waits for this very message to finish
          if (m.body === 'a2') released = partitioner.moveTo([`${b.queue}-1`]);
          if (m.body === 'stop') throw new StopWorker();
        },
      }),
    );
    await released;
    expect(seen).toEqual(['a1', 'a2', 'stop']);
    expect((await statuses(q.client))[`${a.queue}-1`]?.processed).toBe(a.ids[1]);
  });

  it('reads the current progress of a partition acquired while running', async () => {
    const a = await q.queueWith(['a1', 'a2', 'a3', 'a4']);
    const later = new MovablePartitioner([]);
    const seen: string[] = [];
    let idle = 0;
    const waiting = new Worker({
      metrics: {
        timing() {},
        gauge() {},
        increment: (name) => void (name === 'worker.wait_for_jobs' && idle++),
      },
      queuey: q.client,
      logger: quietLogger,
      partitioner: later,
      settings: { waitInterval: 0.02 },
      job(m) {
        seen.push(m.body);
        if (m.body === 'a4') throw new StopWorker();
      },
    });
    const done = run(waiting);
    // the other worker moves the partition on after the first one has loaded its status
    await until(() => idle >= 1);
    await run(
      new Worker({
        queuey: q.client,
        logger: quietLogger,
        settings: { waitInterval: 0.02 },
        job(m) {
          if (m.body === 'a3') throw new StopWorker();
        },
      }),
    );
    expect((await statuses(q.client))[`${a.queue}-1`]?.processed).toBe(a.ids[1]);
    await later.moveTo([`${a.queue}-1`]);
    await done;
    expect(seen).toEqual(['a3', 'a4']);
  });

  it('starts on a partition handed over while idle at once, not after its back-off', async () => {
    const a = await q.queueWith(['a1', 'stop']);
    const later = new MovablePartitioner([]);
    const seen: string[] = [];
    let idle = 0;
    const worker = new Worker({
      metrics: {
        timing() {},
        gauge() {},
        increment: (name) => void (name === 'worker.wait_for_jobs' && idle++),
      },
      queuey: q.client,
      logger: quietLogger,
      partitioner: later,
      // An hour of idle back-off and rediscovery: only changed() can end the wait in time.
      settings: { waitInterval: 3600, discoveryInterval: 3600 },
      job(m) {
        seen.push(m.body);
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    const done = run(worker);
    await until(() => idle >= 1);
    await later.moveTo([`${a.queue}-1`]);
    await done;
    expect(seen).toEqual(['a1', 'stop']);
  });

  it('releases a partition whose job hangs within shutdownTimeout and a short grace', async () => {
    const a = await q.queueWith(['hang', 'never']);
    const partitioner = new MovablePartitioner([`${a.queue}-1`]);
    const ran: string[] = [];
    const clock = manualClock();
    const w = new Worker({
      queuey: q.client,
      logger: quietLogger,
      partitioner,
      clock,
      settings: { waitInterval: 0.02, shutdownTimeout: 0.2, abortGrace: 0.1 },
      job(m) {
        ran.push(m.body);
        return new Promise(() => {}); // ignores its signal
      },
    });
    const done = run(w);
    await until(() => ran.length === 1);
    let released = false;
    const release = partitioner.moveTo([]).then(() => {
      released = true;
    });
    await until(() => clock.timers.includes(200)); // shutdown_timeout
    clock.advance(200);
    await until(() => clock.timers.includes(100)); // then the short grace
    expect(released).toBe(false);
    clock.advance(100);
    await release;
    // Released after shutdown_timeout and the grace on the worker's clock, no later.
    expect(clock.monotonic()).toBe(300);
    w.stop();
    await done; // released before the stop: nothing of it is left to save
    expect(ran).toEqual(['hang']);
    expect((await statuses(q.client))[`${a.queue}-1`]?.processed ?? '').toBe('');
  });
});
