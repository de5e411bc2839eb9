/**
 * The shared write layer (src/storage/write-layer.ts), run on every backend:
 * expiry and content type computed once, the partitions told to watchers,
 * space observers, and one mapping of a failed write.
 */
import { describe, expect, it } from 'vitest';
import type { MessageListener, SpaceObserver } from '../../src/storage/index.js';
import { APP, createQueue, hexId, type StorageFixture } from './storage-fixture.js';

type MessageEvent = Parameters<MessageListener>[0];

const QUEUE = {
  application: APP,
  name: 'c',
  partitions: 1,
  type: 'user' as const,
  consistency: 'strong' as const,
  principles: [],
  created: 1_700_000_000,
};

export function writeTests(fixture: () => StorageFixture): void {
  describe('the write layer', () => {
    it('computes expiry (now + ttl) and content type (null when absent) alike for post, PUT and conditional PUT, and stores them so', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'e', { partitions: 2 });
      const now = clock.now();
      const [posted] = await storage.insertMessages(
        APP,
        'e',
        [{ body: 'posted', partition: 1, ttl: 7 }],
        now,
      );
      const putId = hexId(1000n, '8001', '0a0b0c0d0e0f');
      const ifId = hexId(1001n, '8001', '0a0b0c0d0e0f');
      await storage.putMessages(
        APP,
        'e',
        [{ partition: 2, id: putId }],
        { body: 'put', ttl: 9, contentType: 'text/csv' },
        now,
      );
      const conditional = await storage.putMessageIf(
        APP,
        'e',
        { partition: 2, id: ifId },
        { body: 'if', ttl: 11 },
        { ifNoneMatch: true },
        now,
      );
      expect(conditional.written).toBe(true);
      expect([posted?.expiresAt, posted?.contentType]).toEqual([now + 7_000, null]);
      const stored = await storage.getMessages(
        APP,
        'e',
        [
          { partition: 1, id: posted?.id ?? '' },
          { partition: 2, id: putId },
          { partition: 2, id: ifId },
        ],
        now,
      );
      expect(stored.map((m) => [m.body, m.expiresAt, m.contentType])).toEqual([
        ['posted', now + 7_000, null],
        ['put', now + 9_000, 'text/csv'],
        ['if', now + 11_000, null],
      ]);
      // Each expires at its own instant, not a moment before.
      expect(await storage.countMessages(APP, 'e', now + 8_999)).toBe(2);
      expect(await storage.countMessages(APP, 'e', now + 9_000)).toBe(1);
      expect(await storage.countMessages(APP, 'e', now + 11_000)).toBe(0);
    });

    it('tells watchers each written partition once, in order, and nothing for a conditional PUT that did not match', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'n', { partitions: 3 });
      const events: MessageEvent[] = [];
      const stop = storage.watch((event) => events.push(event));
      const batch = [3, 1, 3, 1].map((partition) => ({ body: 'x', partition, ttl: 60 }));
      await storage.insertMessages(APP, 'n', batch, clock.now());
      const id = (n: bigint) => hexId(n, '8001', '0a0b0c0d0e0f');
      const keys = [3, 2, 3].map((partition, i) => ({ partition, id: id(2000n + BigInt(i)) }));
      // The same key twice (upper and lower case) is one key.
      keys.push({ partition: 2, id: id(2001n).toUpperCase() });
      await storage.putMessages(APP, 'n', keys, { body: 'y', ttl: 60 }, clock.now());
      const missed = await storage.putMessageIf(
        APP,
        'n',
        { partition: 1, id: id(3000n) },
        { body: 'z', ttl: 60 },
        { ifMatch: '"nothing"' },
        clock.now(),
      );
      stop();
      expect(missed).toEqual({ written: false });
      expect(events.map(({ messages: _, before: __, ...event }) => event)).toEqual([
        { application: APP, queue: 'n', partitions: [1, 3] },
        { application: APP, queue: 'n', partitions: [2, 3] },
      ]);
      // A post's event carries its messages, in order, for held reads to take.
      expect(events[0]?.messages?.map((m) => m.partition)).toEqual([3, 1, 3, 1]);
      // Where other processes' writes cannot be told (PostgreSQL), with each
      // partition's clock before them: nothing was there yet.
      if (!storage.foreignWrites) {
        expect(events[0]?.before).toEqual(
          new Map([
            [1, -1n],
            [3, -1n],
          ]),
        );
      }
      expect(events[1]?.messages).toBeUndefined();
    });

    it('tells space observers of each write that stored something, and of nothing else', async () => {
      const { storage, clock } = fixture();
      let wrote = 0;
      const failed: unknown[] = [];
      const observer: SpaceObserver = { wrote: () => wrote++, failed: (e) => failed.push(e) };
      const stop = storage.watchSpace?.(observer);
      expect(stop).toBeTypeOf('function');
      await createQueue(storage, 's');
      await storage.insertMessages(APP, 's', [{ body: 'a', partition: 1, ttl: 60 }], clock.now());
      await storage.readMessages(APP, 's', {
        partition: 1,
        limit: 10,
        order: 'ascending',
        now: clock.now(),
      });
      const missed = await storage.putMessageIf(
        APP,
        's',
        { partition: 1, id: hexId(4000n, '8001', '0a0b0c0d0e0f') },
        { body: 'b', ttl: 60 },
        { ifMatch: '*' },
        clock.now(),
      );
      expect(missed.written).toBe(false);
      stop?.();
      await storage.insertMessages(APP, 's', [{ body: 'c', partition: 1, ttl: 60 }], clock.now());
      // The queue and the post; not the read, the unmatched PUT, or anything after stop().
      expect(wrote).toBe(2);
      expect(failed).toEqual([]);
    });

    it('fails a write that breaks a constraint with the same StorageError on every backend', async () => {
      const { storage } = fixture();
      // A queue without a type is what a bug above the storage would send; the
      // database's NOT NULL refuses it (SQLITE_CONSTRAINT_NOTNULL, SQLSTATE 23502).
      const queue = { ...QUEUE, type: null as unknown as 'user' };
      const error = await storage.putQueue(queue).catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'StorageError',
        code: 'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
        transient: false,
      });
      expect((error as Error).message).toMatch(
        /^cannot store a queue: (SQLite|PostgreSQL) refused the request: /,
      );
      expect((error as Error).cause).toMatchObject({
        code: expect.stringMatching(/^(SQLITE_CONSTRAINT|23502)/),
      });
      expect(await storage.getQueue(APP, 'c')).toBeUndefined();
    });

    it('refuses work once closed with QUEUEY_SERVER_STORAGE_CLOSED and answers unhealthy', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'x');
      await storage.close();
      expect(await storage.healthy()).toBe(false);
      await expect(
        storage.insertMessages(APP, 'x', [{ body: 'a', partition: 1, ttl: 60 }], clock.now()),
      ).rejects.toMatchObject({ code: 'QUEUEY_SERVER_STORAGE_CLOSED' });
      await expect(storage.getQueue(APP, 'x')).rejects.toMatchObject({
        code: 'QUEUEY_SERVER_STORAGE_CLOSED',
      });
    });
  });
}
