import { describe, expect, it } from 'vitest';
import { orderBreaks, useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { overlaps } from './support/workers.js';

const SESSION_TIMEOUT = 1000;
const cluster = useCluster({ partyWait: 0.5, sessionTimeout: SESSION_TIMEOUT, jobMs: 10 });

describe('the liveness deadline against wall-clock steps', () => {
  it('a worker whose ZooKeeper link went silent runs nothing on its partitions once another owner started, though its wall clock stepped back 30 s and then forward', async () => {
    const ids = await cluster.fill(['c1', 'c2', 'c3', 'c4'], 4, 60);
    const { relay: proxy, worker: silent } = await cluster.startBehindRelay('silent', ['w2', 'w3']);
    const stalledAt = Date.now();
    proxy.stall();
    silent.child.send({ wallOffset: -30_000 });
    const theirs = cluster.workingOn('silent');
    expect(theirs.length).toBeGreaterThan(0);
    const firstOther = (p: string) => cluster.takeover(p, 'silent', stalledAt);
    await waitFor(
      () => theirs.every((p) => firstOther(p) !== undefined),
      'the others take over the silent worker’s partitions',
      30_000,
    );
    // Forward past the real time too, while the link is still silent.
    silent.child.send({ wallOffset: 60_000 });
    const steppedForward = Date.now();
    await waitFor(() => Date.now() - steppedForward > SESSION_TIMEOUT, 'a session passes', 5000);
    const unstalledAt = Date.now();
    proxy.unstall();
    await cluster.drained(ids);
    await cluster.stopAll();

    const records = cluster.records();
    const late = theirs.flatMap((p) => {
      const takeover = firstOther(p)?.start ?? 0;
      return records.filter((r) => r.p === p && r.w === 'silent' && r.start >= takeover);
    });
    // Once the link is back the silent worker rejoins and may get partitions
    // again: only jobs before the unstall count.
    expect(
      late.filter((r) => r.start < unstalledAt),
      'jobs the old owner ran after another owner started',
    ).toEqual([]);
    expect(overlaps(records)).toEqual([]);
    expect(orderBreaks(records, ids)).toEqual([]);
  });
});
