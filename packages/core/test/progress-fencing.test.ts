import { QueueyClient } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import {
  BOOKKEEPING_PARTITIONS,
  CorruptStatusError,
  FencedError,
  type Metrics,
  ProgressStore,
  STATUS_QUEUE,
  StopWorker,
  statusIdOf,
  statusPartition,
} from '../src/index.js';
import { quietLogger, run, uniqueName, useQueuey } from './helpers.js';

const q = useQueuey();
const silent = { debug() {}, info() {}, warn() {}, error() {}, fatal() {}, trace() {}, silly() {} };

function recordingMetrics() {
  const gauges = new Map<string, number>();
  const counts = new Map<string, number>();
  const metrics: Metrics = {
    timing() {},
    increment(name, labels, by = 1) {
      const key = `${name}${JSON.stringify(labels)}`;
      counts.set(key, (counts.get(key) ?? 0) + by);
    },
    gauge(name, value, labels) {
      gauges.set(`${name}${JSON.stringify(labels)}`, value);
    },
  };
  return { metrics, gauges, counts };
}

function store(worker: string, queuey: QueueyClient = q.client, metrics?: Metrics) {
  return new ProgressStore({ queuey, worker, now: Date.now, logger: quietLogger, metrics });
}

/** A partition name plus two real message ids in it, and the bookkeeping queues. */
async function setup() {
  const queue = uniqueName();
  await q.client.createQueue({ queueName: queue, partitions: 3 });
  for (const name of [STATUS_QUEUE, 'qdo_error']) {
    await q.client.createQueue({ queueName: name, partitions: BOOKKEEPING_PARTITIONS });
  }
  const posted = await q.client.postMessages(
    queue,
    ['a', 'b', 'c'].map((body) => ({ body, partition: 3 })),
  );
  const name = `${queue}-3`;
  const sp = statusPartition(3);
  const statuses = async () =>
    (await q.client.messages(STATUS_QUEUE, { partition: sp, limit: 1000 })).map((m) => ({
      id: m.message_id,
      ...(JSON.parse(m.body) as { partition: string; processed: string; last_worker: string }),
    }));
  return { name, sp, ids: posted.map((p) => p.key), statuses };
}

