/**
 * Latency from post to job start: one idle worker long-polling, messages
 * posted one at a time with random pauses. The headline worker is the
 * shipped `qdo-worker` process (INI file, Prometheus metrics and logging as
 * by default); the library Worker in the bench process is measured beside
 * it. Every process reads the same clock (CLOCK_MONOTONIC, hrtime): the
 * poster writes its time into the body, the job subtracts it from its own.
 * The server runs in its own process. Beside them, the peer: a BullMQ worker
 * process on Redis, volatile and with `appendfsync always`, fed by the same
 * paced poster; the headline ratio is ours over the durable peer.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, Worker } from '@qdo/core';
import type { QueueyClient } from '@qdo/queuey-client';
import { bullmqLatency } from './bullmq.js';
import type { BenchConfig } from './config.js';
import { DRAIN_QUEUE } from './drain-run.js';
import { tempDir } from './env.js';
import { type Figure, figure } from './figures.js';
import { spawnNode } from './procs.js';
import { type RedisServer, withPeerRedis } from './redis.js';
import { type ServerProcess, startServerProcess } from './server.js';
import { DRAIN_IDS, qdoWorkerBin, shippedIni } from './shipped.js';
import { sinceStamp, stamped } from './stamp.js';
import { percentile, ratio, spread } from './stats.js';

const MAX_PAUSE_MS = 20;
const PARTITIONS = 8;

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** This machine's floor: bare HTTP round trips (heartbeat, fetch) to the same server. */
async function floor(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await (await fetch(`${url}/__heartbeat__`)).arrayBuffer();
    times.push(performance.now() - start);
    await sleep(Math.random() * MAX_PAUSE_MS);
  }
  return times;
}

/** The poster's pattern for ours and the peer: `count` sends, one at a time, random pauses. */
async function paced(count: number, send: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i++) {
    await send(i);
    await sleep(Math.random() * MAX_PAUSE_MS);
  }
}

/** `count` stamped messages, one at a time over the partitions, with random pauses. */
function post(client: QueueyClient, count: number): Promise<void> {
  return paced(count, (i) =>
    client.postMessage(DRAIN_QUEUE, stamped(), { partition: (i % PARTITIONS) + 1 }),
  );
}

interface Round {
  p50: number;
  p99: number;
  bullmq50: number;
  bullmq99: number;
  durable50: number;
  durable99: number;
  library50: number;
  library99: number;
  floor50: number;
  floor99: number;
}

/** The shipped worker: latencies of `count` messages after a first one that sets it up. */
export async function shippedOnce(count: number): Promise<number[]> {
  const dir = tempDir('latency-db');
  const server = await startServerProcess(dir.file('q.db'));
  try {
    return await shippedLatencies(server, count);
  } finally {
    await server.close();
    dir.remove();
  }
}

/** The shipped worker on `server` (any storage): post -> job start of `count` messages. */
export async function shippedLatencies(server: ServerProcess, count: number): Promise<number[]> {
  const dir = tempDir('latency-shipped');
  const ini = dir.file('qdo-worker.conf');
  const target = { connection: server.connection, key: server.key, partitions: DRAIN_IDS };
  writeFileSync(
    ini,
    shippedIni({ ...target, expected: count + 1 }, { concurrency: 8, batchSize: 100 }),
  );
  const worker = spawnNode(qdoWorkerBin(), ['-c', ini], {
    env: { ...process.env, QDO_BENCH_EXPECTED: String(count + 1), QDO_BENCH_LATENCY: '1' },
    quiet: true,
  });
  try {
    const client = server.client();
    await client.createQueue({ queueName: DRAIN_QUEUE, partitions: PARTITIONS });
    await worker.next('ready');
    worker.send({ type: 'go' });
    // One message first, so the worker is set up and idle in a long-poll.
    const first = worker.next('first');
    await client.postMessage(DRAIN_QUEUE, stamped());
    await first;
    await sleep(50);
    await post(client, count);
    const done = await worker.next<{ type: string; latencies: number[] }>('done');
    if ((await worker.exited) !== 0) throw new Error('qdo-worker did not exit 0');
    return done.latencies.slice(1);
  } catch (error) {
    throw new Error(
      `latency (shipped worker) failed: ${(error as Error).message}\n${worker.output()}`,
      {
        cause: error,
      },
    );
  } finally {
    worker.kill();
    dir.remove();
  }
}

