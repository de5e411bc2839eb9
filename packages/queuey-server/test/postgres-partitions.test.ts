/**
 * The PostgreSQL multi-partition read (one statement) against the answer the
 * HTTP layer builds reading the same storage one partition after another:
 * the same messages, in the same order, the same partial partitions, over
 * budgets, limits, orders, positions and partition orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWithinBudget } from '../src/http/answer-budget.js';
import type { PostgresStorage } from '../src/storage/postgres.js';
import { inclusiveBound } from '../src/storage/postgres-partitions.js';
import type { Order, PartitionRead, PartitionsRead, StoredMessage } from '../src/storage/types.js';
import { createTestSchema, type TestSchema } from './support/postgres.js';

const APP = 'app';
const QUEUE = 'q';
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
/** Body sizes per partition: empty bodies, one bigger than small budgets, a multibyte one. */
const SIZES: Record<number, number[]> = { 1: [5, 0, 7, 3], 2: [], 3: [20, 1], 4: [0, 0, 4] };

describe('PostgreSQL multi-partition read', () => {
  let db: TestSchema;
  let storage: PostgresStorage;
  let stored: StoredMessage[];

  beforeAll(async () => {
    db = await createTestSchema();
    storage = await db.open();
    await storage.putQueue({
      ...{ application: APP, name: QUEUE, partitions: 4, type: 'user', consistency: 'strong' },
      ...{ principles: [], created: 1 },
    });
    stored = [];
    for (const [partition, sizes] of Object.entries(SIZES)) {
      for (const size of sizes) {
        const body = size === 7 ? 'é'.repeat(3) + 'x' : 'x'.repeat(size);
        const [message] = await storage.insertMessages(
          APP,
          QUEUE,
          [{ body, partition: Number(partition), ttl: 3600 }],
          NOW,
        );
        stored.push(message as StoredMessage);
      }
    }
    // Expired at the reads' `now`: neither read may return it.
    await storage.insertMessages(APP, QUEUE, [{ body: 'gone', partition: 1, ttl: 1 }], NOW);
  });
  afterAll(async () => {
    await storage?.close();
    await db?.drop();
  });

  const oneByOne = (read: PartitionsRead) => {
    const since = new Map(read.reads.map((r) => [r.partition, r.since]));
    return readWithinBudget([...since.keys()], read.maxBytes, (partition, allowance) => {
      const position = since.get(partition);
      return storage.readMessages(APP, QUEUE, {
        ...{ partition, limit: read.limit, order: read.order, now: read.now, ...allowance },
        ...(position ? { since: position } : {}),
      });
    });
  };

  /** Positions to read from: none, an epoch time, a message inclusive, each message exclusive. */
  const positions = (): (PartitionRead['since'] | 'each-after')[] => {
    const middle = stored[3] as StoredMessage;
    return [
      undefined,
      { time: middle.time },
      { time: middle.time, id: middle.id },
      { time: (stored[6] as StoredMessage).time, id: (stored[6] as StoredMessage).id },
      'each-after',
    ];
  };

  it('gives the answer of reading the partitions one by one, in every case', async () => {
    const orders: Order[] = ['ascending', 'descending'];
    const partitionLists = [[1, 2, 3, 4], [4, 3, 1], [3], [2, 4, 1], [3, 1, 4, 2]];
    let compared = 0;
    let partialAnswers = 0;
    for (const order of orders) {
      for (const partitions of partitionLists) {
        for (const position of positions()) {
          for (const limit of [1, 2, 100]) {
            for (const maxBytes of [1, 5, 6, 8, 12, 16, 21, 1000]) {
              const reads = partitions.map((partition) => {
                if (position !== 'each-after')
                  return position ? { partition, since: position } : { partition };
                const first = stored.find((m) => m.partition === partition);
                return first
                  ? { partition, since: { time: first.time, id: first.id, exclusive: true } }
                  : { partition };
              });
              const read: PartitionsRead = { reads, limit, order, now: NOW + 2000, maxBytes };
              const expected = await oneByOne(read);
              const actual = await storage.readPartitions(APP, QUEUE, read);
              const shown = JSON.stringify(
                { order, partitions, position, limit, maxBytes },
                (_, v) => (typeof v === 'bigint' ? v.toString() : v),
              );
              expect(
                actual.messages.map((m) => m.id),
                shown,
              ).toEqual(expected.messages.map((m) => m.id));
              expect(actual.messages, shown).toEqual(expected.messages);
              expect(actual.partial, shown).toEqual(expected.partial);
              compared += 1;
              if (expected.partial.length > 0) partialAnswers += 1;
            }
          }
        }
      }
    }
    expect(compared).toBe(2 * 5 * 5 * 3 * 8);
    // The budget did stop answers (the comparison covered partial ones).
    expect(partialAnswers).toBeGreaterThan(100);
  }, 120_000);

  it('turns every kind of position into an inclusive bound in the read direction', () => {
    const id = `${'0'.repeat(31)}f`;
    expect(inclusiveBound({ time: 5n, id, exclusive: true }, 'ascending')).toEqual({
      time: 5n,
      id: `${'0'.repeat(30)}10`,
    });
    expect(inclusiveBound({ time: 5n, id: 'f'.repeat(32), exclusive: true }, 'ascending')).toEqual({
      time: 6n,
      id: '0'.repeat(32),
    });
    expect(inclusiveBound({ time: 5n, id: '0'.repeat(32), exclusive: true }, 'descending')).toEqual(
      { time: 4n, id: 'f'.repeat(32) },
    );
    expect(inclusiveBound({ time: 5n }, 'descending')).toEqual({ time: 5n, id: 'f'.repeat(32) });
  });
});
