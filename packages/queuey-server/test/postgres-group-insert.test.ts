/**
 * Group commit of posts to one queue: the grouping rule on its own (which
 * posts share a statement, what each gets back), then on a real PostgreSQL
 * (each concurrent post gets exactly its own messages, all stored once).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageRow } from '../src/storage/adapter.js';
import { queueNotFound } from '../src/storage/errors.js';
import type { PostgresStorage } from '../src/storage/postgres.js';
import { InsertGroups } from '../src/storage/postgres-group-insert.js';
import type { Posted } from '../src/storage/postgres-insert.js';
import { createTestSchema, type TestSchema } from './support/postgres.js';

const APP = 'app';

function rows(tag: string, count: number, partition = 1): MessageRow[] {
  return Array.from({ length: count }, (_, i) => ({
    partition,
    body: `${tag}.${i}`,
    contentType: null,
    expiresAt: 1,
  }));
}

/** A statement runner that records what it was asked and answers when told to. */
function recorder() {
  const runs: { queue: string; bodies: string[]; now: number; finish: (fail?: Error) => void }[] =
    [];
  const run = (_app: string, queue: string, batch: readonly MessageRow[], now: number) =>
    new Promise<Posted>((resolve, reject) => {
      runs.push({
        queue,
        bodies: batch.map((r) => r.body),
        now,
        finish: (fail) =>
          fail
            ? reject(fail)
            : resolve({
                // Times follow the clock of each partition, which stood at 999.
                stored: batch.map((r, i) => ({
                  id: `${queue}-${runs.length}-${i}`,
                  partition: r.partition,
                  time: 1000n + BigInt(i),
                  body: r.body,
                  contentType: null,
                  expiresAt: 1,
                })),
                before: new Map(batch.map((r) => [r.partition, 999n])),
              }),
      });
    });
  return { runs, run };
}

describe('InsertGroups', () => {
  it('runs a lone post at once, and posts arriving while the slots are busy as one statement', async () => {
    const { runs, run } = recorder();
    const groups = new InsertGroups(run, { inFlight: 2, maxRows: 100 });
    const first = groups.insert(APP, 'q', rows('a', 2), 10);
    const second = groups.insert(APP, 'q', rows('b', 1), 11);
    const waiting = [
      groups.insert(APP, 'q', rows('c', 3), 12),
      groups.insert(APP, 'q', rows('d', 1), 14),
      groups.insert(APP, 'q', rows('e', 2), 13),
    ];
    expect(runs.map((r) => r.bodies)).toEqual([['a.0', 'a.1'], ['b.0']]);
    runs[0]?.finish();
    await first;
    // The three that waited go out together, in arrival order, at the latest `now`.
    await expect.poll(() => runs.length).toBe(3);
    expect(runs[2]?.bodies).toEqual(['c.0', 'c.1', 'c.2', 'd.0', 'e.0', 'e.1']);
    expect(runs[2]?.now).toBe(14);
    runs[2]?.finish();
    const answers = await Promise.all(waiting);
    expect(answers.map((a) => a.stored.map((m) => m.body))).toEqual([
      ['c.0', 'c.1', 'c.2'],
      ['d.0'],
      ['e.0', 'e.1'],
    ]);
    // Each post's clock before it: the group's, then past the posts ahead of it.
    expect(answers.map((a) => a.before.get(1))).toEqual([999n, 1002n, 1003n]);
    runs[1]?.finish();
    expect((await second).stored.map((m) => m.body)).toEqual(['b.0']);
  });

  it('keeps queues apart, caps a group by rows, and fails every post of a failed statement', async () => {
    const { runs, run } = recorder();
    const groups = new InsertGroups(run, { inFlight: 1, maxRows: 4 });
    const busy = groups.insert(APP, 'q', rows('a', 1), 1);
    const other = groups.insert(APP, 'other', rows('x', 1), 1);
    expect(runs.map((r) => r.queue)).toEqual(['q', 'other']);
    const capped = [3, 2, 1].map((n, i) => groups.insert(APP, 'q', rows(`p${i}`, n), 2));
    runs[0]?.finish();
    await busy;
    await expect.poll(() => runs.length).toBe(3);
    // 3 + 2 would pass the cap of 4: the first waiting post goes alone.
    expect(runs[2]?.bodies).toEqual(['p0.0', 'p0.1', 'p0.2']);
    runs[2]?.finish(new Error('statement failed'));
    await expect(capped[0]).rejects.toThrow('statement failed');
    await expect.poll(() => runs.length).toBe(4);
    expect(runs[3]?.bodies).toEqual(['p1.0', 'p1.1', 'p2.0']);
    runs[3]?.finish(new Error('both fail'));
    await expect(capped[1]).rejects.toThrow('both fail');
    await expect(capped[2]).rejects.toThrow('both fail');
    runs[1]?.finish();
    await other;
  });
});