describe('fenced progress', () => {
  it('keeps one status message per partition; a late commit of an old owner is refused and changes nothing', async () => {
    const { name, ids, statuses } = await setup();
    const a = store('worker-a');
    expect(await a.acquire(name)).toBe('');
    await a.commit(name, ids[0] as string);
    const b = store('worker-b');
    expect(await b.acquire(name)).toBe(ids[0]);
    await expect(a.commit(name, ids[1] as string)).rejects.toBeInstanceOf(FencedError);
    // Dropped for good: later commits of the old owner are refused too, without a write.
    await expect(a.commit(name, ids[2] as string)).rejects.toMatchObject({ code: 'QDO_FENCED' });
    expect(await statuses()).toEqual([
      expect.objectContaining({ id: statusIdOf(name), processed: ids[0], last_worker: 'worker-b' }),
    ]);
    await b.commit(name, ids[2] as string);
    const fresh = store('reader');
    await fresh.load();
    expect(fresh.position(name)).toBe(ids[2]);
  });

  it('marks a partition stuck keeping its position, clears the mark on the next commit, and refuses the mark of an old owner', async () => {
    const { name, ids, statuses } = await setup();
    const a = store('worker-a');
    await a.acquire(name);
    await a.commit(name, ids[0] as string);
    await a.markStuck(name, ids[1] as string);
    const [marked] = await statuses();
    expect(marked).toMatchObject({ processed: ids[0], stuck: { message: ids[1] } });
    expect(
      new Date((marked as unknown as { stuck: { since: string } }).stuck.since).getTime(),
    ).toBeGreaterThan(Date.now() - 60_000);
    const reader = store('reader');
    await reader.load();
    expect(reader.describe(name)).toMatchObject({
      processed: ids[0],
      stuck: { message: ids[1] },
    });
    await a.commit(name, ids[1] as string);
    expect((await statuses())[0]).not.toHaveProperty('stuck');
    await reader.load();
    expect(reader.describe(name).stuck).toBeUndefined();

    const b = store('worker-b');
    await b.acquire(name);
    await expect(a.markStuck(name, ids[2] as string)).rejects.toBeInstanceOf(FencedError);
    expect(await statuses()).toEqual([
      expect.objectContaining({ processed: ids[1], last_worker: 'worker-b' }),
    ]);
    expect((await statuses())[0]).not.toHaveProperty('stuck');
  });

  it('lets two workers that claim a new partition at once end with one status message and one writer', async () => {
    const { name, ids, statuses } = await setup();
    const [a, b] = [store('worker-a'), store('worker-b')];
    await Promise.all([a.acquire(name), b.acquire(name)]);
    const results = await Promise.allSettled([
      a.commit(name, ids[0] as string),
      b.commit(name, ids[1] as string),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await statuses()).map((s) => s.id)).toEqual([statusIdOf(name)]);
  });

  it('carries a legacy status (random id, newest wins) over into its own message, then ignores legacy ones', async () => {
    const { name, sp, ids, statuses } = await setup();
    const legacy = (processed: string) => ({
      body: JSON.stringify({ partition: name, processed, last_worker: 'old-qdo' }),
      partition: sp,
    });
    await q.client.postMessages(STATUS_QUEUE, [legacy(ids[0] as string)]);
    await q.client.postMessages(STATUS_QUEUE, [legacy(ids[1] as string)]);
    const a = store('worker-a');
    expect(await a.acquire(name)).toBe(ids[1]);
    await q.client.postMessages(STATUS_QUEUE, [legacy(ids[0] as string)]);
    const reader = store('reader');
    await reader.load();
    expect(reader.position(name)).toBe(ids[1]);
    expect(await store('worker-b').acquire(name)).toBe(ids[1]);
    expect((await statuses()).filter((s) => s.id === statusIdOf(name))).toHaveLength(1);
  });

  it('answers a retried commit whose first answer was lost as done, not as fenced', async () => {
    const { name, ids } = await setup();
    let dropped = 0;
    const flaky = new QueueyClient({
      connection: `${q.server.url}/v1/queuey/`,
      appKey: 'f25bfb8fe200475c8a0532a9cbe7651e',
      retryDelay: () => 1,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const response = await fetch(request);
        if (request.method === 'PUT' && dropped === 0) {
          dropped += 1;
          throw new TypeError('fetch failed: the answer was lost');
        }
        return response;
      },
    });
    const a = store('worker-a', flaky);
    await a.acquire(name);
    expect(dropped).toBe(1);
    await a.commit(name, ids[0] as string);
    expect(a.position(name)).toBe(ids[0]);
  });

  it('refuses a corrupt status with CorruptStatusError naming partition and message, reports it, until seek', async () => {
    const { name, sp, ids } = await setup();
    const own = `${sp}:${statusIdOf(name)}`;
    const { metrics, gauges } = recordingMetrics();
    const a = store('worker-a', q.client, metrics);
    const bodies = [
      'not json {',
      JSON.stringify({ partition: name, processed: 12, last_worker: 'x' }),
      JSON.stringify({ partition: name, last_worker: 'x' }),
      JSON.stringify({ partition: name, processed: 'zzzz', last_worker: 'x' }),
    ];
    for (const body of bodies) {
      await q.client.putMessages(STATUS_QUEUE, [{ partition: sp, id: statusIdOf(name) }], body);
      const error = await a.acquire(name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptStatusError);
      expect(error).toMatchObject({
        partition: name,
        statusMessage: own,
        code: 'QDO_CORRUPT_STATUS',
      });
      expect(gauges.get(`worker.corrupt_status${JSON.stringify({ partition: name })}`)).toBe(1);
      const reader = store('reader');
      await reader.load();
      expect(reader.describe(name)).toMatchObject({
        statusMessage: own,
        corrupt: expect.any(String),
      });
    }
    await store('operator').seek(name, ids[1] as string);
    expect(await a.acquire(name)).toBe(ids[1]);
    expect(gauges.get(`worker.corrupt_status${JSON.stringify({ partition: name })}`)).toBe(0);
  });

  it('refuses a corrupt legacy status, and an unreadable one in its status partition', async () => {
    const { name, sp } = await setup();
    const [legacy] = await q.client.postMessages(STATUS_QUEUE, [
      { body: JSON.stringify({ partition: name, processed: 5 }), partition: sp },
    ]);
    await expect(store('a').acquire(name)).rejects.toMatchObject({
      partition: name,
      statusMessage: `${sp}:${legacy?.key}`,
    });
    const other = `${name.slice(0, -2)}-10`; // same status partition (10 -> 3), no status of its own
    expect(statusPartition(10)).toBe(sp);
    await q.client.postMessages(STATUS_QUEUE, [{ body: '<html>', partition: sp }]);
    await expect(store('a').acquire(other)).rejects.toBeInstanceOf(CorruptStatusError);
  });

  it('seek fences the current owner: its next commit is refused, its next acquire reads the new position', async () => {
    const { name, ids } = await setup();
    const a = store('worker-a');
    await a.acquire(name);
    await a.commit(name, ids[0] as string);
    await store('qdo seek').seek(name, ids[2] as string);
    await expect(a.commit(name, ids[1] as string)).rejects.toBeInstanceOf(FencedError);
    expect(await a.acquire(name)).toBe(ids[2]);
  });

  it('seek wins over an owner that commits between each of its reads and its write (a busy partition under load)', async () => {
    const { name, ids } = await setup();
    const owner = store('worker-a');
    await owner.acquire(name);
    // More lost races than a claim's attempts: the owner of a draining
    // partition commits once per batch, and under load a seek's read and
    // write often straddle a commit, again and again.
    let races = 10;
    const racing = new QueueyClient({
      connection: `${q.server.url}/v1/queuey/`,
      appKey: 'f25bfb8fe200475c8a0532a9cbe7651e',
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const response = await fetch(request);
        const statusRead = request.method === 'GET' && request.url.includes(`/${STATUS_QUEUE}/`);
        if (statusRead && races > 0) {
          races -= 1;
          await owner.commit(name, ids[races % 2] as string);
        }
        return response;
      },
    });
    await store('qdo seek', racing).seek(name, ids[2] as string);
    expect(races).toBe(0);
    await expect(owner.commit(name, ids[1] as string)).rejects.toBeInstanceOf(FencedError);
    expect(await owner.acquire(name)).toBe(ids[2]);
  });

  it('falls back to plain PUTs against a server without the if-match extension (unfenced, documented)', async () => {
    const { name, ids } = await setup();
    const warnings: string[] = [];
    const plain = new QueueyClient({
      connection: `${q.server.url}/v1/queuey/`,
      appKey: 'f25bfb8fe200475c8a0532a9cbe7651e',
      // An old server: ignores the conditions and sends no ETag.
      fetch: async (input, init) => {
        const request = new Request(input, init);
        request.headers.delete('if-match');
        request.headers.delete('if-none-match');
        const response = await fetch(request);
        const stripped = new Headers(response.headers);
        stripped.delete('etag');
        return new Response(await response.text(), { status: response.status, headers: stripped });
      },
    });
    const logger = { ...silent, warn: (m: unknown) => warnings.push(String(m)) };
    const make = (worker: string) =>
      new ProgressStore({ queuey: plain, worker, now: Date.now, logger: logger as never });
    const a = make('worker-a');
    await a.acquire(name);
    await a.commit(name, ids[0] as string);
    const b = make('worker-b');
    expect(await b.acquire(name)).toBe(ids[0]);
    await b.commit(name, ids[2] as string);
    // Not fenced: the old owner's late commit lands (a rewind: messages run again, none lost).
    await a.commit(name, ids[1] as string);
    const reader = store('reader');
    await reader.load();
    expect(reader.position(name)).toBe(ids[1]);
    expect(warnings.some((w) => w.includes('if-match'))).toBe(true);
  });

  it('a worker leaves a partition with a corrupt status alone (logged once) and runs the others', async () => {
    const queue = uniqueName();
    await q.client.createQueue({ queueName: queue, partitions: 2 });
    for (const name of [STATUS_QUEUE, 'qdo_error']) {
      await q.client.createQueue({ queueName: name, partitions: BOOKKEEPING_PARTITIONS });
    }
    await q.client.postMessages(queue, [{ body: 'must wait', partition: 1 }]);
    const corrupt = `${queue}-1`;
    const ref = { partition: statusPartition(1), id: statusIdOf(corrupt) };
    await q.client.putMessages(STATUS_QUEUE, [ref], '{"partition": "broken');
    const errors: string[] = [];
    const logger = { ...silent, error: (m: unknown) => errors.push(String(m)) };
    const seen: string[] = [];
    const w = q.worker({
      logger: logger as never,
      job(m) {
        seen.push(m.body);
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    const done = run(w);
    await q.client.postMessages(queue, [{ body: 'a', partition: 2 }]);
    await q.client.postMessages(queue, [{ body: 'stop', partition: 2 }]);
    await done;
    expect(seen).toEqual(['a', 'stop']);
    expect(errors.filter((e) => e.includes(corrupt))).toHaveLength(1);
    expect(errors[0]).toContain(`${ref.partition}:${ref.id}`);
  });
});

describe('noticing a seek', () => {
  it('moved() names the partitions whose status someone else wrote since our claim, in one read, and none after we claimed again', async () => {
    const { name, ids } = await setup();
    const other = `${name.slice(0, name.lastIndexOf('-'))}-1`;
    const owner = store('owner');
    await owner.acquire(name);
    await owner.acquire(other);
    await owner.commit(name, ids[0] as string);
    expect(await owner.moved([name, other])).toEqual([]);
    await store('qdo seek').seek(name, '');
    expect(await owner.moved([name, other])).toEqual([name]);
    expect(await owner.acquire(name)).toBe('');
    expect(await owner.moved([name, other])).toEqual([]);
    // A partition we hold no claim on is not ours to judge.
    expect(await store('someone else').moved([name])).toEqual([]);
  });
});

describe('a pause in the status message', () => {
  it("keeps the owner's claim: its commits go on and keep the pause, a seek keeps it, a resume drops it, and a new claim reads it", async () => {
    const { name, ids, statuses } = await setup();
    const owner = store('owner');
    const admin = store('qdo pause');
    await owner.acquire(name);
    await owner.commit(name, ids[0] as string);
    const mark = { by: 'qdo pause by test', since: '2026-01-01T00:00:00.000Z' };
    expect(await admin.setPaused(name, mark)).toEqual({ processed: ids[0], changed: true });
    expect(await admin.setPaused(name, mark)).toEqual({ processed: ids[0], changed: false });
    expect(await owner.watch([name])).toEqual({ moved: [], paused: new Map([[name, true]]) });

    // The job in hand's commit after the pause: on the new ETag, the pause kept.
    await owner.commit(name, ids[1] as string);
    const paused = (await statuses()).find((s) => s.partition === name);
    expect(paused).toMatchObject({ processed: ids[1], last_worker: 'owner', paused: mark });

    // A restart or a handover: the next claim starts paused.
    const next = store('next owner');
    expect(await next.acquire(name)).toBe(ids[1]);
    expect(next.paused(name)).toBe(true);
    expect((await owner.watch([name])).moved).toEqual([name]);

    await store('qdo seek').seek(name, ids[0] as string);
    expect((await statuses()).find((s) => s.partition === name)).toMatchObject({ paused: mark });
    expect(await next.acquire(name)).toBe(ids[0]);
    expect(await admin.setPaused(name, undefined)).toEqual({ processed: ids[0], changed: true });
    expect(await next.watch([name])).toEqual({ moved: [], paused: new Map([[name, false]]) });
    await next.commit(name, ids[2] as string);
    const resumed = (await statuses()).find((s) => s.partition === name);
    expect(resumed).toMatchObject({ processed: ids[2], last_worker: 'next owner' });
    expect(resumed).not.toHaveProperty('paused');
  });
});
