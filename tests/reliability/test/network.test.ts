// Client and worker behind a relay that stalls, resets and answers 500 at
// random (seeded): every operation ends within a deadline, retries stay in
// bounds, and no message is ever marked processed before its job ran.
import { format } from 'node:util';
import { type Logger, Worker } from '@qdo/core';
import { isQueueyError, QueueyClient } from '@qdo/queuey-client';
import { afterEach, expect, test } from 'vitest';
import { type ChaosProxy, startChaosProxy } from './support/chaos-proxy.js';
import { rng, SEED, scale, until } from './support/env.js';
import { type Fixture, postNumbered, startFixture } from './support/fixture.js';

const TIMEOUT = 300;
const RETRIES = 2;
const RETRY_DELAY = 50;
// Every round may time out, plus the back-offs, plus scheduling slack.
const DEADLINE = (RETRIES + 1) * TIMEOUT + RETRIES * RETRY_DELAY + 1_500;

let fx: Fixture | undefined;
let proxy: ChaosProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await fx?.close();
  fx = proxy = undefined;
});

function chaosClient(url: string, key: string) {
  return new QueueyClient({
    connection: `${url}/v1/queuey/`,
    appKey: key,
    timeout: TIMEOUT,
    retries: RETRIES,
    retryDelay: () => RETRY_DELAY,
  });
}

async function withDeadline<T>(ms: number, op: () => Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  try {
    return await Promise.race([op(), hung]);
  } finally {
    clearTimeout(timer);
  }
}

