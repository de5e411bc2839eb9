import { afterEach, describe, expect, inject, it } from 'vitest';
import { ZkPartitioner, ZookeeperConnectionError } from '../src/index.js';
import { ZkSession } from '../src/session.js';
import {
  Party,
  partitionsOf,
  RecordingHost,
  uniqueConnection,
  waitFor,
  watchOverlaps,
} from './support/helpers.js';

const server = inject('zkConnection');
const fast = { partyWait: 0.3, sessionTimeout: 1000 };
let party: Party;

afterEach(async () => {
  await party?.stopAll();
});

function newParty(): Party {
  party = new Party({ ...fast, connection: uniqueConnection(server) });
  return party;
}

describe('ZkPartitioner on a real ZooKeeper', () => {
  it('lets the others rebalance at once when a member announces its departure, not after the party wait; a member that vanishes unannounced waits for it', async () => {
    party = new Party({ partyWait: 5, sessionTimeout: 1000, connection: uniqueConnection(server) });
    const all = partitionsOf(2, 6);
    const [leaver, stayer] = await Promise.all([party.join(all), party.join(all)]);
    if (!leaver || !stayer) throw new Error('both workers should have joined');
    await waitFor(() => party.covers(all), 'two workers share the partitions');
    const overlaps = watchOverlaps(party);
    const stoppedAt = Date.now();
    leaver.partitioner.stopping();
    await leaver.partitioner.stop();
    await waitFor(
      () => stayer.partitioner.owned().length === all.length,
      'the remaining worker owns everything',
      4000,
    );
    const took = Date.now() - stoppedAt;
    overlaps.stop();
    expect(overlaps.overlaps).toEqual([]);
    expect(took).toBeLessThan(2000);
  });

  it('gives a lone worker every partition, and creates a missing nested chroot', async () => {
    party = new Party({ ...fast, connection: `${uniqueConnection(server)}/deeper/still` });
    const all = partitionsOf(3, 9);
    const { partitioner } = await party.join(all);
    await waitFor(() => partitioner.owned().length === all.length, 'the lone worker owns all 27');
    expect(partitioner.owned()).toEqual([...all].sort());
  });

  it('splits 3 queues x 9 partitions among three workers, none twice', async () => {
    newParty();
    const all = partitionsOf(3, 9);
    await Promise.all([party.join(all), party.join(all), party.join(all)]);
    await waitFor(() => party.covers(all), 'each of the 27 partitions has exactly one owner');
    for (const { partitioner } of party.members) {
      expect(partitioner.owned().length).toBe(9);
    }
  });

  it('moves only a share of the partitions to a worker that joins, and keeps the rest working', async () => {
    newParty();
    const all = partitionsOf(3, 9);
    await Promise.all([party.join(all), party.join(all), party.join(all)]);
    await waitFor(() => party.covers(all), 'three workers cover all partitions');
    const before = new Map(party.members.map((m) => [m, [...m.partitioner.owned()]]));
    const overlaps = watchOverlaps(party);
    const newcomer = await party.join(all, { identifier: 'newcomer' });
    await waitFor(
      () => newcomer.partitioner.owned().length > 0 && party.covers(all),
      'the newcomer owns a share and all partitions are covered once',
    );
    overlaps.stop();
    expect(overlaps.overlaps).toEqual([]);
    let moved = 0;
    for (const [member, owned] of before) {
      const now = new Set(member.partitioner.owned());
      const lost = owned.filter((p) => !now.has(p));
      moved += lost.length;
      // Only what moved was released; the others never paused.
      expect([...member.host.allReleased].sort()).toEqual(lost.sort());
      expect(now.size).toBeGreaterThanOrEqual(6);
    }
    expect(moved).toBeGreaterThanOrEqual(6);
    expect(moved).toBeLessThanOrEqual(11);
    expect(newcomer.partitioner.owned().length).toBeGreaterThanOrEqual(6);
  });

  it('never lets two workers own a partition while the old owner is still releasing it', async () => {
    newParty();
    const all = partitionsOf(2, 8);
    const first = await party.join(all, { releaseDelay: 800 });
    await waitFor(
      () => first.partitioner.owned().length === all.length,
      'the first worker owns all',
    );
    const overlaps = watchOverlaps(party);
    const firstSeen = new Map<string, number>();
    const second = await party.join(all, { wait: false });
    const sample = () => {
      for (const p of second.partitioner.owned())
        if (!firstSeen.has(p)) firstSeen.set(p, Date.now());
    };
    const sampler = setInterval(sample, 2);
    await waitFor(() => {
      // Sampled here too: the wait may see the share before the interval does.
      sample();
      return second.partitioner.owned().length > 0 && party.covers(all);
    }, 'the second takes a share');
    clearInterval(sampler);
    overlaps.stop();
    expect(overlaps.overlaps).toEqual([]);
    for (const [p, seen] of firstSeen) {
      const released = first.host.releasedAt.get(p);
      expect(
        released,
        `${p} was released by the first worker before the second got it`,
      ).toBeDefined();
      expect(seen).toBeGreaterThanOrEqual(released as number);
    }
    expect(firstSeen.size).toBeGreaterThan(0);
  });

  it('waits for a lock that someone else still holds, and takes it when it goes', async () => {
    const connection = uniqueConnection(server);
    party = new Party({ ...fast, connection });
    const squatter = new ZkSession(server, { sessionTimeout: 2000, spinDelay: 100 });
    await squatter.connect(10_000);
    try {
      const root = connection.slice(connection.indexOf('/'));
      await squatter.mkdirp(`${root}/locks`);
      expect(await squatter.create(`${root}/locks/q1-2`, 'someone-else', true)).toBe(true);
      const all = partitionsOf(1, 3);
      const { partitioner } = await party.join(all);
      await waitFor(
        () => partitioner.owned().length === 2,
        'the worker owns the two free partitions',
      );
      expect(partitioner.owned()).toEqual(['q1-1', 'q1-3']);
      await squatter.remove(`${root}/locks/q1-2`);
      await waitFor(
        () => partitioner.owned().length === 3,
        'the worker takes q1-2 once its lock is gone',
      );
    } finally {
      squatter.close();
    }
  });

  it('picks up partitions of queues created while it runs, and drops deleted ones', async () => {
    newParty();
    const all = partitionsOf(2, 4);
    await Promise.all([party.join(all), party.join(all)]);
    await waitFor(() => party.covers(all), 'two workers cover the first queues');
    const grown = [...all, ...partitionsOf(1, 6, 'fresh')];
    await Promise.all(party.members.map((m) => m.partitioner.update(grown)));
    await waitFor(() => party.covers(grown), 'the new queue is covered exactly once');
    const shrunk = grown.filter((p) => !p.startsWith('q1-'));
    await Promise.all(party.members.map((m) => m.partitioner.update(shrunk)));
    await waitFor(() => party.covers(shrunk), 'the deleted queue is no longer owned');
    const released = party.members.flatMap((m) => m.host.allReleased);
    expect(released).toEqual(expect.arrayContaining(partitionsOf(1, 4)));
  });

  it('hands its partitions over when a worker stops', async () => {
    newParty();
    const all = partitionsOf(2, 5);
    const [a, b] = await Promise.all([party.join(all), party.join(all)]);
    await waitFor(() => party.covers(all), 'two workers cover all');
    const hadB = [...(b?.partitioner.owned() ?? [])];
    await b?.partitioner.stop();
    expect(b?.host.allReleased.sort()).toEqual(hadB.sort());
    expect(b?.partitioner.owned()).toEqual([]);
    await waitFor(
      () => a?.partitioner.owned().length === all.length,
      'the remaining worker owns everything',
    );
  });

  it('waits partyWait after the last change before it applies a new membership', async () => {
    party = new Party({
      partyWait: 1.5,
      sessionTimeout: 1000,
      connection: uniqueConnection(server),
    });
    const all = partitionsOf(1, 6);
    const started = Date.now();
    const first = await party.join(all);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(first.partitioner.owned()).toHaveLength(6);
    const joined = Date.now();
    const second = await party.join(all);
    await waitFor(() => first.partitioner.owned().length < 6, 'the first worker gives up a share');
    expect(Date.now() - joined).toBeGreaterThanOrEqual(1400);
    await waitFor(
      () => party.covers(all) && second.partitioner.owned().length > 0,
      'both share the queue',
    );
  });

  it('fails start() with a clear error when no ZooKeeper answers', async () => {
    const partitioner = new ZkPartitioner({ connection: '127.0.0.1:1/qdo', connectTimeout: 500 });
    const start = partitioner.start(new RecordingHost(), ['q-1'], new AbortController().signal);
    await expect(start).rejects.toBeInstanceOf(ZookeeperConnectionError);
    await expect(start).rejects.toMatchObject({ code: 'QDO_ZK_CONNECTION' });
    await partitioner.stop();
  });
});
