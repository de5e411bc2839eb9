import { describe, expect, it } from 'vitest';
import type { MessageListener, StoredMessage } from '../../src/storage/index.js';
import {
  APP,
  bodies,
  createQueue,
  keyOf,
  type StorageFixture,
  waitFor,
} from './storage-fixture.js';

export function expiryTests(fixture: () => StorageFixture): void {
  describe('expiry', () => {
    it('hides a message from reads, lookups and counts once its TTL has passed', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'ttl');
      const [short] = (await storage.insertMessages(
        APP,
        'ttl',
        [{ body: 'short', partition: 1, ttl: 10 }],
        clock.now(),
      )) as [StoredMessage];
      const [long] = (await storage.insertMessages(
        APP,
        'ttl',
        [{ body: 'long', partition: 1, ttl: 20 }],
        clock.now(),
      )) as [StoredMessage];
      const visible = async () => {
        const now = clock.now();
        const read = { partition: 1, limit: 10, order: 'ascending' as const, now };
        return {
          read: (await storage.readMessages(APP, 'ttl', read)).map((m) => m.body),
          got: (await storage.getMessages(APP, 'ttl', [keyOf(short), keyOf(long)], now)).length,
          count: await storage.countMessages(APP, 'ttl', now),
        };
      };
      clock.advance(9_999);
      expect(await visible()).toEqual({ read: ['short', 'long'], got: 2, count: 2 });
      clock.advance(1);
      expect(await visible()).toEqual({ read: ['long'], got: 1, count: 1 });
      clock.advance(10_000);
      expect(await visible()).toEqual({ read: [], got: 0, count: 0 });
    });

    it('purges expired messages in bounded chunks and keeps live ones', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'purge');
      await createQueue(storage, 'purge', { application: 'other' });
      const expiring = bodies(7).map((m) => ({ ...m, ttl: 5 }));
      await storage.insertMessages(APP, 'purge', expiring, clock.now());
      await storage.insertMessages('other', 'purge', expiring.slice(0, 2), clock.now());
      await storage.insertMessages(APP, 'purge', bodies(3, 'live'), clock.now());

      expect(await storage.purgeExpired(clock.now(), 100)).toBe(0);
      clock.advance(5_000);
      expect(await storage.purgeExpired(clock.now(), 4)).toBe(4);
      expect(await storage.purgeExpired(clock.now(), 4)).toBe(4);
      expect(await storage.purgeExpired(clock.now(), 4)).toBe(1);
      expect(await storage.purgeExpired(clock.now(), 4)).toBe(0);
      expect(await storage.countMessages(APP, 'purge', clock.now())).toBe(3);
      // Gone for good: even a clock set back cannot bring them back.
      expect(await storage.countMessages(APP, 'purge', 0)).toBe(3);
    });
    it('purges each message at its own expiry, whatever its batch or a later PUT said', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'mixed', { partitions: 2 });
      const batch = [10, 30, 10, 30, 20].map((ttl, i) => ({
        body: `t${ttl}-${i}`,
        partition: 1,
        ttl,
      }));
      batch.push({ body: 'p2', partition: 2, ttl: 10 });
      const stored = await storage.insertMessages(APP, 'mixed', batch, clock.now());
      const [, , third, , fifth] = stored as StoredMessage[];
      // Extend one short-lived message, shorten one long-lived one.
      await storage.putMessages(
        APP,
        'mixed',
        [keyOf(third as StoredMessage)],
        { body: 'kept', ttl: 40 },
        clock.now(),
      );
      await storage.putMessages(
        APP,
        'mixed',
        [keyOf(fifth as StoredMessage)],
        { body: 'cut', ttl: 5 },
        clock.now(),
      );
      const bodiesLeft = async () => {
        const read = { limit: 100, order: 'ascending' as const, now: 0 };
        const pages = await Promise.all(
          [1, 2].map((partition) => storage.readMessages(APP, 'mixed', { ...read, partition })),
        );
        return pages.flat().map((m) => m.body);
      };
      const purgeAll = async () => {
        let total = 0;
        for (let n = -1; n !== 0; total += n) n = await storage.purgeExpired(clock.now(), 2);
        return total;
      };

      clock.advance(5_000);
      expect(await purgeAll()).toBe(1);
      expect(await bodiesLeft()).toEqual(['t10-0', 't30-1', 'kept', 't30-3', 'p2']);
      clock.advance(5_000);
      expect(await purgeAll()).toBe(2);
      expect(await bodiesLeft()).toEqual(['t30-1', 'kept', 't30-3']);
      clock.advance(20_000);
      expect(await purgeAll()).toBe(2);
      expect(await bodiesLeft()).toEqual(['kept']);
      clock.advance(10_000);
      expect(await purgeAll()).toBe(1);
      expect(await bodiesLeft()).toEqual([]);
    });

    it('purges nothing of a queue created again after its deletion until it expires', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'again');
      await storage.insertMessages(
        APP,
        'again',
        bodies(3).map((m) => ({ ...m, ttl: 5 })),
        clock.now(),
      );
      await storage.deleteQueue(APP, 'again');
      await createQueue(storage, 'again');
      clock.advance(1_000);
      await storage.insertMessages(
        APP,
        'again',
        bodies(2).map((m) => ({ ...m, ttl: 60 })),
        clock.now(),
      );
      clock.advance(10_000);
      expect(await storage.purgeExpired(clock.now(), 100)).toBe(0);
      expect(await storage.countMessages(APP, 'again', clock.now())).toBe(2);
    });
  });

  describe('watching for new messages', () => {
    it('tells listeners after commit which partitions got messages, until unsubscribed', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'w', { partitions: 3 });
      const events: Parameters<MessageListener>[0][] = [];
      const seenAtEvent: Promise<number>[] = [];
      const unsubscribe = storage.watch((event) => {
        // The messages an adapter may hand along are the wake hand-over's (wake-handover.test.ts).
        const { messages: _handed, before: _before, ...told } = event;
        events.push({ ...told, partitions: [...told.partitions].sort() });
        // The messages are visible by the time the listener runs.
        seenAtEvent.push(storage.countMessages(APP, 'w', clock.now()));
      });
      const batch = [3, 1, 3].map((partition) => ({ body: 'x', partition, ttl: 60 }));
      const [first] = (await storage.insertMessages(APP, 'w', batch, clock.now())) as [
        StoredMessage,
      ];
      await storage.putMessages(APP, 'w', [keyOf(first)], { body: 'y', ttl: 60 }, clock.now());
      await waitFor(() => events.length >= 2);
      unsubscribe();
      // Counted before the next write: an adapter's count may run a little after its event.
      const counts = await Promise.all(seenAtEvent);

      // An adapter may deliver asynchronously: a second listener that saw the
      // last write proves the first one would have seen it too.
      let later = 0;
      const stop = storage.watch(() => {
        later++;
      });
      await storage.insertMessages(APP, 'w', [{ body: 'z', partition: 2, ttl: 60 }], clock.now());
      await waitFor(() => later > 0);
      stop();

      expect(events).toContainEqual({ application: APP, queue: 'w', partitions: [1, 3] });
      expect(events).toContainEqual({ application: APP, queue: 'w', partitions: [3] });
      expect(events.some((e) => e.partitions.includes(2))).toBe(false);
      expect(counts).toEqual(seenAtEvent.map(() => 3));
    });

    it('keeps writing when a listener throws', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'w');
      let calls = 0;
      storage.watch(() => {
        calls++;
        throw new Error('listener bug');
      });
      storage.watch(() => {
        calls++;
      });
      const stored = await storage.insertMessages(APP, 'w', bodies(2), clock.now());
      expect(stored).toHaveLength(2);
      await waitFor(() => calls >= 2);
      expect(await storage.countMessages(APP, 'w', clock.now())).toBe(2);
    });

    it('tallies per partition what the purge removed at expiry, and the newest of it (extension expired)', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'tally', { partitions: 3 });
      await createQueue(storage, 'tally', { application: 'other' });
      const sent = (await storage.insertMessages(
        APP,
        'tally',
        [
          { body: 'a', partition: 1, ttl: 5 },
          { body: 'b', partition: 1, ttl: 5 },
          { body: 'c', partition: 2, ttl: 5 },
          { body: 'd', partition: 1, ttl: 50 },
          { body: 'e', partition: 2, ttl: 500 },
        ],
        clock.now(),
      )) as StoredMessage[];
      await storage.insertMessages(
        'other',
        'tally',
        bodies(2).map((m) => ({ ...m, ttl: 5 })),
        clock.now(),
      );
      const tallies = async () =>
        (await storage.expiredTallies(APP, 'tally')).sort((x, y) => x.partition - y.partition);
      expect(await tallies()).toEqual([]);
      clock.advance(5_000);
      // Expired but not purged yet: not counted.
      expect(await tallies()).toEqual([]);
      // Two purges that split partition 1's range: the tally adds both.
      expect(await storage.purgeExpired(clock.now(), 1)).toBe(1);
      expect(await storage.purgeExpired(clock.now(), 100)).toBe(4);
      expect(await tallies()).toEqual([
        { partition: 1, expiredCount: 2, lastExpiredId: sent[1]?.id },
        { partition: 2, expiredCount: 1, lastExpiredId: sent[2]?.id },
      ]);
      clock.advance(45_000);
      expect(await storage.purgeExpired(clock.now(), 100)).toBe(1);
      expect(await tallies()).toEqual([
        { partition: 1, expiredCount: 3, lastExpiredId: sent[3]?.id },
        { partition: 2, expiredCount: 1, lastExpiredId: sent[2]?.id },
      ]);
      expect(await storage.expiredTallies('other', 'tally')).toEqual([
        { partition: 1, expiredCount: 2, lastExpiredId: expect.any(String) },
      ]);
      // A deleted message is not an expired one; a deleted queue takes its tallies along.
      await storage.deleteMessages(APP, 'tally', [{ partition: 2, id: sent[4]?.id ?? '' }]);
      clock.advance(1_000_000);
      expect(await storage.purgeExpired(clock.now(), 100)).toBe(0);
      expect((await tallies())[1]?.expiredCount).toBe(1);
      await storage.deleteQueue(APP, 'tally');
      await createQueue(storage, 'tally');
      expect(await tallies()).toEqual([]);
    });
  });
}
