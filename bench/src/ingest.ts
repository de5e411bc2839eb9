/**
 * Ingest: 100-byte messages posted in JSON batches of 1,000 to the server on
 * SQLite over HTTP, beside the same rows inserted straight through
 * better-sqlite3 (this machine's ceiling) at the server's own durability
 * setting (read from a storage the server's code opened), and beside the
 * peer: BullMQ's addBulk of the same batches on Redis, volatile and with
 * `appendfsync always`, round by round.
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { bullmqProducer } from './bullmq.js';
import type { BenchConfig } from './config.js';
import { type Synchronous, serverSynchronous } from './durability.js';
import { body100, tempDir } from './env.js';
import { type Figure, figure } from './figures.js';
import { type RedisServer, withPeerRedis } from './redis.js';
import { profiled } from './self-profile.js';
import { startServerProcess, WARM_QUEUE } from './server.js';
import { ratio, spread } from './stats.js';

const BATCH = 1000;
const PARTITIONS = 8;
/** Batches in flight at once from the client: two, so client and server overlap on 2 cores. */
const IN_FLIGHT = 2;

export function batches(count: number) {
  const all: { body: string; partition: number }[][] = [];
  for (let start = 0; start < count; start += BATCH) {
    all.push(
      Array.from({ length: Math.min(BATCH, count - start) }, (_, j) => ({
        body: body100(`m${start + j}`),
        partition: ((start + j) % PARTITIONS) + 1,
      })),
    );
  }
  return all;
}

/** Sends every batch, IN_FLIGHT at a time, in order; messages per second. */
async function pump<T>(work: readonly T[][], send: (batch: T[]) => Promise<unknown>) {
  const count = work.reduce((n, batch) => n + batch.length, 0);
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < work.length) await send(work[next++] ?? []);
    }),
  );
  return count / ((performance.now() - start) / 1000);
}

/** Our server on SQLite, a fresh file: one producer, IN_FLIGHT batches at a time; msg/s. */
export async function oursOnce(count: number): Promise<number> {
  const dir = tempDir('ingest');
  const server = await startServerProcess(dir.file('q.db'));
  try {
    const client = server.client();
    await client.createQueue({ queueName: 'bench', partitions: PARTITIONS });
    await client.createQueue({ queueName: WARM_QUEUE, partitions: PARTITIONS });
    const work = batches(count);
    await pump(work, (batch) => client.postMessages(WARM_QUEUE, batch));
    return await profiled('ingest-producer', () =>
      pump(work, (batch) => client.postMessages('bench', batch)),
    );
  } finally {
    await server.close();
    dir.remove();
  }
}

/** The peer: BullMQ's addBulk of the same batches (data `{ body }`), from one producer. */
async function bullmqOnce(redis: RedisServer, count: number): Promise<number> {
  const producer = await bullmqProducer(redis);
  try {
    const work = batches(count).map((batch) => batch.map((m) => ({ body: m.body })));
    return await pump(work, (batch) => producer.addBulk(batch));
  } finally {
    await producer.close();
  }
}

/** The same schema shape as the server's messages table (WITHOUT ROWID, clustered key). */
const RAW_SCHEMA = `
CREATE TABLE messages (
  queue_key INTEGER NOT NULL, partition INTEGER NOT NULL, time INTEGER NOT NULL,
  id BLOB NOT NULL, body TEXT NOT NULL, content_type TEXT, expires_at INTEGER NOT NULL,
  PRIMARY KEY (queue_key, partition, time, id)
) WITHOUT ROWID`;

function rawOnce(count: number, level: Synchronous): number {
  const dir = tempDir('raw');
  const db = new Database(dir.file('raw.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${level}`);
    db.exec(RAW_SCHEMA);
    const insert = db.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?)');
    const work = batches(count);
    const start = performance.now();
    let time = BigInt(Date.now()) * 10_000n;
    const id = Buffer.alloc(16);
    const write = db.transaction((batch: { body: string; partition: number }[]) => {
      for (const m of batch) {
        time += 1n;
        id.writeBigUInt64BE(time, 0);
        insert.run(1, m.partition, time, id, m.body, null, Date.now() + 86_400_000);
      }
    });
    for (const batch of work) write(batch);
    return count / ((performance.now() - start) / 1000);
  } finally {
    db.close();
    dir.remove();
  }
}

export async function ingest(config: BenchConfig): Promise<Figure[]> {
  const durability = await serverSynchronous();
  const synchronous = durability.level;
  const ours: number[] = [];
  const raw: number[] = [];
  const unsynced: number[] = [];
  const volatile: number[] = [];
  const durable: number[] = [];
  await withPeerRedis(async (redis) => {
    for (let r = 0; r < config.rounds; r++) {
      ours.push(await oursOnce(config.ingestCount));
      raw.push(rawOnce(config.ingestCount, synchronous));
      unsynced.push(rawOnce(config.ingestCount, 'NORMAL'));
      volatile.push(await bullmqOnce(redis.volatile, config.ingestCount));
      durable.push(await bullmqOnce(redis.durable, config.ingestCount));
    }
  });
  const o = spread(ours);
  const w = spread(raw);
  const n = spread(unsynced);
  const bv = spread(volatile);
  const bd = spread(durable);
  return [
    figure('ingest.http', `ingest over HTTP, batches of ${BATCH}`, 'msg/s', o),
    figure('ingest.bullmq', `peer: BullMQ addBulk of ${BATCH}, Redis volatile`, 'msg/s', bv),
    figure(
      'ingest.bullmq.durable',
      `peer: BullMQ addBulk of ${BATCH}, Redis appendfsync always`,
      'msg/s',
      bd,
    ),
    figure('ingest.vs-bullmq', 'ingest: ours / BullMQ addBulk (volatile)', 'x', ratio(o, bv), {
      target: { op: '>=', value: 4 },
    }),
    figure(
      'ingest.vs-bullmq.durable',
      'ingest: ours / BullMQ addBulk (appendfsync always)',
      'x',
      ratio(o, bd),
    ),
    figure(
      'ingest.raw',
      `ingest ceiling: better-sqlite3, no HTTP, synchronous=${synchronous} (${durability.source})`,
      'msg/s',
      w,
    ),
    figure(
      'ingest.ratio',
      `ingest: HTTP / raw ceiling, both synchronous=${synchronous}`,
      'x',
      ratio(o, w),
      {
        target: { op: '>=', value: 0.6 },
      },
    ),
    figure(
      'ingest.raw-normal',
      'ingest, no sync per commit: better-sqlite3, no HTTP, synchronous=NORMAL',
      'msg/s',
      n,
    ),
    figure('ingest.ratio-normal', 'ingest: HTTP / raw with no sync per commit', 'x', ratio(o, n)),
  ];
}
