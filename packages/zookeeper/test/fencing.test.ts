import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  Party,
  partitionsOf,
  uniqueConnection,
  waitFor,
  watchOverlaps,
} from './support/helpers.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

const server = inject('zkConnection');
let party: Party | undefined;
let proxy: TcpProxy | undefined;

afterEach(async () => {
  proxy?.unstall();
  await party?.stopAll();
  await proxy?.close();
  party = undefined;
  proxy = undefined;
});

/**
 * Two workers sharing `all`: 'silent' talks to ZooKeeper through a relay the
 * test can stall, 'other' directly. Resolves once both own partitions.
 */
async function silentAndOther(sessionTimeout: number, all: string[]) {
  const [host = '', port = ''] = server.split(':');
  const relay = await startTcpProxy({ host, port: Number(port) });
  proxy = relay; // closed after each test
  const chroot = uniqueConnection(server).slice(server.length);
  const joined = new Party({ partyWait: 0.3, sessionTimeout, connection: `${server}${chroot}` });
  party = joined;
  const relayed = `${relay.address}${chroot}`;
  const silent = await joined.join(all, { connection: relayed, identifier: 'silent' });
  const other = await joined.join(all, { identifier: 'other' });
  await waitFor(
    () => joined.covers(all) && joined.members.every((m) => m.partitioner.owned().length > 0),
    'two workers share all partitions',
  );
  return { party: joined, proxy: relay, silent, other };
}

describe('self-fencing when the link to ZooKeeper goes silent', () => {
  it('pauses every partition before the session expires, and others take them only after that', async () => {
    const all = partitionsOf(2, 8);
    const { party, proxy, silent, other } = await silentAndOther(1000, all);
    const mine = [...silent.partitioner.owned()];
    expect(mine.length).toBeGreaterThan(0);
    const overlaps = watchOverlaps(party);
    const releasesBefore = silent.host.released.length;

    const stalledAt = Date.now();
    proxy.stall();
    await waitFor(() => silent.partitioner.owned().length === 0, 'the silent worker pauses', 5000);
    const pausedAfter = Date.now() - stalledAt;
    expect(silent.host.released.slice(releasesBefore).flat().sort()).toEqual([...mine].sort());
    await waitFor(
      () => other.partitioner.owned().length === all.length,
      'the other worker takes everything once the silent session expired',
    );
    const takenAfter = Date.now() - stalledAt;
    // Released (the worker let go) before anyone else could own them.
    const releasedBy = Math.max(...mine.map((p) => silent.host.releasedAt.get(p) ?? Infinity));
    expect(releasedBy - stalledAt).toBeLessThan(takenAfter);

    proxy.unstall();
    await waitFor(
      () => party.covers(all) && silent.partitioner.owned().length > 0,
      'the silent worker rejoins with a new session and gets a share back',
    );
    overlaps.stop();
    expect(overlaps.overlaps).toEqual([]);
    // A session of 1000 ms: the deadline is 666 ms after the last proof of life,
    // and nobody may take over before the session expired (1000 ms) and the party settled.
    expect(pausedAfter).toBeLessThan(takenAfter);
    console.info(`silent stall: paused after ${pausedAfter} ms, taken over after ${takenAfter} ms`);
  });

  it('resumes with the same locks when the session proves alive after a short stall', async () => {
    const all = partitionsOf(1, 6);
    const { party, proxy, silent, other } = await silentAndOther(2000, all);
    const mine = [...silent.partitioner.owned()];
    const theirs = [...other.partitioner.owned()];
    const changes = silent.host.changes;
    const overlaps = watchOverlaps(party);

    proxy.stall();
    await waitFor(() => silent.partitioner.owned().length === 0, 'the silent worker pauses', 5000);
    proxy.unstall();
    await waitFor(
      () => silent.partitioner.owned().length === mine.length,
      'the silent worker resumes its partitions',
    );
    overlaps.stop();
    expect(overlaps.overlaps).toEqual([]);
    expect([...silent.partitioner.owned()]).toEqual(mine);
    expect([...other.partitioner.owned()]).toEqual(theirs);
    expect(other.host.allReleased).toEqual([]);
    expect(silent.host.changes).toBeGreaterThan(changes);
  });
});
