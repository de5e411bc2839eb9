import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../../src/storage/index.js';
import { APP, byPosition, createQueue, type StorageFixture } from './storage-fixture.js';

const WRITERS = 8;
const BATCHES_PER_WRITER = 25;

export function concurrencyTests(fixture: () => StorageFixture): void {
  describe('concurrency', () => {
    it('lets a reader paging with since see every message of concurrent writers once, in order', async () => {
      const { storage, clock } = fixture();
      await createQueue(storage, 'busy');
      let writing = WRITERS;
      const written: StoredMessage[] = [];
      const writer = async (w: number) => {
        for (let b = 0; b < BATCHES_PER_WRITER; b++) {
          const batch = Array.from({ length: 1 + ((w + b) % 3) }, (_, i) => ({
            body: `w${w}-b${b}-${i}`,
            partition: 1,
            ttl: 600,
          }));
          written.push(...(await storage.insertMessages(APP, 'busy', batch, clock.now())));
          // Yield so the writers and the reader interleave on one event loop.
          await new Promise((resolve) => setImmediate(resolve));
        }
        writing--;
      };

      const reader = async () => {
        const seen: StoredMessage[] = [];
        let since: { time: bigint; id: string } | undefined;
        const deadline = Date.now() + 30_000;
        for (;;) {
          const doneBefore = writing === 0;
          const page = await storage.readMessages(APP, 'busy', {
            partition: 1,
            limit: 7,
            order: 'ascending',
            now: clock.now(),
            since,
          });
          // `since` is inclusive: drop the message we resumed from.
          const fresh = since ? page.filter((m) => m.id !== since?.id) : page;
          seen.push(...fresh);
          const last = page.at(-1);
          if (last) since = { time: last.time, id: last.id };
          if (doneBefore && fresh.length === 0) return seen;
          if (Date.now() > deadline) throw new Error('reader did not catch up');
          await new Promise((resolve) => setImmediate(resolve));
        }
      };

      const [seen] = await Promise.all([
        reader(),
        ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      ]);
      expect(written.length).toBeGreaterThan(WRITERS * BATCHES_PER_WRITER);
      expect(seen.map((m) => m.id)).toEqual([...written].sort(byPosition).map((m) => m.id));
      expect(new Set(seen.map((m) => m.id)).size).toBe(written.length);
      for (let i = 1; i < seen.length; i++) {
        expect(byPosition(seen[i - 1] as StoredMessage, seen[i] as StoredMessage)).toBe(-1);
      }
    });
  });

  describe('lifecycle', () => {
    it('reports healthy while open and unhealthy once closed', async () => {
      const { storage } = fixture();
      expect(await storage.healthy()).toBe(true);
      await storage.init(); // idempotent
      expect(await storage.healthy()).toBe(true);
      await storage.close();
      expect(await storage.healthy()).toBe(false);
    });
  });
}
