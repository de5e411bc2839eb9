import { systemClock } from '@qdo/common';
import { describe, expect, it } from 'vitest';
import { type IdleHost, Idler, type Woken } from '../src/idle.js';
import { noopMetrics } from '../src/metrics.js';
import { PartitionView, startingFacts } from '../src/partition-state.js';
import { useQueuey } from './helpers.js';

const q = useQueuey();

function idler(): Idler {
  return new Idler({
    queuey: q.client,
    metrics: noopMetrics,
    clock: systemClock,
    signal: new AbortController().signal,
    ...{ waitInterval: 0.02, maxWait: 1, longPoll: 5, batchSize: 10, discoveryInterval: 5 },
  });
}

const host: IdleHost = {
  live: 1,
  wake: new AbortController().signal,
  discover: async () => false,
};

/** What woke a wait, in words: the bodies and position of a batch handed over. */
const described = (woken: Woken) =>
  typeof woken === 'object'
    ? { after: woken.after, bodies: woken.batch.map((m) => m.body) }
    : woken;

describe('the idle wait', () => {
  it('resolves with the batch the shared long-poll read for the partition', async () => {
    const queue = await q.newQueue(2);
    const idle = idler();
    idle.use({ holds: true });
    const states = [1, 2].map((p) => new PartitionView(`${queue}-${p}`, startingFacts()));
    const stops = [new AbortController(), new AbortController()];
    const [first, second] = states.map((state, i) =>
      idle.wait(state, (stops[i] as AbortController).signal),
    );
    const step = idle.step({ ...host, live: 2 });
    await q.client.postMessages(queue, [
      { body: 'a', partition: 2 },
      { body: 'b', partition: 2 },
    ]);
    expect(described(await (second as Promise<Woken>))).toEqual({ after: '', bodies: ['a', 'b'] });
    await step;
    // Nothing arrived in partition 1: it waits on, until its signal aborts.
    expect(await Promise.race([first, 'waiting'])).toBe('waiting');
    stops[0]?.abort();
    expect(await first).toBe('aborted');
  });

  it('resolves read after the back-off sleep on a server that does not hold reads', async () => {
    const queue = await q.newQueue(1);
    const idle = idler();
    idle.use({ holds: false });
    const waiting = idle.wait(
      new PartitionView(`${queue}-1`, startingFacts()),
      new AbortController().signal,
    );
    await idle.step(host);
    expect(await waiting).toBe('read');
  });
});