describe('InsertGroups, a group refused as a missing queue', () => {
  it('runs each of its posts again alone, so each gets its own answer', async () => {
    const { runs, run } = recorder();
    const groups = new InsertGroups(run, { inFlight: 1, maxRows: 100 });
    const busy = groups.insert(APP, 'q', rows('a', 1), 1);
    // One of the two names a partition the queue lacks (a stale cached copy).
    const good = groups.insert(APP, 'q', rows('good', 1, 1), 2);
    const stale = groups.insert(APP, 'q', rows('stale', 1, 9), 2);
    runs[0]?.finish();
    await busy;
    await expect.poll(() => runs.length).toBe(2);
    expect(runs[1]?.bodies).toEqual(['good.0', 'stale.0']);
    runs[1]?.finish(queueNotFound(APP, 'q'));
    await expect.poll(() => runs.length).toBe(4);
    expect(runs.slice(2).map((r) => r.bodies)).toEqual([['good.0'], ['stale.0']]);
    runs[2]?.finish();
    runs[3]?.finish(queueNotFound(APP, 'q'));
    expect((await good).stored.map((m) => m.body)).toEqual(['good.0']);
    await expect(stale).rejects.toMatchObject({ code: 'QUEUEY_SERVER_QUEUE_NOT_FOUND' });
  });
});

describe('grouped posts on PostgreSQL', () => {
  let db: TestSchema;
  let storage: PostgresStorage | undefined;
  beforeEach(async () => {
    db = await createTestSchema();
  });
  afterEach(async () => {
    await storage?.close();
    await db?.drop();
  });

  it('gives each of 24 concurrent posts exactly its own messages, stored once, in order per partition', async () => {
    storage = await db.open({ pool: { max: 4 } });
    await storage.putQueue({
      application: APP,
      name: 'q',
      partitions: 4,
      type: 'user',
      consistency: 'strong',
      principles: [],
      created: 1,
    });
    const posts = Array.from({ length: 24 }, (_, p) =>
      Array.from({ length: 1 + (p % 5) }, (_, i) => ({
        body: `${p}.${i}`,
        partition: 1 + ((p + i) % 4),
        ttl: 3600,
      })),
    );
    const answers = await Promise.all(
      posts.map((batch) => storage?.insertMessages(APP, 'q', batch, Date.now()) ?? []),
    );
    answers.forEach((stored, p) => {
      expect(stored.map((m) => [m.body, m.partition])).toEqual(
        posts[p]?.map((m) => [m.body, m.partition]),
      );
    });
    const ids = answers.flat().map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const partition of [1, 2, 3, 4]) {
      const read = await storage.readMessages(APP, 'q', {
        partition,
        limit: 1000,
        order: 'ascending',
        now: Date.now(),
      });
      const expected = answers.flat().filter((m) => m.partition === partition);
      expect(read.map((m) => m.id).sort()).toEqual(expected.map((m) => m.id).sort());
      // Within one post, a partition's messages are read in the order posted.
      for (const stored of answers) {
        const mine = stored.filter((m) => m.partition === partition).map((m) => m.id);
        const order = read.map((m) => m.id).filter((id) => mine.includes(id));
        expect(order).toEqual(mine);
      }
    }
  });
});
