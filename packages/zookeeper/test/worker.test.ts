import type { NodeProcess } from '@qdo/test-utils';
import { describe, expect, it } from 'vitest';
import { useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { overlaps } from './support/workers.js';

const PARTY_WAIT = 0.5;
const SESSION_TIMEOUT = 1000;
const cluster = useCluster({ partyWait: PARTY_WAIT, sessionTimeout: SESSION_TIMEOUT, jobMs: 10 });
const start = (name: string) => cluster.start(name);

describe('Workers sharing partitions through ZooKeeper', () => {
  it('takes over the partitions of a worker killed with SIGKILL, losing nothing and never running a partition twice at once', async () => {
    const ids = await cluster.fill(['alpha', 'beta', 'gamma'], 3, 25);
    const expected = [...ids.values()].flat();
    const workers = ['w1', 'w2', 'w3'].map(start);
    const victim = workers[1] as NodeProcess;
    await waitFor(
      () => cluster.records().filter((r) => r.w === victim.label).length >= 5,
      'w2 has processed a few messages',
      30_000,
    );
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const victimPartitions = new Set(
      cluster
        .records()
        .filter((r) => r.w === victim.label)
        .map((r) => r.p),
    );
    const seen = new Set(cluster.records().map((r) => r.id));
    const leftBehind = expected.filter((id) => !seen.has(id));
    expect(leftBehind.length, 'w2 was killed before it finished').toBeGreaterThan(0);

    await cluster.drained(ids, 60_000);
    await cluster.stopAll();

    const all = cluster.records();
    expect(overlaps(all)).toEqual([]);
    const takenOver = all.filter(
      (r) => victimPartitions.has(r.p) && r.w !== victim.label && r.start > killedAt,
    );
    expect(takenOver.length).toBeGreaterThan(0);
    const firstTakeover = Math.min(...takenOver.map((r) => r.start)) - killedAt;
    // Session expiry + party wait, plus a round of the survivors' own work.
    expect(firstTakeover).toBeLessThan(SESSION_TIMEOUT + PARTY_WAIT * 1000 + 4000);
  });

  it('gives a worker that joins mid-run a share, and picks up a queue created meanwhile', async () => {
    const ids = await cluster.fill(['red', 'green', 'blue'], 3, 40);
    start('w1');
    start('w2');
    await waitFor(() => cluster.records().length >= 20, 'the first two workers are busy', 30_000);
    const joinedAt = Date.now();
    const late = start('w3');
    for (const [p, list] of await cluster.fill(['violet'], 2, 10)) ids.set(p, list);

    await cluster.drained(ids, 60_000);
    await cluster.stopAll();

    const all = cluster.records();
    expect(overlaps(all)).toEqual([]);
    const lateShare = new Set(all.filter((r) => r.w === late.label).map((r) => r.p));
    expect(lateShare.size).toBeGreaterThanOrEqual(2);
    expect(all.filter((r) => r.w === late.label).every((r) => r.start >= joinedAt)).toBe(true);
    expect(all.some((r) => r.p.startsWith('violet-'))).toBe(true);
  });
});
