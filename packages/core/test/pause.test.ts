import { describe, expect, it } from 'vitest';
import { type Metrics, StatusAdmin, StopWorker } from '../src/index.js';
import { run, until, useQueuey } from './helpers.js';

const q = useQueuey();
const { worker, newQueue } = q;

/** The last value of each gauge, by name and partition. */
function gaugeMetrics() {
  const gauges = new Map<string, number>();
  const metrics: Metrics = {
    timing() {},
    increment() {},
    gauge(name, value, labels) {
      gauges.set(`${name} ${labels?.partition ?? ''}`, value);
    },
  };
  return { gauges, metrics };
}

describe('a paused partition', () => {
  it('starts paused when its status says so, runs no job yet reports its lag, and runs everything once resumed', async () => {
    const queue = await newQueue();
    const name = `${queue}-1`;
    await q.client.postMessages(queue, [{ body: 'a' }, { body: 'b' }, { body: 'stop' }]);
    await new StatusAdmin(q.client, 'test').pause(name);
    const { gauges, metrics } = gaugeMetrics();
    const seen: string[] = [];
    const done = run(
      worker({
        metrics,
        settings: { waitInterval: 0.02 },
        job(m) {
          seen.push(m.body);
          if (m.body === 'stop') throw new StopWorker();
        },
      }),
    );
    // The paused loop peeks at its oldest waiting message for the lag gauges, reading no batch.
    await until(() => gauges.get(`worker.lag_messages ${name}`) === 1);
    expect(gauges.get(`worker.lag_seconds ${name}`)).toBeGreaterThanOrEqual(0);
    expect(seen).toEqual([]);

    await new StatusAdmin(q.client, 'test').resume(name);
    await done;
    expect(seen).toEqual(['a', 'b', 'stop']);
  });
});
