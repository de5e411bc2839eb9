import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QUERY_PARAMETERS } from '@qdo/test-utils';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import { limitRequest } from './support/fuzz-limits.js';
import { KEY, send } from './support/http-fixture.js';

// Seeded, so a failure replays: QUEUEY_FUZZ_SEED=<n> tries another sequence.
const SEED = Number(process.env.QUEUEY_FUZZ_SEED ?? 20_121_126);
let dir: string;
let server: RunningServer;
const unexpected: unknown[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'queuey-fuzz-'));
  server = await startServer({
    port: 0,
    db: join(dir, 'queuey.db'),
    applications: { queuey: KEY },
    bodyLimit: 4096,
    maxMessageBytes: 1024,
    maxAnswerBytes: 2048,
    maxWait: 0,
    onError: (error) => unexpected.push(error),
  });
  await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'fuzz', partitions: 3 } });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const hex = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${min},${max}}$`));

// Raw text with the characters that break parsers: %, +, commas, colons, quotes, non-ASCII.
const junk = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^[%0-9A-Fa-fzZ:,+.\-=&]{0,40}$/),
  fc.constantFrom(
    '%',
    '%ZZ',
    '%C3%28',
    '%FF',
    '%E0%A4%A',
    '-1',
    '1e3',
    '0x10',
    '1.5',
    '99999999999999999999',
    ' 2 ',
    '',
  ),
);
const segment = fc.oneof(
  fc.constantFrom('v1', 'queuey', 'fuzz', '__heartbeat__'),
  junk,
  hex(30, 34),
);
const queryPart = fc.tuple(fc.constantFrom(...QUERY_PARAMETERS, 'x'), junk);
// Header values must be visible ASCII for fetch to send them at all.
const headerValue = fc.stringMatching(/^[\x21-\x7e]{0,30}$/);

it('answers bad paths, query strings, headers and bodies with a 4xx, never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH'),
      fc.oneof(
        fc.array(segment, { maxLength: 5 }),
        fc
          .tuple(fc.constant('v1'), fc.constant('queuey'), fc.constant('fuzz'), segment)
          .map((s) => [...s]),
        fc.constant(['v1', 'queuey', 'fuzz']),
      ),
      fc.array(queryPart, { maxLength: 4 }),
      fc.record({
        ttl: fc.option(headerValue),
        partition: fc.option(headerValue),
        json: fc.boolean(),
      }),
      fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), fc.json()),
      async (method, segments, query, headers, body) => {
        const path = `/${segments.join('/')}?${query.map(([k, v]) => `${k}=${v}`).join('&')}`;
        const hasBody = method !== 'GET' && method !== 'HEAD';
        const reply = await send(server.url, method, path.replaceAll('#', '%23'), {
          headers: {
            ...(headers.ttl === null ? {} : { 'x-ttl': headers.ttl }),
            ...(headers.partition === null ? {} : { 'x-partition': headers.partition }),
            'content-type': headers.json ? 'application/json' : 'text/plain',
          },
          ...(hasBody ? { body } : {}),
        });
        expect(reply.status, `${method} ${path}`).toBeLessThan(500);
        if (reply.status >= 400 && method !== 'HEAD') expect(reply.json?.status).toBe('error');
      },
    ),
    { numRuns: 400, seed: SEED },
  );
  expect(unexpected).toEqual([]);
}, 120_000);

it('answers arbitrary message id lists with 200 or 400 only', async () => {
  // Its own queue: the first property may well have deleted "fuzz".
  await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: 'fuzz-ids', partitions: 3 } });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.option(fc.oneof(fc.nat(), junk)), fc.oneof(hex(32, 32), junk)), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.constantFrom('GET', 'PUT', 'DELETE'),
      async (items, method) => {
        const ids = items.map(([p, id]) => (p === null ? id : `${p}:${id}`)).join(',');
        const reply = await send(
          server.url,
          method,
          `/v1/queuey/fuzz-ids/${encodeURIComponent(ids)}`,
          {
            ...(method === 'PUT' ? { body: 'x' } : {}),
          },
        );
        expect([200, 400]).toContain(reply.status);
      },
    ),
    { numRuns: 300, seed: SEED + 1 },
  );
  expect(unexpected).toEqual([]);
}, 120_000);

it('answers deep nesting, lone surrogates, huge numbers, extreme ids and oversized input below 500 over 10,000 requests', async () => {
  const queue = 'fuzz-limits';
  await send(server.url, 'POST', '/v1/queuey', { form: { queue_name: queue, partitions: 3 } });
  // Messages of every size up to the message limit, so reads meet the answer budget.
  for (const size of [1, 100, 500, 1000, 1024]) {
    for (const partition of [1, 2, 3]) {
      await send(server.url, 'POST', `/v1/queuey/${queue}`, {
        body: 'm'.repeat(size),
        headers: { 'content-type': 'text/plain', 'x-partition': String(partition) },
      });
    }
  }
  const statuses = new Map<number, number>();
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(limitRequest(queue), async (request) => {
      const reply = await send(server.url, request.method, request.path, {
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      sent += 1;
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      expect(reply.status, `${request.method} ${request.path.slice(0, 120)}`).toBeLessThan(500);
      if (reply.status >= 400) expect(reply.json?.status).toBe('error');
      if (reply.status === 200 && request.method === 'GET' && reply.json?.messages) {
        // The answer budget: one for the whole answer, past it only by its one first message.
        expect(reply.text.length).toBeLessThan(2048 + 3 * 1024 + 3 * 400);
      }
    }),
    { numRuns: 10_000, seed: SEED + 2 },
  );
  console.log(
    `fuzz of limits: ${sent} requests, ${[...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([status, count]) => `${count}x${status}`)
      .join(', ')}`,
  );
  expect(sent).toBeGreaterThanOrEqual(10_000);
  expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
  expect(unexpected).toEqual([]);
}, 300_000);
