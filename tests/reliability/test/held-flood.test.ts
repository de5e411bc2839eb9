// 800 anonymous long-polls on a public queue, re-issued as they end, must not
// starve a worker draining another queue: held reads have a budget of their
// own, past it a poll is refused at once (429/503), and at the connection
// limit an anonymous poll's connection goes before a worker's.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { QueueyClient } from '@qdo/queuey-client';
import { ADMISSION_DEFAULTS } from '@qdo/queuey-server';
import { afterEach, expect, test } from 'vitest';
import { scale, until } from './support/env.js';
import { postNumbered, tempDir } from './support/fixture.js';
import { startFloodProcess } from './support/poll-flood.js';
import { QueueyProcess } from './support/queuey.js';
import { newKey } from './support/secrets.js';
import { readRecords, workerFactory } from './support/worker.js';

const FLOOD = 800;
// 100 addresses x 8 polls: each address is over its share (4), and together
// over the anonymous total (128), so both refusals happen.
const ADDRESSES = Array.from({ length: 100 }, (_, i) => `127.0.1.${i + 1}`);
const PER_ADDRESS = FLOOD / ADDRESSES.length;
const PHASE_MS = scale(8_000, 30_000);
const TOP_UP = 500;
const BACKLOG = 2_000;
const PARTITIONS = 4;
// Generous for a shared 2-core machine (measured at the client, connecting
// included, 800 polls in one process); a poll held instead takes its 30 s.
const REFUSAL_P99_MS = 8_000;

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** The open-file limit this test's processes inherit. */
function openFileLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
}

/** Lines in a growing file, read incrementally. */
function lineCounter(file: string): () => number {
  let offset = 0;
  let lines = 0;
  return () => {
    if (!existsSync(file)) return 0;
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(1 << 16);
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, offset);
        if (read === 0) return lines;
        for (let i = 0; i < read; i++) if (buffer[i] === 10) lines++;
        offset += read;
      }
    } finally {
      closeSync(fd);
    }
  };
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
};

test('a worker keeps at least half its rate while 800 anonymous long-polls flood a public queue', async () => {
  // The flood's 800 sockets live in one process, the server's (at most 768) in its own.
  expect(openFileLimit(), 'ulimit -n too low for 800 sockets in one process').toBeGreaterThan(
    FLOOD + 100,
  );
  const tmp = tempDir('held-flood');
  const key = newKey();
  const server = new QueueyProcess({ dir: tmp.dir, apps: { queuey: key, pub: newKey() } });
  cleanup.push(tmp.remove, () => server.stop());
  await server.start();
  const client = new QueueyClient({ connection: server.appRoot('queuey'), appKey: key });
  await client.createQueue({ queueName: 'work', partitions: PARTITIONS });
  const pub = new QueueyClient({
    connection: server.appRoot('pub'),
    appKey: server.options.apps.pub as string,
  });
  await pub.createQueue({ queueName: 'open', type: 'public' });
  const records = join(tmp.dir, 'records.log');
  const worker = workerFactory({
    dir: tmp.dir,
    connection: server.appRoot('queuey'),
    appKey: key,
    records,
    batchSize: 20,
    concurrency: PARTITIONS,
  })();
  cleanup.push(async () => {
    await worker.stop('SIGKILL');
  });

  let posted = 0;
  const ran = lineCounter(records);
  /**
   * Messages per second the worker runs over `PHASE_MS`, its queue kept
   * `BACKLOG` deep: long enough for refused polls to come back several times.
   */
  const rate = async () => {
    const startRan = ran();
    const started = performance.now();
    while (performance.now() - started < PHASE_MS) {
      if (posted - ran() < BACKLOG) {
        await postNumbered({ client, queue: 'work', count: TOP_UP, partitions: PARTITIONS });
        posted += TOP_UP;
      } else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return (ran() - startRan) / ((performance.now() - started) / 1000);
  };

  // The worker is up before anything is timed.
  await postNumbered({ client, queue: 'work', count: TOP_UP, partitions: PARTITIONS });
  posted += TOP_UP;
  await until('the worker runs', () => ran() > 0);
  // Measured before and after the flood; the machine is shared and its load
  // drifts (2x between the two is common), so the lower one is the baseline.
  const before = await rate();
  const flood = await startFloodProcess({
    url: server.url,
    path: '/v1/pub/open?wait=30',
    addresses: ADDRESSES,
    perAddress: PER_ADDRESS,
    durationMs: 180_000,
  });
  cleanup.push(async () => {
    await flood.stop();
  });
  // In full swing: every poll went out and at least half were refused (or,
  // on a server without held-read budgets, nearly all are held).
  await until('the flood in full swing', async () => {
    const { tally, inFlight } = await flood.read();
    const refused = tally.refused[429] + tally.refused[503];
    return tally.sent >= FLOOD && (refused >= FLOOD / 2 || inFlight >= FLOOD - 100);
  });
  const flooded = await rate();
  const { tally, inFlight } = await flood.stop();
  const after = await rate();
  const baseline = Math.min(before, after);
  await until('the worker ran every message', () => ran() >= posted, 120_000);

  const p99 = percentile(tally.refusalMs, 99);
  console.log(
    `[held-flood] worker ${before.toFixed(0)}/${after.toFixed(0)} msg/s alone (before/after), ${flooded.toFixed(0)} msg/s under ${FLOOD} anonymous polls; ` +
      `polls: ${tally.held} held to the end, ${tally.refused[429]}x429, ${tally.refused[503]}x503 ` +
      `(p50 ${percentile(tally.refusalMs, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${percentile(tally.refusalMs, 100).toFixed(0)} ms), ` +
      `${tally.errors} without an answer, ${inFlight} held when stopped, other ${JSON.stringify(tally.other)}`,
  );
  expect(flooded).toBeGreaterThanOrEqual(baseline / 2);
  expect(tally.refused[429]).toBeGreaterThan(0);
  expect(tally.refused[503]).toBeGreaterThan(0);
  expect(p99).toBeLessThan(REFUSAL_P99_MS);
  expect(tally.other).toEqual({});
  // Anonymous readers still got held reads: the anonymous budget was in use.
  expect(inFlight).toBeGreaterThanOrEqual(ADMISSION_DEFAULTS.maxAnonymousWaits / 2);
  // Each message ran once: the worker never lost its place.
  const runs = readRecords(records);
  expect(new Set(runs.map((r) => r.id)).size).toBe(posted);
  expect(runs).toHaveLength(posted);
  expect(worker.output).not.toMatch(/unreachable/);
});
