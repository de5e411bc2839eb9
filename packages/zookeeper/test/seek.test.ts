import { describe, expect, it } from 'vitest';
import { OPERATOR_CLUSTER, orderBreaks, useCluster } from './support/cluster.js';
import { waitFor } from './support/helpers.js';
import { overlaps } from './support/workers.js';

const cluster = useCluster(OPERATOR_CLUSTER);

describe('qdo seek while workers run', () => {
  it('--start on a caught-up partition reruns all its messages within 2 s, with no new traffic, each once more', async () => {
    const ids = await cluster.fill(['sk'], 4, 30);
    cluster.start('w1');
    cluster.start('w2');
    await cluster.drained(ids);
    const target = 'sk-1';
    const list = ids.get(target) ?? [];
    await waitFor(
      async () => (await cluster.positions([target])).get(target) === list[list.length - 1],
      'the partition is caught up and committed',
    );
    const seekAt = Date.now();
    await cluster.seek(target, '');
    const ackAt = Date.now();
    const rerun = () => cluster.ranOn(target).filter((r) => r.start >= seekAt);
    await waitFor(
      () => rerun().length >= list.length,
      () => `the partition runs again (${rerun().length} of ${list.length})`,
      10_000,
    );
    const done = Math.max(...rerun().map((r) => r.end)) - ackAt;
    const first = Math.min(...rerun().map((r) => r.start)) - ackAt;
    await cluster.stopAll();

    const records = cluster.records();
    expect(rerun().map((r) => r.id)).toEqual(list);
    for (const [name, partition] of ids) {
      const times = name === target ? 2 : 1;
      for (const id of partition) {
        expect(records.filter((r) => r.id === id).length, `${name} ${id}`).toBe(times);
      }
    }
    expect(overlaps(records)).toEqual([]);
    console.info(
      `seek --start on a caught-up partition: first rerun job ${first} ms after the seek was acknowledged, all ${list.length} rerun after ${done} ms`,
    );
    expect(done).toBeLessThan(2000);
  });

  it('mid-drain, runs no job from the old position later than 1 s after the seek was acknowledged, and goes on from the new one', async () => {
    const ids = await cluster.fill(['sm'], 2, 300);
    cluster.start('w1');
    cluster.start('w2');
    const target = 'sm-1';
    const list = ids.get(target) ?? [];
    await waitFor(() => cluster.ranOn(target).length >= 30, 'the partition is draining', 60_000);
    const to = 10;
    const seekAt = Date.now();
    await cluster.seek(target, list[to] as string);
    const ackAt = Date.now();
    const rest = list.slice(to + 1);
    const after = () => cluster.ranOn(target).filter((r) => r.start >= seekAt);
    // The new run: the messages after the new position, in order, each once.
    const restart = () => after().findIndex((r) => r.id === rest[0]);
    await waitFor(
      () => restart() >= 0 && after().length - restart() >= rest.length,
      () => `the partition goes on from the new position (${after().length} jobs since the seek)`,
      60_000,
    );
    await cluster.stopAll();

    const since = after();
    const index = restart();
    const old = since.slice(0, index);
    const restartedAt = (since[index]?.start ?? 0) - ackAt;
    expect(
      old.filter((r) => r.start > ackAt + 1000),
      'old-position jobs later than 1 s after the seek',
    ).toEqual([]);
    expect(since.slice(index).map((r) => r.id)).toEqual(rest);
    expect(overlaps(cluster.records())).toEqual([]);
    const others = new Map([...ids].filter(([name]) => name !== target));
    expect(orderBreaks(cluster.records(), others)).toEqual([]);
    console.info(
      `seek mid-drain: ${old.length} job(s) from the old position after the seek, the last starting ${Math.max(0, ...old.map((r) => r.start - ackAt))} ms after the acknowledgement; the new position's first job ${restartedAt} ms after it`,
    );
    expect(restartedAt).toBeLessThan(1000);
  });
});
