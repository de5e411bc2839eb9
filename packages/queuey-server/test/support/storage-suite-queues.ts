import { describe, expect, it } from 'vitest';
import type { QueueRecord } from '../../src/storage/index.js';
import { APP, bodies, OTHER_APP, type StorageFixture } from './storage-fixture.js';

function queue(name: string, extra: Partial<QueueRecord> = {}): QueueRecord {
  return {
    application: APP,
    name,
    partitions: 1,
    type: 'user',
    consistency: 'strong',
    principles: [],
    created: 1_700_000_000.25,
    ...extra,
  };
}

export function queueTests(fixture: () => StorageFixture): void {
  describe('queues', () => {
    it('creates a queue and reads it back with every field', async () => {
      const { storage } = fixture();
      const record = queue('jobs', {
        partitions: 7,
        type: 'public',
        principles: ['app:a', 'app:b'],
      });
      expect(await storage.putQueue(record)).toEqual(record);
      expect(await storage.getQueue(APP, 'jobs')).toEqual(record);
    });

    it('answers undefined for a queue that does not exist', async () => {
      const { storage } = fixture();
      expect(await storage.getQueue(APP, 'missing')).toBeUndefined();
    });

    it('updates the metadata of an existing queue and keeps its creation time', async () => {
      const { storage } = fixture();
      await storage.putQueue(queue('jobs'));
      const updated = await storage.putQueue(
        queue('jobs', {
          partitions: 3,
          consistency: 'weak',
          created: 1_800_000_000,
          principles: ['app:x'],
        }),
      );
      expect(updated).toEqual(
        queue('jobs', { partitions: 3, consistency: 'weak', principles: ['app:x'] }),
      );
      expect(await storage.getQueue(APP, 'jobs')).toEqual(updated);
    });

    it('keeps the queues of each application apart', async () => {
      const { storage } = fixture();
      await storage.putQueue(queue('shared'));
      await storage.putQueue(queue('shared', { application: OTHER_APP, partitions: 5 }));
      expect((await storage.getQueue(APP, 'shared'))?.partitions).toBe(1);
      expect((await storage.getQueue(OTHER_APP, 'shared'))?.partitions).toBe(5);
      expect((await storage.listQueues(APP, {})).map((q) => q.application)).toEqual([APP]);
    });

    it('lists queues sorted by name, from an inclusive offset, up to a limit', async () => {
      const { storage } = fixture();
      for (const name of ['delta', 'alpha', 'charlie', 'bravo', 'echo']) {
        await storage.putQueue(queue(name));
      }
      const names = async (options: { offset?: string; limit?: number }) =>
        (await storage.listQueues(APP, options)).map((q) => q.name);
      expect(await names({})).toEqual(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
      expect(await names({ offset: 'charlie' })).toEqual(['charlie', 'delta', 'echo']);
      expect(await names({ offset: 'c', limit: 2 })).toEqual(['charlie', 'delta']);
      expect(await names({ limit: 1 })).toEqual(['alpha']);
      expect(await names({ offset: 'zulu' })).toEqual([]);
    });

    it('deletes a queue with all its messages and says whether it existed', async () => {
      const { storage, clock } = fixture();
      await storage.putQueue(queue('doomed', { partitions: 2 }));
      await storage.putQueue(queue('kept'));
      const batch = [...bodies(3), { body: 'p2', partition: 2, ttl: 60 }];
      await storage.insertMessages(APP, 'doomed', batch, clock.now());
      await storage.insertMessages(APP, 'kept', bodies(2), clock.now());

      expect(await storage.deleteQueue(APP, 'doomed')).toBe(true);
      expect(await storage.deleteQueue(APP, 'doomed')).toBe(false);
      expect(await storage.getQueue(APP, 'doomed')).toBeUndefined();
      expect(await storage.countMessages(APP, 'doomed', clock.now())).toBe(0);

      // A queue re-created under the same name starts empty.
      await storage.putQueue(queue('doomed'));
      const read = { partition: 1, limit: 100, order: 'ascending' as const, now: clock.now() };
      expect(await storage.readMessages(APP, 'doomed', read)).toEqual([]);
      expect(await storage.countMessages(APP, 'kept', clock.now())).toBe(2);
    });

    it('counts live messages over all partitions of one queue', async () => {
      const { storage, clock } = fixture();
      await storage.putQueue(queue('counted', { partitions: 3 }));
      const batch = [1, 2, 3, 3].map((partition) => ({ body: 'x', partition, ttl: 60 }));
      await storage.insertMessages(APP, 'counted', batch, clock.now());
      await storage.putQueue(queue('other-queue'));
      await storage.putQueue(queue('counted', { application: OTHER_APP }));
      await storage.insertMessages(APP, 'other-queue', bodies(5), clock.now());
      await storage.insertMessages(OTHER_APP, 'counted', bodies(6), clock.now());
      expect(await storage.countMessages(APP, 'counted', clock.now())).toBe(4);
      expect(await storage.countMessages(APP, 'never-created', clock.now())).toBe(0);
    });
  });
}
