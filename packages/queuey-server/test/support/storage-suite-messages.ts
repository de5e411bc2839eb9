import { formatTimestamp, timeFromEpochMs, timeFromEpochSeconds, uuidTime } from '@qdo/common';
import { describe, expect, it } from 'vitest';
import type { ReadOptions, StoredMessage } from '../../src/storage/index.js';
import {
  APP,
  bodies,
  byPosition,
  createQueue,
  hexId,
  type StorageFixture,
} from './storage-fixture.js';

const V1_ID = /^[0-9a-f]{12}1[0-9a-f]{3}[89ab][0-9a-f]{15}$/;

export function messageTests(fixture: () => StorageFixture): void {
  const read = (q: string, options: Partial<ReadOptions> = {}) => {
    const { storage, clock } = fixture();
    return storage.readMessages(APP, q, {
      partition: 1,
      limit: 1000,
      order: 'ascending',
      now: clock.now(),
      ...options,
    });
  };
  const ids = (messages: StoredMessage[]) => messages.map((m) => m.id);

  describe('inserting messages', () => {
    it('stores a batch and answers it in input order with version-1 ids of the current time', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'q', { partitions: 2 });
      const stored = await storage.insertMessages(
        APP,
        'q',
        [
          { body: 'first', partition: 2, ttl: 60, contentType: 'text/plain' },
          { body: 'second', partition: 1, ttl: 3600 },
        ],
        clock.now(),
      );
      expect(stored.map((m) => [m.body, m.partition, m.contentType])).toEqual([
        ['first', 2, 'text/plain'],
        ['second', 1, null],
      ]);
      expect(stored.map((m) => m.expiresAt)).toEqual([
        clock.now() + 60_000,
        clock.now() + 3_600_000,
      ]);
      for (const message of stored) {
        expect(message.id).toMatch(V1_ID);
        expect(message.time).toBe(uuidTime(message.id));
        expect(message.time >= timeFromEpochMs(clock.now())).toBe(true);
        expect(message.time < timeFromEpochMs(clock.now() + 1)).toBe(true);
      }
      expect(await read('q', { partition: 2 })).toEqual([stored[0]]);
      expect(await read('q')).toEqual([stored[1]]);
    });

    it("keeps a message's headers and gives them back on every read path, the budgeted one too", async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'h');
      const headers = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
      const stored = await storage.insertMessages(
        APP,
        'h',
        [
          { body: 'with', partition: 1, ttl: 60, headers },
          { body: 'without', partition: 1, ttl: 60 },
        ],
        clock.now(),
      );
      expect(stored.map((m) => m.headers)).toEqual([headers, undefined]);
      expect(await read('h')).toEqual(stored);
      expect(await read('h', { maxBytes: 1 << 20 })).toEqual(stored);
      expect('headers' in ((await read('h'))[1] as StoredMessage)).toBe(false);
      const byKey = await storage.getMessages(APP, 'h', [stored[0] as StoredMessage], clock.now());
      expect(byKey.map((m) => m.headers)).toEqual([headers]);
    });

    it('keeps every body character for character, NUL, quotes, backslashes and astral ones included', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'chars');
      const odd = [
        'a\u0000b',
        '{"q":"\\"x\\""}',
        'back\\slash',
        '',
        ' ',
        'NULL',
        '😀 ü',
        '\u0001\n\t',
      ];
      // Content types and header values with what array literals must escape.
      const types = [null, 'text/x; a="b,c"', 'NULL', '{}', 'a\\b'];
      for (const batch of [odd.filter((b) => !b.includes('\u0000')), odd]) {
        const messages = batch.map((body, i) => ({
          body,
          partition: 1,
          ttl: 60,
          contentType: types[i % types.length] ?? null,
          ...(i % 2 ? { headers: { k: `"${body}",{}` } } : {}),
        }));
        const stored = await storage.insertMessages(APP, 'chars', messages, clock.now());
        expect(stored.map((m) => m.body)).toEqual(batch);
        const byKey = await storage.getMessages(APP, 'chars', stored, clock.now());
        expect(byKey.map((m) => [m.body, m.contentType, m.headers])).toEqual(
          messages.map((m) => [m.body, m.contentType, m.headers]),
        );
      }
      expect((await read('chars')).map((m) => m.body)).toEqual([
        ...odd.filter((b) => !b.includes('\u0000')),
        ...odd,
      ]);
    });

    it('stores nothing of a batch when one message violates a constraint', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'atomic');
      // A null body is what a bug above the storage would send; the NOT NULL
      // constraint rejects it only after the first messages were written.
      const batch = [...bodies(3), { body: null as unknown as string, partition: 1, ttl: 60 }];
      await expect(storage.insertMessages(APP, 'atomic', batch, clock.now())).rejects.toThrow();
      expect(await storage.countMessages(APP, 'atomic', clock.now())).toBe(0);
      expect(await read('atomic')).toEqual([]);
      // The storage is still usable after the failed transaction.
      await storage.insertMessages(APP, 'atomic', bodies(2), clock.now());
      expect(await storage.countMessages(APP, 'atomic', clock.now())).toBe(2);
    });

    it('gives each partition strictly increasing ids, even when the clock steps back', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'mono', { partitions: 2 });
      const written: StoredMessage[] = [];
      for (const step of [0, -5_000, 1, -60_000, 0, 10]) {
        clock.advance(step);
        const batch = [1, 2, 1, 1, 2].map((partition) => ({ body: 'x', partition, ttl: 600_000 }));
        written.push(...(await storage.insertMessages(APP, 'mono', batch, clock.now())));
      }
      for (const partition of [1, 2]) {
        const inPartition = written.filter((m) => m.partition === partition);
        for (let i = 1; i < inPartition.length; i++) {
          expect(
            byPosition(inPartition[i - 1] as StoredMessage, inPartition[i] as StoredMessage),
          ).toBe(-1);
        }
        expect(ids(await read('mono', { partition }))).toEqual(ids(inPartition));
      }
      expect(new Set(ids(written)).size).toBe(written.length);
    });

    it('writes timestamps that format to the clock time in epoch seconds', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'ts');
      const [message] = await storage.insertMessages(APP, 'ts', bodies(1), clock.now());
      const seconds = (clock.now() / 1000).toFixed(3);
      expect(formatTimestamp(message?.time ?? 0n).startsWith(seconds)).toBe(true);
    });
  });

  describe('reading messages', () => {
    async function seed(count: number): Promise<StoredMessage[]> {
      const { storage, clock } = fixture();
      await createQueue(storage, 'r', { partitions: 2 });
      const written: StoredMessage[] = [];
      for (let i = 0; i < count; i++) {
        clock.advance(1000);
        written.push(...(await storage.insertMessages(APP, 'r', bodies(1, `b${i}-`), clock.now())));
      }
      await storage.insertMessages(APP, 'r', [{ body: 'p2', partition: 2, ttl: 60 }], clock.now());
      return written;
    }

    it('reads one partition in order, limited per call', async () => {
      const written = await seed(6);
      expect(await read('r')).toEqual(written);
      expect(await read('r', { limit: 4 })).toEqual(written.slice(0, 4));
      expect((await read('r', { partition: 2 })).map((m) => m.body)).toEqual(['p2']);
      expect(await read('r', { partition: 3 })).toEqual([]);
      expect(await read('no-such-queue')).toEqual([]);
    });

    it('reads from an id inclusively', async () => {
      const written = await seed(6);
      const from = written[2] as StoredMessage;
      expect(await read('r', { since: { time: from.time, id: from.id } })).toEqual(
        written.slice(2),
      );
      expect(await read('r', { since: { time: from.time, id: from.id }, limit: 2 })).toEqual(
        written.slice(2, 4),
      );
      const upper = { time: from.time, id: from.id.toUpperCase() };
      expect(await read('r', { since: upper })).toEqual(written.slice(2));
    });

    it('reads from an epoch time inclusively', async () => {
      const written = await seed(6);
      const from = written[3] as StoredMessage;
      expect(await read('r', { since: { time: from.time } })).toEqual(written.slice(3));
      const between = timeFromEpochSeconds(formatTimestamp(from.time - 1n));
      expect(await read('r', { since: { time: between } })).toEqual(written.slice(3));
      expect(await read('r', { since: { time: from.time + 1n } })).toEqual(written.slice(4));
    });

    it('reads newest first in descending order, from a position backwards', async () => {
      const written = await seed(6);
      const newestFirst = [...written].reverse();
      expect(await read('r', { order: 'descending' })).toEqual(newestFirst);
      expect(await read('r', { order: 'descending', limit: 2 })).toEqual(newestFirst.slice(0, 2));
      const from = written[3] as StoredMessage;
      expect(
        await read('r', { order: 'descending', since: { time: from.time, id: from.id } }),
      ).toEqual(written.slice(0, 4).reverse());
      expect(await read('r', { order: 'descending', since: { time: from.time } })).toEqual(
        written.slice(0, 4).reverse(),
      );
    });

    it('orders by time before id even where the hex of the ids sorts the other way', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'hex');
      // Times just below and above a 2^32 boundary: the later one's time_low,
      // which leads the hex, is all zeros.
      const early = (timeFromEpochMs(clock.now()) | 0xffffffffn) + 0n;
      const ids = [early + 1n, early].map((time) => hexId(time, 'abcd', '000000000001'));
      expect((ids[0] as string) < (ids[1] as string)).toBe(true);
      const keys = ids.map((id) => ({ partition: 1, id }));
      await storage.putMessages(APP, 'hex', keys, { body: 'x', ttl: 60 }, clock.now());
      // Same time, different clock sequence: the id bytes decide.
      const twin = hexId(early, '8000', '000000000000');
      await storage.putMessages(
        APP,
        'hex',
        [{ partition: 1, id: twin }],
        { body: 'x', ttl: 60 },
        clock.now(),
      );
      expect((await read('hex')).map((m) => m.id)).toEqual([twin, ids[1], ids[0]]);
    });
  });
}
