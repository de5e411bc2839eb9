import { StatusAdmin } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { OPERATOR_CLUSTER, useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { overlaps } from './support/workers.js';

const cluster = useCluster(OPERATOR_CLUSTER);

describe('qdo pause across a ZooKeeper handover', () => {
  it('a paused partition stays paused when another worker takes it over, and resumes from its position', async () => {
    const ids = await cluster.fill(['pz'], 2, 300);
    const list = ids.get('pz-1') ?? [];
    const w1 = cluster.start('w1');
    await waitFor(() => cluster.ranOn('pz-1').length >= 30, 'pz-1 is draining', 60_000);

    await new StatusAdmin(cluster.client, 'qdo pause by test').pause('pz-1');
    const ackAt = Date.now();
    await waitFor(
      () => cluster.ranOn('pz-2').filter((r) => r.start > ackAt).length >= 120,
      'pz-2 goes on for over a second',
      60_000,
    );
    expect(cluster.ranOn('pz-1').filter((r) => r.start > ackAt + 1000)).toEqual([]);
    const before = cluster.ranOn('pz-1').length;

    // The handover: w2 joins, w1 leaves; w2 then holds both partitions.
    cluster.start('w2');
    expect((await w1.stop('SIGTERM')).code, w1.output).toBe(0);
    const more = await cluster.client.postMessages(
      'pz',
      Array.from({ length: 20 }, (_, i) => ({ body: `pz|more${i}`, partition: 2 })),
    );
    await waitFor(
      () => {
        const seen = new Set(
          cluster
            .ranOn('pz-2')
            .filter((r) => r.w === 'w2')
            .map((r) => r.id),
        );
        return more.every((m) => seen.has(m.key));
      },
      'w2 works on after the handover',
      60_000,
    );
    expect(cluster.ranOn('pz-1').length, 'pz-1 jobs after the handover').toBe(before);

    await new StatusAdmin(cluster.client, 'qdo resume by test').resume('pz-1');
    await waitFor(
      () => new Set(cluster.ranOn('pz-1').map((r) => r.id)).size >= list.length,
      'pz-1 drains after the resume',
      60_000,
    );
    await cluster.stopAll();
    // Nothing skipped, nothing twice: the pause committed the job in hand.
    expect(cluster.ranOn('pz-1').map((r) => r.id)).toEqual(list);
    expect(
      cluster
        .ranOn('pz-1')
        .slice(before)
        .every((r) => r.w === 'w2'),
    ).toBe(true);
    expect(overlaps(cluster.records())).toEqual([]);
  });
});
