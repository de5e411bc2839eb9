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
  const created = await fetch(`${queuey.url}/v1/queuey`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'queue_name=load&partitions=8',
  });
  expect(created.status).toBe(201);

  // A run stopped by time cuts off requests in flight, whose posts are then
  // stored but never counted. So: measure the rate for a second (reads
  // only), then give each connection a fixed number of requests that takes
  // about SECONDS, and every answer arrives before the run ends.
  const warmup = await autocannon({
    url: queuey.url,
    connections: CONNECTIONS,
    duration: 1,
    requests: [{ method: 'GET', path: '/v1/queuey?details=true', headers: auth }],
  });
  const perConnection = Math.max(
    4,
    Math.ceil((warmup.requests.average * SECONDS) / CONNECTIONS / 4) * 4,
  );
  let posted = 0;
  const result = await autocannon({
    url: queuey.url,
    connections: CONNECTIONS,
    maxConnectionRequests: perConnection,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/v1/queuey/load',
        headers: { ...auth, 'content-type': 'text/plain' },
        body: 'a message of some thirty bytes',
        onResponse: (status) => {
          if (status === 201) posted += 1;
        },
      },
      { method: 'GET', path: '/v1/queuey/load?partitions=1,2,3,4,5,6,7,8&limit=20', headers: auth },
      {
        method: 'POST',
        path: '/v1/queuey/load',
        headers: { ...auth, 'content-type': 'text/plain' },
        body: 'x',
        onResponse: (status) => {
          if (status === 201) posted += 1;
        },
      },
      { method: 'GET', path: '/v1/queuey?details=true', headers: auth },
    ],
  });
  const list = (await (
    await fetch(`${queuey.url}/v1/queuey?details=true&include_count=true`, { headers: auth })
  ).json()) as { queues: { queue_name: string; count: number }[] };
  const count = list.queues.find((q) => q.queue_name === 'load')?.count;

  expect(result.errors).toBe(0);
  expect(result.timeouts).toBe(0);
  expect(result.non2xx).toBe(0);
  expect(posted).toBeGreaterThan(0);
  expect(count).toBe(posted);
  console.log(
    `[load] ${result.duration} s (target ${SECONDS}), ${CONNECTIONS} connections: ${result.requests.total} requests ` +
      `(${Math.round(result.requests.average)}/s), ${posted} posted, count ${count}; ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
  );
});
