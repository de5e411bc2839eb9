/**
 * Latency from post to job start: one idle worker long-polling, messages
 * posted one at a time with random pauses. Poster and worker share this
 * process (one clock); the server runs in its own.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, Worker } from '@qdo/core';
import type { BenchConfig } from './config.js';
import { body100, tempDir } from './env.js';
import { type Figure, figure } from './figures.js';
import { startServerProcess } from './server.js';
import { percentile, ratio, spread } from './stats.js';

const MAX_PAUSE_MS = 20;

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

interface Round {
  p50: number;
  p99: number;
  floor50: number;
  floor99: number;
}

async function once(count: number): Promise<Round> {
  const dir = tempDir('latency');
  const server = await startServerProcess(dir.file('q.db'));
  const client = server.client();
  await client.createQueue({ queueName: 'bench', partitions: 8 });
  const latencies: number[] = [];
  const worker = new Worker({
    queuey: server.client(),
    job: (message) => {
      const sent = Number(message.body.slice(0, message.body.indexOf('|')));
      latencies.push(performance.now() - sent);
    },
    settings: { longPoll: 10, concurrency: 8, waitInterval: 1 },
    logger: createLogger({ name: 'bench', minLevel: 5 }),
  });
  const working = worker.work();
  try {
    // One message first, so the worker is set up and idle in a long-poll.
    await client.postMessage('bench', body100(`${performance.now()}|`));
    await waitFor(() => latencies.length === 1, 10_000, 'the worker to start');
    await sleep(50);
    latencies.length = 0;
    for (let i = 0; i < count; i++) {
      await client.postMessage('bench', body100(`${performance.now()}|`), {
        partition: (i % 8) + 1,
      });
      await sleep(Math.random() * MAX_PAUSE_MS);
    }
    await waitFor(() => latencies.length >= count, 30_000, 'every message');
    const bare = await floor(server.url, Math.min(count, 300));
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      floor50: percentile(bare, 50),
      floor99: percentile(bare, 99),
    };
  } finally {
    worker.stop();
    await working;
    await server.close();
    dir.remove();
  }
}

export async function latency(config: BenchConfig): Promise<Figure[]> {
  const results: Round[] = [];
  for (let r = 0; r < config.rounds; r++) results.push(await once(config.latencyCount));
  const of = (k: keyof Round) => spread(results.map((x) => x[k]));
  const n = `${config.latencyCount} msgs, long-poll`;
  const p50 = of('p50');
  const floor50 = of('floor50');
  return [
    figure('latency.p50', `post -> job start p50 (${n})`, 'ms', p50),
    figure('latency.p99', `post -> job start p99 (${n})`, 'ms', of('p99'), {
      target: { op: '<=', value: 15 },
    }),
    figure('latency.floor.p50', 'floor: bare HTTP round trip p50 (heartbeat)', 'ms', floor50),
    figure('latency.floor.p99', 'floor: bare HTTP round trip p99 (heartbeat)', 'ms', of('floor99')),
    figure(
      'latency.ratio.p50',
      'post -> job start p50 / bare round trip p50',
      'x',
      ratio(p50, floor50),
      {
        target: { op: '<=', value: 2 },
      },
    ),
  ];
}