test('client operations through a faulty network end in time, with bounded retries and typed errors', async () => {
  fx = await startFixture('net');
  await fx.client.createQueue({ queueName: 'net', partitions: 3 });
  proxy = await startChaosProxy({
    target: fx.server.url,
    random: rng(SEED),
    rates: {
      truncate: 0.08,
      stall: 0.12,
      'reset-before': 0.12,
      'reset-after': 0.08,
      error500: 0.1,
      slow: 0.15,
    },
    stallMs: 2_000,
  });
  const chaos = chaosClient(proxy.url, fx.key);
  const seeded = await fx.client.postMessages('net', [{ body: 'a', partition: 2 }]);
  const id = `2:${seeded[0]?.key}`;
  const ops: [string, () => Promise<unknown>][] = [
    ['post', () => chaos.postMessage('net', 'x', { partition: 1 })],
    ['post batch', () => chaos.postMessages('net', [{ body: 'y' }, { body: 'z' }])],
    ['read', () => chaos.messages('net', { partition: 1, limit: 10 })],
    ['list', () => chaos.listQueues({ details: true })],
    ['get ids', () => chaos.getMessages('net', [id])],
    ['put ids', () => chaos.putMessages('net', [id], 'b')],
  ];
  const operations = scale(60, 600);
  const outcomes: Record<string, number> = {};
  const acknowledged: string[] = [];
  for (let i = 0; i < operations; i++) {
    const [name, op] = ops[i % ops.length] as [string, () => Promise<unknown>];
    const before = proxy.requests;
    const started = Date.now();
    let outcome: string;
    try {
      const result = await withDeadline(DEADLINE, op);
      outcome = result === 'hung' ? 'hung' : 'ok';
      if (name.startsWith('post') && Array.isArray(result)) {
        acknowledged.push(
          ...result.map((m: { key: string; partition: number }) => `${m.partition}:${m.key}`),
        );
      } else if (name === 'post' && result && result !== 'hung') {
        const m = result as { key: string; partition: number };
        acknowledged.push(`${m.partition}:${m.key}`);
      }
    } catch (error) {
      expect(isQueueyError(error), `${name} threw ${String(error)}`).toBe(true);
      outcome = (error as { code: string }).code;
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    expect(outcome, `${name} did not end within ${DEADLINE} ms`).not.toBe('hung');
    expect(Date.now() - started).toBeLessThan(DEADLINE);
    expect(proxy.requests - before, `${name} sent too many requests`).toBeLessThanOrEqual(
      RETRIES + 1,
    );
  }
  // What the client said was stored, is.
  const found = await fx.client.getMessages('net', acknowledged);
  expect(found.length).toBe(acknowledged.length);
  expect(outcomes.ok).toBeGreaterThan(0);
  expect(Object.keys(outcomes).length).toBeGreaterThan(1); // faults did happen
  console.log(
    `[network client] seed ${SEED}: ${JSON.stringify(outcomes)}; proxy ${JSON.stringify(proxy.counts)}`,
  );
});

test('a worker behind a faulty network drains everything and never commits past a job that did not run', async () => {
  fx = await startFixture('netw');
  const partitions = 4;
  const total = scale(300, 2_000);
  await fx.client.createQueue({ queueName: 'netw', partitions });
  const posted = await postNumbered({ client: fx.client, queue: 'netw', count: total, partitions });
  const order = new Map<number, string[]>(); // partition -> ids in posted order
  posted.forEach((id, i) => {
    const p = (i % partitions) + 1;
    order.set(p, [...(order.get(p) ?? []), id]);
  });
  proxy = await startChaosProxy({
    target: fx.server.url,
    random: rng(SEED + 7),
    rates: {
      truncate: 0.03,
      stall: 0.04,
      'reset-before': 0.06,
      'reset-after': 0.04,
      error500: 0.03,
      slow: 0.15,
    },
    stallMs: 1_000,
  });
  const lines: string[] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push(`${level} ${format(...args)}`);
    };
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const ran = new Set<string>();
  const worker = new Worker({
    queuey: chaosClient(proxy.url, fx.key),
    job: (message) => {
      ran.add(message.message_id);
    },
    logger,
    settings: {
      batchSize: 10,
      concurrency: partitions,
      waitInterval: 0.05,
      longPoll: 1,
      discoveryInterval: 0.5,
    },
  });
  const working = worker.work();
  let snapshots = 0;
  // Committed progress, read straight from the server, never runs ahead of the jobs.
  const checkStatus = async () => {
    const status = await fx?.client
      .get('qdo_status', { partitions: '1,2,3,4,5,6,7', limit: 1000 })
      .catch((error) => {
        if ((error as { status?: number }).status === 404) return { messages: [] }; // not created yet
        throw error;
      });
    const done = [...ran];
    const seen = new Set(done);
    for (const m of (status as { messages: { body: string }[] }).messages) {
      const { partition, processed } = JSON.parse(m.body) as {
        partition: string;
        processed: string;
      };
      if (!processed) continue;
      const ids = order.get(Number(partition.split('-').pop())) ?? [];
      const upTo = ids.slice(0, ids.indexOf(processed) + 1);
      expect(ids).toContain(processed);
      expect(
        upTo.filter((id) => !seen.has(id)),
        `${partition} committed past unrun jobs`,
      ).toEqual([]);
    }
    snapshots += 1;
  };
  try {
    await until(
      'the worker to drain the queue through the faults',
      async () => {
        await checkStatus();
        return ran.size >= total;
      },
      scale(90_000, 400_000),
    );
  } finally {
    worker.stop();
    expect(await withDeadline(10_000, () => working)).not.toBe('hung');
  }
  await checkStatus();
  expect(posted.filter((id) => !ran.has(id))).toEqual([]);
  const outages = lines.filter((l) => l.includes('Queuey server unreachable')).length;
  const recoveries = lines.filter((l) => l.includes('reachable again')).length;
  expect(recoveries).toBeGreaterThanOrEqual(outages - 1);
  for (const line of lines) expect(line).not.toContain(fx.key);
  console.log(
    `[network worker] seed ${SEED}: ${total} messages, ${snapshots} status checks, ${outages} outages logged; ` +
      `proxy ${JSON.stringify(proxy.counts)}`,
  );
});
