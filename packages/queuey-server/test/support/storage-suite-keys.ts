import { timeFromEpochMs, uuidTime } from '@qdo/common';
import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/storage/index.js';
import { APP, bodies, createQueue, hexId, keyOf, type StorageFixture } from './storage-fixture.js';

export function keyTests(fixture: () => StorageFixture): void {
  async function seed(): Promise<StoredMessage[]> {
    const { storage, clock } = fixture();
    await createQueue(storage, 'k', { partitions: 2 });
    const batch = [...bodies(3), { body: 'p2', partition: 2, ttl: 60 }];
    return storage.insertMessages(APP, 'k', batch, clock.now());
  }
  const all = () => {
    const { storage, clock } = fixture();
    return Promise.all(
      [1, 2].map((partition) =>
        storage.readMessages(APP, 'k', {
          partition,
          limit: 100,
          order: 'ascending',
          now: clock.now(),
        }),
      ),
    ).then((pages) => pages.flat());
  };

  describe('messages by id', () => {
    it('gets the messages with these keys and omits missing ones', async () => {
      const { storage, clock } = fixture();
      const [a, b, c, p2] = (await seed()) as [
        StoredMessage,
        StoredMessage,
        StoredMessage,
        StoredMessage,
      ];
      const missing = hexId(a.time + 7n, '8abc', '0123456789ab');
      const keys = [keyOf(c), { partition: 1, id: missing }, keyOf(a), keyOf(p2)];
      expect(await storage.getMessages(APP, 'k', keys, clock.now())).toEqual([c, a, p2]);
      // The partition is part of the key.
      expect(
        await storage.getMessages(APP, 'k', [{ partition: 2, id: b.id }], clock.now()),
      ).toEqual([]);
      // Upper-case hex names the same message; an alphanumeric non-hex id names none.
      const odd = [
        { partition: 1, id: b.id.toUpperCase() },
        { partition: 1, id: 'z'.repeat(32) },
      ];
      expect(await storage.getMessages(APP, 'k', odd, clock.now())).toEqual([b]);
      expect(await storage.getMessages(APP, 'other', [keyOf(a)], clock.now())).toEqual([]);
    });

    it('overwrites messages under their ids, keeping their time', async () => {
      const { storage, clock } = fixture();
      const [a, b] = (await seed()) as [StoredMessage, StoredMessage];
      clock.advance(5_000);
      await storage.putMessages(
        APP,
        'k',
        [keyOf(a)],
        { body: 'new', ttl: 10, contentType: 'application/json' },
        clock.now(),
      );
      const [updated] = await storage.getMessages(APP, 'k', [keyOf(a)], clock.now());
      expect(updated).toEqual({
        ...a,
        body: 'new',
        contentType: 'application/json',
        expiresAt: clock.now() + 10_000,
      });
      expect((await all()).map((m) => m.id)).toContain(b.id);
      expect(await storage.countMessages(APP, 'k', clock.now())).toBe(4);
    });

    it('creates messages under new ids, placed by the time of the id', async () => {
      const { storage, clock } = fixture();
      const [a, b] = (await seed()) as [StoredMessage, StoredMessage];
      const between = hexId(a.time + (b.time - a.time) / 2n, '9999', 'ffffffffffff');
      const older = hexId(timeFromEpochMs(clock.now() - 86_400_000), '9999', 'ffffffffffff');
      await storage.putMessages(
        APP,
        'k',
        [
          { partition: 1, id: between.toUpperCase() },
          { partition: 1, id: older },
        ],
        { body: 'put', ttl: 60 },
        clock.now(),
      );
      const ids = (await all()).filter((m) => m.partition === 1).map((m) => m.id);
      // a and b may share a time (same millisecond), so place 'between' only by time.
      expect(ids[0]).toBe(older);
      expect(ids).toContain(between);
      const [stored] = await storage.getMessages(
        APP,
        'k',
        [{ partition: 1, id: between }],
        clock.now(),
      );
      expect(stored?.time).toBe(uuidTime(between));
      expect(stored?.id).toBe(between);
    });

    it('refuses to put a message under an id that is not hex', async () => {
      const { storage, clock } = fixture();
      await seed();
      const keys = [{ partition: 1, id: 'g'.repeat(32) }];
      await expect(
        storage.putMessages(APP, 'k', keys, { body: 'x', ttl: 60 }, clock.now()),
      ).rejects.toMatchObject({ name: 'StorageError', code: 'QUEUEY_SERVER_INVALID_MESSAGE_ID' });
      expect(await storage.countMessages(APP, 'k', clock.now())).toBe(4);
    });

    it('deletes the messages with these keys and nothing else', async () => {
      const { storage, clock } = fixture();
      const [a, b, c, p2] = (await seed()) as [
        StoredMessage,
        StoredMessage,
        StoredMessage,
        StoredMessage,
      ];
      await storage.deleteMessages(APP, 'k', [keyOf(a), { partition: 2, id: c.id }, keyOf(p2)]);
      expect(await all()).toEqual([b, c]);
      // Deleting what is not there is not an error.
      await storage.deleteMessages(APP, 'k', [keyOf(a), { partition: 1, id: 'z'.repeat(32) }]);
      expect(await storage.countMessages(APP, 'k', clock.now())).toBe(2);
    });
  });
}