/** The library Worker in this process, and the floor on the same server. */
async function libraryOnce(count: number): Promise<{ latencies: number[]; floor: number[] }> {
  const dir = tempDir('latency');
  const server = await startServerProcess(dir.file('q.db'));
  const client = server.client();
  await client.createQueue({ queueName: DRAIN_QUEUE, partitions: PARTITIONS });
  const latencies: number[] = [];
  const worker = new Worker({
    queuey: server.client(),
    job: (message) => {
      latencies.push(sinceStamp(message.body));
    },
    settings: { longPoll: 10, concurrency: 8, waitInterval: 1 },
    logger: createLogger({ name: 'bench', minLevel: 5 }),
  });
  const working = worker.work();
  try {
    await client.postMessage(DRAIN_QUEUE, stamped());
    await waitFor(() => latencies.length === 1, 10_000, 'the worker to start');
    await sleep(50);
    latencies.length = 0;
    await post(client, count);
    await waitFor(() => latencies.length >= count, 30_000, 'every message');
    return { latencies, floor: await floor(server.url, Math.min(count, 300)) };
  } finally {
    worker.stop();
    await working;
    await server.close();
    dir.remove();
  }
}

/** The peer on Redis as started (volatile or appendfsync always), concurrency 8 as ours. */
function bullmqOnce(redis: RedisServer, count: number): Promise<number[]> {
  return bullmqLatency({ redis, count, concurrency: 8, post: (n, add) => paced(n, add) });
}

function rounds(config: BenchConfig): Promise<Round[]> {
  return withPeerRedis(async (redis) => {
    const results: Round[] = [];
    for (let r = 0; r < config.rounds; r++) {
      results.push(await round(config.latencyCount, redis.volatile, redis.durable));
    }
    return results;
  });
}

async function round(count: number, redis: RedisServer, syncedRedis: RedisServer): Promise<Round> {
  const shipped = await shippedOnce(count);
  const library = await libraryOnce(count);
  const bullmq = await bullmqOnce(redis, count);
  const durable = await bullmqOnce(syncedRedis, count);
  return {
    p50: percentile(shipped, 50),
    p99: percentile(shipped, 99),
    bullmq50: percentile(bullmq, 50),
    bullmq99: percentile(bullmq, 99),
    durable50: percentile(durable, 50),
    durable99: percentile(durable, 99),
    library50: percentile(library.latencies, 50),
    library99: percentile(library.latencies, 99),
    floor50: percentile(library.floor, 50),
    floor99: percentile(library.floor, 99),
  };
}

export async function latency(config: BenchConfig): Promise<Figure[]> {
  const results = await rounds(config);
  const of = (k: keyof Round) => spread(results.map((x) => x[k]));
  const n = `${config.latencyCount} msgs, long-poll`;
  const floor50 = of('floor50');
  return [
    figure('latency.p50', `post -> job start p50, shipped qdo-worker (${n})`, 'ms', of('p50')),
    figure('latency.p99', `post -> job start p99, shipped qdo-worker (${n})`, 'ms', of('p99'), {
      target: { op: '<=', value: 15 },
    }),
    figure(
      'latency.library.p50',
      `post -> job start p50, library Worker (${n})`,
      'ms',
      of('library50'),
    ),
    figure(
      'latency.library.p99',
      `post -> job start p99, library Worker (${n})`,
      'ms',
      of('library99'),
    ),
    figure(
      'latency.bullmq.p50',
      `peer: BullMQ p50, Redis volatile (${n.replace('long-poll', 'blocking wait')})`,
      'ms',
      of('bullmq50'),
    ),
    figure('latency.bullmq.p99', 'peer: BullMQ p99, Redis volatile', 'ms', of('bullmq99')),
    figure(
      'latency.bullmq.durable.p50',
      'peer: BullMQ p50, Redis appendfsync always',
      'ms',
      of('durable50'),
    ),
    figure(
      'latency.bullmq.durable.p99',
      'peer: BullMQ p99, Redis appendfsync always',
      'ms',
      of('durable99'),
    ),
    figure(
      'latency.vs-bullmq.p50',
      'post -> job start p50: shipped qdo-worker / BullMQ (appendfsync always)',
      'x',
      ratio(of('p50'), of('durable50')),
      { target: { op: '<=', value: 1.5 } },
    ),
    figure(
      'latency.vs-bullmq.p99',
      'post -> job start p99: shipped qdo-worker / BullMQ (appendfsync always)',
      'x',
      ratio(of('p99'), of('durable99')),
      { target: { op: '<=', value: 1.5 } },
    ),
    figure(
      'latency.vs-bullmq-volatile.p50',
      'post -> job start p50: shipped qdo-worker / BullMQ (volatile)',
      'x',
      ratio(of('p50'), of('bullmq50')),
    ),
    figure('latency.floor.p50', 'floor: bare HTTP round trip p50 (heartbeat)', 'ms', floor50),
    figure('latency.floor.p99', 'floor: bare HTTP round trip p99 (heartbeat)', 'ms', of('floor99')),
    figure(
      'latency.ratio.p50',
      'post -> job start p50 (shipped) / bare round trip p50',
      'x',
      ratio(of('p50'), floor50),
      { target: { op: '<=', value: 2 } },
    ),
    figure(
      'latency.library.ratio.p50',
      'post -> job start p50 (library) / bare round trip p50',
      'x',
      ratio(of('library50'), floor50),
    ),
  ];
}
