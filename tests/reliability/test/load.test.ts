// autocannon against `queuey serve` (its own process) with 50 connections,
// mixed reads and posts: no errors, no non-2xx, p99 reported, and the
// server's count afterwards equals the number of 201 answers.
import autocannon from 'autocannon';
import { afterEach, expect, test } from 'vitest';
import { scale } from './support/env.js';
import { tempDir } from './support/fixture.js';
import { QueueyProcess } from './support/queuey.js';
import { newKey } from './support/secrets.js';

const SECONDS = scale(5, 30);
const CONNECTIONS = 50;

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

test(`${SECONDS} s of mixed GET and POST over ${CONNECTIONS} connections: no errors, nothing lost`, async () => {
  const tmp = tempDir('load');
  const key = newKey();
  const queuey = new QueueyProcess({ dir: tmp.dir, apps: { queuey: key } });
  stop = async () => {
    await queuey.stop();
    tmp.remove();
  };
  await queuey.start();
  const auth = { authorization: `Application ${key}` };
  for (const queue of ['load', 'warmup']) {
    const created = await fetch(`${queuey.url}/v1/queuey`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: `queue_name=${queue}&partitions=8`,
    });
    expect(created.status).toBe(201);
  }
  let posted = 0;
  const count201 = (status: number) => {
    if (status === 201) posted += 1;
  };
  const mix = (queue: string, onResponse?: (status: number) => void) => {
    const post = (body: string) => ({
      method: 'POST' as const,
      path: `/v1/queuey/${queue}`,
      headers: { ...auth, 'content-type': 'text/plain' },
      body,
      ...(onResponse ? { onResponse } : {}),
    });
    return [
      post('a message of some thirty bytes'),
      {
        method: 'GET' as const,
        path: `/v1/queuey/${queue}?partitions=1,2,3,4,5,6,7,8&limit=20`,
        headers: auth,
      },
      post('x'),
      { method: 'GET' as const, path: '/v1/queuey?details=true', headers: auth },
    ];
  };

  // A run stopped by the clock cuts off requests in flight, whose posts are
  // then stored but never counted. So: measure the rate of the same mix for
  // two seconds on another queue, then give each connection a fixed number
  // of requests that takes about SECONDS; every answer arrives before the end.
  let rate = (
    await autocannon({
      url: queuey.url,
      connections: CONNECTIONS,
      duration: 2,
      requests: mix('warmup'),
    })
  ).requests.average;
  // Runs of a fixed request quota until SECONDS have passed; each sized from
  // the rate of the one before, as the machine's load changes.
  const runs: autocannon.Result[] = [];
  const started = Date.now();
  for (let left = SECONDS; left > 0.5; left = SECONDS - (Date.now() - started) / 1000) {
    const perConnection = Math.max(4, Math.ceil((rate * left) / CONNECTIONS / 4) * 4);
    const run = await autocannon({
      url: queuey.url,
      connections: CONNECTIONS,
      maxConnectionRequests: perConnection,
      // A generous ceiling only: the request quota must end the run, not the clock.
      duration: SECONDS * 20,
      timeout: 10,
      requests: mix('load', count201),
    });
    expect(run.requests.total).toBe(perConnection * CONNECTIONS); // every request answered
    rate = run.requests.average || rate;
    runs.push(run);
  }
  const seconds = (Date.now() - started) / 1000;
  const list = (await (
    await fetch(`${queuey.url}/v1/queuey?details=true&include_count=true`, { headers: auth })
  ).json()) as { queues: { queue_name: string; count: number }[] };
  const count = list.queues.find((q) => q.queue_name === 'load')?.count;

  const sum = (f: (r: autocannon.Result) => number) => runs.reduce((n, r) => n + f(r), 0);
  const worst = (f: (r: autocannon.Result) => number) => Math.max(...runs.map(f));
  expect(sum((r) => r.errors)).toBe(0);
  expect(sum((r) => r.timeouts)).toBe(0);
  expect(sum((r) => r.non2xx)).toBe(0);
  expect(posted).toBeGreaterThan(0);
  expect(count).toBe(posted);
  const total = sum((r) => r.requests.total);
  console.log(
    `[load] ${seconds.toFixed(1)} s in ${runs.length} run(s), ${CONNECTIONS} connections: ${total} requests ` +
      `(${Math.round(total / seconds)}/s), ${posted} posted, count ${count}; latency (worst run) ` +
      `p50 ${worst((r) => r.latency.p50)} ms, p99 ${worst((r) => r.latency.p99)} ms, max ${worst((r) => r.latency.max)} ms`,
  );
});
