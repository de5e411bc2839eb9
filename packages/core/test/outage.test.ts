import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueyClient, QueueyConnectionError } from '@qdo/queuey-client';
import { startServer } from '@qdo/queuey-server';
import { expect, it } from 'vitest';
import { StopWorker, Worker } from '../src/index.js';
import { OutageTracker } from '../src/outage.js';
import { recordingLogger, run, uniqueName, until } from './helpers.js';

it('backs off through a server outage, logging once when it starts and once when it ends', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'qdo-core-'));
  const db = join(dir, 'queuey.db');
  const applications = { queuey: ['0123456789abcdef0123456789abcdef'] };
  let server = await startServer({ port: 0, db, applications });
  const port = server.port;
  try {
    let failedRequests = 0;
    const client = new QueueyClient({
      fetch: (input, init) =>
        globalThis.fetch(input, init).catch((error) => {
          failedRequests += 1;
          throw error;
        }),
      connection: `${server.url}/v1/queuey/`,
      appKey: '0123456789abcdef0123456789abcdef',
      retries: 0,
      timeout: 1000,
    });
    const queue = uniqueName();
    // four partition loops share one back-off: one outage, one sequence of attempts
    await client.createQueue({ queueName: queue, partitions: 4 });
    await client.postMessage(queue, 'before', { partition: 1 });
    const logger = recordingLogger();
    const seen: string[] = [];
    const w = new Worker({
      queuey: client,
      logger,
      random: () => 0,
      settings: { waitInterval: 0.01 },
      job(m) {
        seen.push(m.body);
        if (m.body === 'stop') throw new StopWorker();
      },
    });
    const done = run(w);
    await until(() => seen.length === 1);
    await server.close();
    const unreachable = () => logger.lines.filter((l) => l.text.includes('unreachable')).length;
    await until(() => unreachable() >= 1);
    // let it fail a few more times: still logged only once
    await until(() => failedRequests >= 3);
    server = await startServer({ port, db, applications });
    // A POST is not retried, and the shared socket pool may still hold a
    // socket of the old server: post until one gets through (a second 'stop'
    // is never reached).
    await until(() =>
      client.postMessage(queue, 'stop', { partition: 1 }).then(
        () => true,
        () => false,
      ),
    );
    await done;
    expect(seen).toEqual(['before', 'stop']);
    expect(unreachable()).toBe(1);
    const again = logger.lines.filter((l) => l.text.includes('reachable again'));
    expect(again).toHaveLength(1);
    const [, seconds, attempts] =
      again[0]?.text.match(/after ([\d.]+) s \((\d+) failed attempts\)/) ?? [];
    // waits of 0.4 s doubling (jitter 0.8): about log2(seconds) attempts, not four times that
    expect(Number(attempts)).toBeLessThanOrEqual(
      Math.floor(Math.log2(Number(seconds) / 0.4 + 1)) + 2,
    );
    expect(logger.lines.map((l) => l.text).join('\n')).not.toContain(
      '0123456789abcdef0123456789abcdef',
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

/** A tracker on a clock that never waits, and a request's "could not reach" failure. */
function unreachable(method: string) {
  const logger = recordingLogger();
  const clock = { now: () => 0, monotonic: () => 0, sleep: async () => {}, timer: () => () => {} };
  const outage = new OutageTracker(logger as never, () => 0);
  const stop = new AbortController().signal;
  const down = new QueueyConnectionError(`${method} could not reach any Queuey server`, {
    url: 'http://x/',
  });
  return { logger, clock, outage, stop, down };
}

it('takes a failure of a request begun before the server came back as part of the outage already logged', async () => {
  const { logger, clock, outage, stop, down } = unreachable('GET');
  const startedDuringOutage = outage.epoch;
  await outage.backOff(down, { clock, stop, signal: stop });
  outage.recovered();
  // A request begun during the outage fails only now, after another one saw the server back.
  await outage.backOff(down, { clock, stop, signal: stop, startedIn: startedDuringOutage });
  expect(outage.active).toBe(false);
  // A request begun after the recovery that fails is a new outage.
  await outage.backOff(down, { clock, stop, signal: stop, startedIn: outage.epoch });
  expect(outage.active).toBe(true);
  expect(logger.lines.map((l) => l.level)).toEqual(['warn', 'info', 'warn']);
});

/** A request the test answers when it likes. */
function pending() {
  let answer: () => void = () => {};
  const request = new Promise<string>((resolve) => {
    answer = () => resolve('answer');
  });
  return { request, answer };
}

it('ends an outage only on the answer to a request begun during it', async () => {
  const { logger, clock, outage, stop, down } = unreachable('PUT');
  // A read sent before the server went away, answered after a commit failed.
  const before = pending();
  const sentBefore = outage.heard(before.request);
  await outage.backOff(down, { clock, stop, signal: stop });
  before.answer();
  await sentBefore;
  expect(outage.active).toBe(true);
  // Two requests sent during the outage; the first is answered: the server is back.
  const during = pending();
  const late = pending();
  const sentLate = outage.heard(late.request);
  const sentDuring = outage.heard(during.request);
  during.answer();
  await expect(sentDuring).resolves.toBe('answer');
  expect(outage.active).toBe(false);
  // The other, answered only in the next outage, proves nothing about that one.
  await outage.backOff(down, { clock, stop, signal: stop, startedIn: outage.epoch });
  late.answer();
  await sentLate;
  expect(outage.active).toBe(true);
  expect(logger.lines.map((l) => l.level)).toEqual(['warn', 'info', 'warn']);
});
