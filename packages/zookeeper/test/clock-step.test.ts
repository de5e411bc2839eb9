import { describe, expect, inject, it } from 'vitest';
import { orderBreaks, useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { startTcpProxy } from './support/tcp-proxy.js';
import { overlaps } from './support/workers.js';

const SESSION_TIMEOUT = 1000;
const cluster = useCluster({ partyWait: 0.5, sessionTimeout: SESSION_TIMEOUT, jobMs: 10 });

const countBy = (w: string) => cluster.records().filter((r) => r.w === w).length;

describe('the liveness deadline against wall-clock steps', () => {
  it('a worker whose ZooKeeper link went silent runs nothing on its partitions once another owner started, though its wall clock stepped back 30 s and then forward', async () => {
    const ids = await cluster.fill(['c1', 'c2', 'c3', 'c4'], 4, 60);
    const [host = '', port = ''] = inject('zkConnection').split(':');
    const proxy = await startTcpProxy({ host, port: Number(port) });
    try {
      const chroot = cluster.zookeeper.slice(cluster.zookeeper.indexOf('/'));
      const silent = cluster.start('silent', { zookeeper: `${proxy.address}${chroot}` });
      cluster.start('w2');
      cluster.start('w3');
      await waitFor(
        () => ['silent', 'w2', 'w3'].every((w) => countBy(w) >= 5),
        'all three workers are busy',
        60_000,
      );
      const stalledAt = Date.now();
      proxy.stall();
      silent.child.send({ wallOffset: -30_000 });
      const lastRun = new Map(cluster.records().map((r) => [r.p, r.w]));
      const theirs = [...lastRun].filter(([, w]) => w === 'silent').map(([p]) => p);
      expect(theirs.length).toBeGreaterThan(0);
      const firstOther = (p: string) =>
        cluster.records().find((r) => r.p === p && r.w !== 'silent' && r.start > stalledAt);
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
    } finally {
      proxy.unstall();
      await proxy.close();
    }
  });
});
