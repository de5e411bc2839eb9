import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@qdo/queuey-client';
import { QueueyClient } from '@qdo/queuey-client';
import { startServer } from '@qdo/queuey-server';
import { waitFor } from '@qdo/test-utils';

export const DAY = 24 * 60 * 60 * 1000;
export const APP_KEY = 'f00dfacef00dfacef00dfacef00dface';

/** A clock the server reads; tests move it for TTLs. */
export function manualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A real Queuey server on an ephemeral port over a SQLite file in a temp dir. */
export async function startQueuey(options: { bodyLimit?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'qdo-failure-'));
  const clock = manualClock();
  const server = await startServer({
    port: 0,
    db: join(dir, 'queuey.db'),
    applications: { queuey: [APP_KEY] },
    now: clock.now,
    ...options,
  });
  let closed = false;
  const queuey = new QueueyClient({
    connection: `${server.url}/v1/queuey/`,
    appKey: APP_KEY,
    retries: 0,
    timeout: 3000,
    retryDelay: () => 0,
  });
  return {
    server,
    queuey,
    clock,
    async stopServer() {
      if (closed) return;
      closed = true;
      await server.close();
    },
    async [Symbol.asyncDispose]() {
      await this.stopServer();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every message of every partition of `queue`, all pages. */
export async function readAll(queuey: QueueyClient, queue: string, partitions: number) {
  const all: Message[] = [];
  for (let partition = 1; partition <= partitions; partition++) {
    for await (const message of queuey.iterateMessages(queue, { partition })) all.push(message);
  }
  return all;
}

/** Creates `queue` with `partitions` and posts `perPartition` messages to each; returns them as read back. */
export async function fillQueue(
  queuey: QueueyClient,
  queue: string,
  options: { partitions: number; perPartition: number },
) {
  await queuey.createQueue({ queueName: queue, partitions: options.partitions });
  const items = [];
  for (let p = 1; p <= options.partitions; p++) {
    for (let i = 0; i < options.perPartition; i++) {
      items.push({ body: `body ${p}.${i} ${'é"\\\n'}`, partition: p });
    }
  }
  await queuey.postMessages(queue, items);
  return readAll(queuey, queue, options.partitions);
}

/** A logger that keeps what it was given. */
export function captureLogger() {
  const lines: string[] = [];
  return {
    lines,
    error: (...args: unknown[]) => {
      // An error shows its stack, fields their JSON, as a log line would.
      const shown = (arg: unknown) =>
        arg instanceof Error
          ? String(arg.stack)
          : typeof arg === 'object'
            ? JSON.stringify(arg)
            : String(arg);
      lines.push(args.map(shown).join(' '));
    },
  };
}

/** Array.fromAsync, which Node 20 lacks. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Polls `check` until it holds; fails after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  await waitFor(check, ms);
}

/** The last processed id per work partition, from qdo_status (newest status wins). */
export async function processed(queuey: QueueyClient): Promise<Record<string, string>> {
  const found: Record<string, { time: string; processed: string }> = {};
  const names = (await queuey.listQueues()).map((info) => info.queue_name);
  if (!names.includes('qdo_status')) return {}; // the worker has not started yet
  for (const m of await readAll(queuey, 'qdo_status', 7)) {
    const body = JSON.parse(m.body) as { partition: string; processed: string };
    const seen = found[body.partition];
    if (!seen || seen.time < m.timestamp)
      found[body.partition] = { time: m.timestamp, processed: body.processed };
  }
  return Object.fromEntries(Object.entries(found).map(([k, v]) => [k, v.processed]));
}
