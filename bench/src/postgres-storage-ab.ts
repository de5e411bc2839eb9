/**
 * The PostgreSQL storage on its own, no HTTP: what a post and a read cost
 * there, on a durable cluster of the bench's own. Two builds side by side
 * when BENCH_PG_BEFORE names another checkout's packages/queuey-server (its
 * dist built), the order alternating from round to round:
 *
 * - batches: `writers` concurrent posts of 1,000 messages spread over 8
 *   partitions, through two storages (two servers' pools), for 5 s: msg/s,
 *   and this process's CPU per message (the servers' share of the work);
 * - one message: p50 of a one-message post and of the read a woken
 *   long-poll makes (one partition, after the last id), 300 of each.
 *
 * `node bench/dist/postgres-storage-ab.js [writers] [rounds]`
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { startDurableCluster } from './postgres-load.js';
import { percentile } from './stats.js';

interface Stored {
  id: string;
  time: bigint;
}
interface Storage {
  putQueue(queue: Record<string, unknown>): Promise<unknown>;
  insertMessages(
    application: string,
    queue: string,
    messages: { body: string; partition: number; ttl: number }[],
    now: number,
  ): Promise<Stored[]>;
  readPartitions(application: string, queue: string, read: unknown): Promise<unknown>;
  close(): Promise<void>;
}
type Open = (options: Record<string, unknown>) => Promise<Storage>;

const writers = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 3);
const BATCH = 1000;
const SECONDS = 5;
const BODY = 'x'.repeat(100);

async function load(root: string | undefined): Promise<Open> {
  const module = root
    ? await import(pathToFileURL(`${root}/dist/storage/postgres.js`).href)
    : await import('@qdo/queuey-server/postgres');
  return module.openPostgresStorage as Open;
}

/** CPU time of this process so far, in microseconds. */
function cpuMicros(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

let schemas = 0;

async function measure(open: Open, url: string) {
  const schema = `ab_${process.pid}_${schemas++}`;
  const storages = [await open({ url, schema }), await open({ url, schema })];
  try {
    const [first] = storages as [Storage];
    await first.putQueue({
      application: 'a',
      name: 'q',
      partitions: 8,
      type: 'user',
      consistency: 'strong',
      principles: [],
      created: 1,
    });
    let count = 0;
    const cpu = cpuMicros();
    const start = performance.now();
    const end = start + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const storage = storages[w % storages.length] as Storage;
        for (let i = 0; performance.now() < end; i++) {
          const batch = Array.from({ length: BATCH }, (_, j) => ({
            body: BODY,
            partition: 1 + ((w + i + j) % 8),
            ttl: 3600,
          }));
          await storage.insertMessages('a', 'q', batch, Date.now());
          count += BATCH;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const cpuPerMessage = (cpuMicros() - cpu) / count;
    const posts: number[] = [];
    const reads: number[] = [];
    let last: Stored | undefined;
    for (let i = 0; i < 300; i++) {
      let t = performance.now();
      const [message] = await first.insertMessages(
        'a',
        'q',
        [{ body: BODY, partition: 1, ttl: 3600 }],
        Date.now(),
      );
      posts.push(performance.now() - t);
      t = performance.now();
      const since = last ? { since: { time: last.time, id: last.id, exclusive: true } } : {};
      await first.readPartitions('a', 'q', {
        reads: [{ partition: 1, ...since }],
        ...{ limit: 1000, order: 'ascending', now: Date.now(), maxBytes: 1 << 23 },
      });
      reads.push(performance.now() - t);
      last = message;
    }
    return {
      rate: count / seconds,
      cpuPerMessage,
      post: percentile(posts, 50),
      read: percentile(reads, 50),
    };
  } finally {
    for (const storage of storages) await storage.close();
  }
}

const before = process.env.BENCH_PG_BEFORE;
const builds: [string, Open][] = [['this commit', await load(undefined)]];
if (before) builds.unshift(['BENCH_PG_BEFORE', await load(before)]);
const cluster = await startDurableCluster();
try {
  console.log(
    `${writers} writers x ${BATCH} messages over 2 pools, ${SECONDS} s; then 300 one-message posts and one-partition reads`,
  );
  for (let round = 1; round <= rounds; round++) {
    // Who goes first alternates: the second of a round runs on a cluster the
    // first just loaded (its WAL, its checkpoint, autovacuum of its tables).
    for (const [label, open] of round % 2 === 1 ? builds : [...builds].reverse()) {
      const m = await measure(open, cluster.url);
      console.log(
        `round ${round} ${label}: ${m.rate.toFixed(0)} msg/s, ${m.cpuPerMessage.toFixed(2)} us CPU/msg here; post p50 ${m.post.toFixed(3)} ms, read p50 ${m.read.toFixed(3)} ms`,
      );
    }
  }
} finally {
  await cluster.stop();
}
