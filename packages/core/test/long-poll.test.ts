import type { QueueyClient } from '@qdo/queuey-client';
import { describe, expect, it } from 'vitest';
import { advertised } from '../src/advertised.js';
import { type Message, StopWorker, Worker } from '../src/index.js';
import { type Handed, longPoll, type PositionsFetch, type Watched } from '../src/long-poll.js';
import { quietLogger, run, statuses, until, useQueuey } from './helpers.js';

const q = useQueuey();
const { newQueue } = q;

function caughtUp(queue: string, partition: number, position: string): Watched {
  return { name: `${queue}-${partition}`, queue, partition, position };
}

const probe = (states: Watched[]) =>
  longPoll({
    queuey: q.client,
    states,
    seconds: 1,
    signal: new AbortController().signal,
    limit: 10,
  });

/** The bodies of the batch the long-poll handed `state`, if any: read after its position. */
function bodiesOf(
  woken: ReadonlyMap<string, Handed | undefined>,
  state: Watched,
): string[] | undefined {
  const handed = woken.get(state.name);
  if (handed) expect(handed.after).toBe(state.position);
  return handed?.batch.map((m) => m.body);
}

/** A client that records the reads and progress writes the worker makes. */
function recording(client: QueueyClient, events: string[], gate?: Promise<void>): QueueyClient {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      // plain reads, and the multi-partition fetch of a server with `positions`
      if (property === 'messages' || property === 'fetch') {
        return (queue: string, options: { wait?: number }) => {
          if (!queue.startsWith('qdo_')) events.push(options.wait ? 'long-poll' : 'read');
          return value.call(target, queue, options);
        };
      }
      if (property === 'putMessages') {
        return async (...args: unknown[]) => {
          // The claim of a partition with no progress yet (ProgressStore.acquire) is no commit.
          if (JSON.parse(String(args[2])).processed === '') return value.apply(target, args);
          events.push('commit sent');
          await gate;
          const result = await value.apply(target, args);
          events.push('commit done');
          return result;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as QueueyClient;
}

describe('the long-poll', () => {
  it('names the partitions messages arrived in and hands them over only where its since is exact', async () => {
    const queue = await newQueue(4);
    const old1 = await q.client.postMessage(queue, 'old 1', { partition: 1 });
    const old2 = await q.client.postMessage(queue, 'old 2', { partition: 2 });
    const p1 = caughtUp(queue, 1, old1.key); // behind the newest position
    const p2 = caughtUp(queue, 2, old2.key); // at the newest position: since is its own
    const p3 = caughtUp(queue, 3, ''); // no position while others have one
    const p4 = caughtUp(queue, 4, '');
    for (const p of [1, 2, 3, 4]) await q.client.postMessage(queue, `new ${p}`, { partition: p });
    await q.client.postMessage(queue, 'newer 2', { partition: 2 });

    const woken = await probe([p1, p2, p3, p4]);

    expect([...woken.keys()].sort()).toEqual([1, 2, 3, 4].map((p) => `${queue}-${p}`));
    expect(bodiesOf(woken, p2)).toEqual(['new 2', 'newer 2']);
    // Their next batch is read from their own position instead.
    expect([p1, p3, p4].map((p) => woken.get(p.name))).toEqual([undefined, undefined, undefined]);
  });

  it('hands every caught-up partition its oldest messages when none has a position', async () => {
    const queue = await newQueue(2);
    const states = [caughtUp(queue, 1, ''), caughtUp(queue, 2, '')];
    const waiting = probe(states);
    await q.client.postMessages(queue, [
      { body: 'a', partition: 2 },
      { body: 'b', partition: 2 },
    ]);
    const woken = await waiting;
    expect([...woken.keys()]).toEqual([`${queue}-2`]);
    expect(bodiesOf(woken, caughtUp(queue, 2, ''))).toEqual(['a', 'b']);
  });

  it('resolves with no partitions when nothing arrives in time', async () => {
    const queue = await newQueue(1);
    expect((await probe([caughtUp(queue, 1, '')])).size).toBe(0);
  });
});

describe('the worker after a long-poll', () => {
  it('starts the job on the long-poll answer without another read, and in order', async () => {
    const queue = await newQueue(1);
    const events: string[] = [];
    const seen: string[] = [];
    const w = new Worker({
      queuey: recording(q.client, events),
      logger: quietLogger,
      settings: { longPoll: 5, waitInterval: 30 },
      job(m: Message) {
        events.push(`job ${m.body}`);
        seen.push(m.body);
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    const done = run(w);
    for (const body of ['one', 'two', 'stop']) {
      // idle, held by the server: a long-poll after the last job (its commit may come later)
      await until(
        () => events.lastIndexOf('long-poll') > events.findLastIndex((e) => e.startsWith('job ')),
      );
      await q.client.postMessage(queue, body);
      await until(() => seen.includes(body));
      const before = events.slice(0, events.indexOf(`job ${body}`));
      // No read between the long-poll that found the message and its job.
      expect(before.slice(before.lastIndexOf('long-poll') + 1)).not.toContain('read');
    }
    await done;
    expect(seen).toEqual(['one', 'two', 'stop']);
    // Each answer was all there was (a short batch): the partition went back
    // to the long-poll without reading again; the one read is the first.
    expect(events.filter((e) => e === 'read')).toEqual(['read']);
  });

  it('long-polls the idle partitions while another runs a long job', async () => {
    const queue = await newQueue(2);
    const events: string[] = [];
    const asked: number[][] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const client = recording(q.client, events);
    const w = new Worker({
      queuey: new Proxy(client, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (property !== 'fetch') return value;
          return (name: string, options: { wait?: number; positions: { partition: number }[] }) => {
            if (options.wait) asked.push(options.positions.map((p) => p.partition));
            return value.call(target, name, options);
          };
        },
      }),
      logger: quietLogger,
      settings: { longPoll: 5 },
      async job(m: Message) {
        if (m.body === 'long') await held;
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    const done = run(w);
    await until(() => asked.some((p) => p.length === 2));
    await q.client.postMessage(queue, 'long', { partition: 1 });
    // Past the moment's grace, partition 2 is long-polled alone while 1 works.
    await until(() => asked.some((p) => p.length === 1 && p[0] === 2));
    release();
    await until(() => asked.filter((p) => p.length === 2).length >= 2);
    await q.client.postMessage(queue, 'stop', { partition: 2 });
    await done;
  });

  it('reads (or long-polls) on while the progress commit is on its way, and commits the last position by stop', async () => {
    const queue = await newQueue(1);
    const first = await q.client.postMessage(queue, 'first');
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const events: string[] = [];
    const w = new Worker({
      queuey: recording(q.client, events, gate),
      logger: quietLogger,
      settings: { waitInterval: 0.02 },
      job() {
        events.push('job');
      },
    });
    const done = run(w);
    // After the job: its commit is sent and held, and the partition reads on
    // (with the positions fetch a short batch goes straight to the long-poll,
    // which may be asked before the commit is sent).
    await until(
      () =>
        events.includes('commit sent') &&
        events.slice(events.indexOf('job')).some((e) => e === 'read' || e === 'long-poll'),
    );
    expect(events).not.toContain('commit done');
    open();
    await until(() => events.includes('commit done'));
    const last = await q.client.postMessage(queue, 'last');
    await until(async () => (await statuses(q.client))[`${queue}-1`]?.processed === last.key);
    w.stop();
    await done;
    expect(last.key).not.toBe(first.key);
    expect((await statuses(q.client))[`${queue}-1`]?.processed).toBe(last.key);
  });
});

describe('the long-poll over the multi-partition fetch (positions)', () => {
  it('asks for the messages after each partition position and hands every answer over', async () => {
    const queue = await newQueue(2);
    const old1 = await q.client.postMessage(queue, 'old 1', { partition: 1 });
    const old2 = await q.client.postMessage(queue, 'old 2', { partition: 2 });
    const p1 = caughtUp(queue, 1, old1.key); // behind: not exact for the plain probe
    const p2 = caughtUp(queue, 2, old2.key);
    const new1 = await q.client.postMessage(queue, 'new 1', { partition: 1 });
    const asked: unknown[] = [];
    const fetch: PositionsFetch = async (name, options) => {
      asked.push({ name, positions: options.positions, limit: options.limit, wait: options.wait });
      const found = await q.client.messages(name, { partition: 1, since: old1.key });
      return found;
    };
    const woken = await longPoll({
      queuey: q.client,
      states: [p1, p2],
      seconds: 1,
      signal: new AbortController().signal,
      limit: 10,
      fetch,
    });
    expect(asked).toEqual([
      {
        name: queue,
        positions: [
          { partition: 1, after: old1.key },
          { partition: 2, after: old2.key },
        ],
        limit: 10,
        wait: 1,
      },
    ]);
    expect([...woken.keys()]).toEqual([`${queue}-1`]);
    expect(bodiesOf(woken, p1)).toEqual(['new 1']);
    expect(new1.key).toBeTruthy();
  });

  it('is used when the server advertises it, with `wait` telling whether reads are held', async () => {
    const fetch = async () => [];
    const client = (extensions: string[]) =>
      ({ extensions: async () => new Set(extensions), fetch }) as unknown as QueueyClient;
    expect(await advertised(client([]))).toEqual({});
    expect(await advertised(client(['wait']))).toEqual({ holds: true, fetch: undefined });
    const both = await advertised(client(['wait', 'positions']));
    expect(both.holds).toBe(true);
    expect(typeof both.fetch).toBe('function');
    expect(await advertised(q.client)).toEqual(
      typeof (q.client as { extensions?: unknown }).extensions === 'function'
        ? expect.objectContaining({ holds: true })
        : {},
    );
  });
});
