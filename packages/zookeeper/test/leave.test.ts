import { describe, expect, it } from 'vitest';
import { duplicates, orderBreaks, useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { overlaps } from './support/workers.js';

// A long party wait, as in production: a graceful stop must not wait for it.
const PARTY_WAIT = 10;
const cluster = useCluster({ partyWait: PARTY_WAIT, sessionTimeout: 1000, jobMs: 10 });

describe('a worker that stops gracefully', () => {
  it('hands its partitions over within a second of SIGTERM, without waiting for the party to settle, and repeats nothing', async () => {
    const ids = await cluster.fill(['g1', 'g2', 'g3', 'g4'], 4, 300);
    const leaving = cluster.start('w1');
    cluster.start('w2');
    cluster.start('w3');
    await cluster.busy(['w1', 'w2', 'w3'], 10, 'all three workers are busy once the party settled');
    const termAt = Date.now();
    const exit = await leaving.stop('SIGTERM');
    expect(exit.code, exit.output).toBe(0);
    const records = () => cluster.records();
    const theirs = [
      ...new Set(
        records()
          .filter((r) => r.w === 'w1')
          .map((r) => r.p),
      ),
    ];
    const firstOther = (p: string) =>
      records().find((r) => r.p === p && r.w !== 'w1' && r.start > termAt);
    await waitFor(
      () => theirs.every((p) => firstOther(p) !== undefined),
      () =>
        `the others run the stopped worker’s partitions (${theirs.filter((p) => !firstOther(p)).join(', ')} not yet)\n${cluster.workers.map((c) => `--- ${c.label}\n${c.output.slice(-2000)}`).join('\n')}`,
      PARTY_WAIT * 1000,
    );
    const handover = theirs.map((p) => (firstOther(p)?.start ?? 0) - termAt);
    await cluster.drained(ids);
    await cluster.stopAll();

    const all = records();
    expect(duplicates(all)).toBe(0);
    expect(overlaps(all)).toEqual([]);
    expect(orderBreaks(all, ids)).toEqual([]);
    console.info(
      `graceful stop (party wait ${PARTY_WAIT} s): the ${theirs.length} partitions of the stopped worker ran elsewhere ${Math.min(...handover)}-${Math.max(...handover)} ms after SIGTERM`,
    );
    expect(Math.max(...handover)).toBeLessThan(1000);
  }, 180_000);
});
