// `queuey serve` SIGKILLed during ingest and during a drain, on SQLite and on
// PostgreSQL: every POST answered 201 is there after the restart, and a
// running worker backs off, logs each outage once and resumes by itself.
import { join } from 'node:path';
import { QueueyClient } from '@qdo/queuey-client';
import { createPostgresSchema, type PostgresCluster, startPostgresCluster } from '@qdo/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { between, rng, SEED, scale, until } from './support/env.js';
import { postNumbered, tempDir } from './support/fixture.js';
import { QueueyProcess } from './support/queuey.js';
import { newKey } from './support/secrets.js';
import { readRecords, tally, workerFactory } from './support/worker.js';

const INGEST_KILLS = scale(2, 5);
const OUTAGES = scale(2, 5);
const DRAIN = scale(1_500, 5_000);

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

let cluster: PostgresCluster | undefined;
afterAll(async () => {
  await cluster?.stop();
});

async function clusterUrl(backend: string): Promise<string | undefined> {
  if (backend === 'sqlite') return undefined;
  cluster ??= await startPostgresCluster();
  return cluster.url;
}

describe.each(['sqlite', 'postgres'])('queuey serve on %s, killed with SIGKILL', (backend) => {
  let url: string | undefined;
  beforeAll(async () => {
    url = await clusterUrl(backend);
  }, 120_000);

  async function startQueuey() {
    const tmp = tempDir(`srv-${backend}`);
    const key = newKey();
    const db = url ? await createPostgresSchema(url, 'rel') : undefined;
    if (db) cleanup.push(() => db.drop());
    const postgres = db && { url: db.url, schema: db.schema };
    const queuey = new QueueyProcess({ dir: tmp.dir, apps: { queuey: key }, postgres });
    cleanup.push(tmp.remove, () => queuey.stop());
    await queuey.start();
    // A client with short back-offs: the test wants to see failures, not wait them out.
    const client = new QueueyClient({ connection: queuey.appRoot(), appKey: key, retries: 1 });
    return { dir: tmp.dir, key, queuey, client };
  }

  test(`every POST answered 201 survives ${INGEST_KILLS} kills during ingest`, async () => {
    const { queuey, client } = await startQueuey();
    const queue = `ingest${Date.now()}`;
    await client.createQueue({ queueName: queue, partitions: 4 });
    const random = rng(SEED);
    const acked = new Set<string>();
    let failures = 0;
    for (let round = 0; round < INGEST_KILLS; round++) {
      let stop = false;
      const poster = async (n: number) => {
        for (let i = 0; !stop; i++) {
          try {
            const batch = Array.from({ length: 1 + (i % 5) }, (_, j) => ({
              body: `${round}.${n}.${i}.${j}`,
            }));
            for (const m of await client.postMessages(queue, batch)) acked.add(m.key);
          } catch {
            failures += 1;
            return;
          }
        }
      };
      const posters = Array.from({ length: 4 }, (_, n) => poster(n));
      const before = acked.size;
      await until('some posts answered', () => acked.size > before + 50);
      await new Promise((r) => setTimeout(r, between(random, 0, 300)));
      await queuey.kill();
      await Promise.all(posters);
      stop = true;
      await queuey.start();
    }
    const stored = new Set<string>();
    for (let p = 1; p <= 4; p++) {
      for await (const m of client.iterateMessages(queue, { partition: p, pageSize: 1000 })) {
        stored.add(m.message_id);
      }
    }
    const lost = [...acked].filter((id) => !stored.has(id));
    expect(lost, 'acknowledged messages missing after restart').toEqual([]);
    expect(failures).toBeGreaterThan(0); // the kills did hit posters in flight
    console.log(
      `[server-crash ${backend}] seed ${SEED}: ${INGEST_KILLS} kills, ${acked.size} acknowledged, ` +
        `${stored.size} stored, ${failures} posters cut off`,
    );
  });

  test(`a draining worker rides out ${OUTAGES} outages, logging each once`, async () => {
    const { dir, key, queuey, client } = await startQueuey();
    await client.createQueue({ queueName: 'drain', partitions: 4 });
    const posted = await postNumbered({ client, queue: 'drain', count: DRAIN, partitions: 4 });
    const records = join(dir, 'records.log');
    const worker = workerFactory({
      dir,
      connection: queuey.appRoot(),
      appKey: key,
      records,
      batchSize: 20,
      concurrency: 4,
      jobMs: 4,
    })();
    const random = rng(SEED + 1);
    const down = /Queuey server unreachable/g;
    const up = /Queuey server reachable again/g;
    const count = (re: RegExp) => worker.output.match(re)?.length ?? 0;
    for (let outage = 1; outage <= OUTAGES; outage++) {
      const before = readRecords(records).length;
      await until('the worker to make progress', () => readRecords(records).length > before + 40);
      await queuey.kill();
      await until('the worker to log the outage', () => count(down) >= outage, 20_000);
      await new Promise((r) => setTimeout(r, between(random, 200, 1500)));
      await queuey.start();
      await until('the worker to log the recovery', () => count(up) >= outage, 60_000);
    }
    await until(
      'every message processed',
      () => tally(readRecords(records)).distinct >= DRAIN,
      60_000,
    );
    expect((await worker.stop('SIGTERM')).code).toBe(0);
    const ran = new Set(readRecords(records).map((r) => r.id));
    expect(posted.filter((id) => !ran.has(id))).toEqual([]);
    expect(count(down), worker.output).toBe(OUTAGES);
    expect(count(up), worker.output).toBe(OUTAGES);
    // Backed off, not spinning: waits of at least 0.4 s doubling allow only
    // about log2(seconds) failed attempts per outage.
    const recoveries = [
      ...worker.output.matchAll(/reachable again after ([\d.]+) s \((\d+) failed attempts\)/g),
    ];
    expect(recoveries).toHaveLength(OUTAGES);
    for (const [, seconds, attempts] of recoveries) {
      expect(Number(attempts)).toBeLessThanOrEqual(
        Math.floor(Math.log2(Number(seconds) / 0.4 + 1)) + 2,
      );
    }
    console.log(
      `[server-crash ${backend}] ${OUTAGES} outages: ${count(down)} "unreachable" lines, ` +
        `${tally(readRecords(records)).duplicates} repeats`,
    );
  });
});
