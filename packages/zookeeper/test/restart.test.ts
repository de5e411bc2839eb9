import { startZkServer, type ZkServer } from '@qdo/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Party, partitionsOf, waitFor, watchOverlaps } from './support/helpers.js';
import { startTcpProxy } from './support/tcp-proxy.js';

// This file needs a server of its own that it can stop and start, so it
// always runs one (QDO_TEST_ZK cannot be restarted from here).
let server: ZkServer;
let party: Party;

beforeAll(async () => {
  server = await startZkServer({ tickTime: 100 });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  if (!server.running) await server.start();
  await party?.stopAll();
});

describe('ZkPartitioner when ZooKeeper goes away', () => {
  it('stops owning at once when the server stops, and recovers when it returns', async () => {
    party = new Party({
      partyWait: 0.3,
      sessionTimeout: 2000,
      connection: `${server.connection}/restart`,
    });
    const all = partitionsOf(3, 3);
    const { partitioner, host } = await party.join(all);
    await waitFor(() => partitioner.owned().length === all.length, 'the worker owns all');
    await server.stop();
    await waitFor(
      () => partitioner.owned().length === 0,
      'owned() is empty while disconnected',
      3000,
    );
    expect(host.allReleased.sort()).toEqual([...all].sort());
    await server.start();
    await waitFor(() => partitioner.owned().length === all.length, 'the worker owns all again');
  });

  it('drops a session the server refuses after losing its data, and rejoins with a fresh one', async () => {
    party = new Party({
      partyWait: 0.3,
      sessionTimeout: 2000,
      connection: `${server.connection}/wiped`,
    });
    const all = partitionsOf(2, 3);
    const { partitioner } = await party.join(all);
    await waitFor(() => partitioner.owned().length === all.length, 'the worker owns all');
    await server.wipe();
    await waitFor(() => partitioner.owned().length === 0, 'owned() is empty while down', 3000);
    await server.start();
    const upAt = Date.now();
    await waitFor(
      () => partitioner.owned().length === all.length,
      'the worker owns all again, through a fresh session',
      10_000,
    );
    // Half a session to give up on the old one, then a connect and a join.
    expect(Date.now() - upAt).toBeLessThan(2000 + 1000);
  });

  it('stops a worker cut off from ZooKeeper at once, hands its share over, and rejoins after its session expired', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port });
    try {
      const base = { partyWait: 0.3, sessionTimeout: 1000 };
      party = new Party({ ...base, connection: `${server.connection}/expiry` });
      const all = partitionsOf(2, 6);
      const [cutOff, other] = await Promise.all([
        party.join(all, { connection: `${proxy.address}/expiry`, identifier: 'cut-off' }),
        party.join(all, { identifier: 'other' }),
      ]);
      if (!cutOff || !other) throw new Error('both workers should have joined');
      await waitFor(() => party.covers(all), 'two workers share the partitions');
      const overlaps = watchOverlaps(party);
      const share = [...cutOff.partitioner.owned()];
      expect(share.length).toBeGreaterThan(0);
      proxy.cut();
      await waitFor(
        () => cutOff.partitioner.owned().length === 0,
        'the cut-off worker stops at once',
        2000,
      );
      expect(cutOff.host.allReleased).toEqual(expect.arrayContaining(share));
      await waitFor(
        () => other.partitioner.owned().length === all.length,
        'the other worker takes everything once the session expired and the party settled',
      );
      proxy.restore();
      await waitFor(
        () => party.covers(all) && cutOff.partitioner.owned().length > 0,
        'the cut-off worker rejoins with a new session and gets a share again',
      );
      overlaps.stop();
      expect(overlaps.overlaps).toEqual([]);
    } finally {
      await party.stopAll();
      await proxy.close();
    }
  });
});
