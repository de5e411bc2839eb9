// Random paths, methods, headers, bodies and query strings (seeded
// fast-check) against a server in its own process: never a 5xx, never a
// crash, every error body is Queuey's JSON, and memory is flat afterwards.
import { connect } from 'node:net';
import { join } from 'node:path';
import { QUERY_PARAMETERS } from '@qdo/test-utils';
import fc from 'fast-check';
import { afterEach, expect, test } from 'vitest';
import { SEED, scale } from './support/env.js';
import { tempDir } from './support/fixture.js';
import { newKey } from './support/secrets.js';
import { type ChildServer, startChildServer } from './support/server-child.js';

const REQUESTS = scale(500, 10_000);

let server: ChildServer | undefined;
let removeDir: (() => void) | undefined;
afterEach(async () => {
  await server?.proc.stop('SIGTERM');
  removeDir?.();
  server = removeDir = undefined;
});

const junk = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.stringMatching(/^[%0-9A-Fa-fzZ:,;+.\-=&/]{0,60}$/),
  fc.constantFrom(
    '%',
    '%ZZ',
    '%C3%28',
    '%00',
    '%FF',
    '..',
    '-1',
    '1e400',
    'NaN',
    '99999999999999999999',
    '',
  ),
);
const ids = fc.array(fc.oneof(fc.stringMatching(/^([0-9]{1,3}(:|%3A))?[0-9a-f]{32}$/), junk), {
  maxLength: 4,
});

test(`${REQUESTS} random requests: no 5xx, no crash, JSON errors, flat memory`, async () => {
  const tmp = tempDir('fuzz');
  removeDir = tmp.remove;
  const key = newKey();
  const other = newKey();
  server = await startChildServer({
    db: join(tmp.dir, 'queuey.db'),
    applications: { queuey: key, other },
    maxWait: 1,
    bodyLimit: 64 * 1024,
  });
  const base = server.url;
  const create = async (k: string, application: string, form: string) => {
    const created = await fetch(`${base}/v1/${application}`, {
      method: 'POST',
      headers: {
        authorization: `Application ${k}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form,
    });
    expect(created.status).toBe(201);
  };
  await create(key, 'queuey', 'queue_name=fuzz&partitions=3');
  await create(key, 'queuey', 'queue_name=q-1&partitions=2&principles=app:other');
  await create(other, 'other', 'queue_name=pub&type=public');
  const auth = fc.oneof(
    fc.constant(undefined),
    fc.constant(`Application ${key}`),
    fc.constant(`Application ${key}`),
    fc.constantFrom(
      `Application ${key}`,
      `Application ${other}`,
      `application ${key};Application ${other}`,
    ),
    fc.constantFrom(
      'Application ',
      'Application nope',
      'Basic abc',
      `Application ${key};junk`,
      ';;;',
    ),
    fc.stringMatching(/^[\x21-\x7e ]{0,80}$/),
  );
  // Mostly requests that reach the handlers, so the fields are what is fuzzed.
  const app = fc.oneof(
    { arbitrary: fc.constant('queuey'), weight: 4 },
    { arbitrary: fc.constantFrom('other', 'nobody', '', '%71ueuey'), weight: 1 },
  );
  const queue = fc.oneof(
    { arbitrary: fc.constantFrom('fuzz', 'pub', 'q-1'), weight: 4 },
    { arbitrary: fc.constantFrom('x'.repeat(51), 'qdo_status'), weight: 1 },
    { arbitrary: junk, weight: 1 },
  );
  const path = fc.oneof(
    {
      arbitrary: fc.tuple(app, queue, ids).map(([a, q, i]) => `/v1/${a}/${q}/${i.join(',')}`),
      weight: 3,
    },
    { arbitrary: fc.tuple(app, queue).map(([a, q]) => `/v1/${a}/${q}`), weight: 4 },
    { arbitrary: app.map((a) => `/v1/${a}`), weight: 2 },
    {
      arbitrary: fc.constantFrom('/__heartbeat__', '/', '/v1', '/v2/queuey', '//v1//queuey//'),
      weight: 1,
    },
    {
      arbitrary: fc
        .array(junk, { maxLength: 5 })
        .map((parts) => `/${parts.map(encodeURIComponent).join('/')}`),
      weight: 1,
    },
  );
  const query = fc
    .array(
      fc.tuple(
        fc.constantFrom(...QUERY_PARAMETERS, 'zz'),
        fc.oneof(
          junk,
          fc.integer().map(String),
          fc.constantFrom('0', '1', '1000', '1001', 'true', 'descending'),
        ),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => new URLSearchParams(pairs).toString());
  const contentType = fc.constantFrom(
    undefined,
    'application/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'multipart/form-data',
    'text/plain; charset=utf-16',
    'application/json; charset=latin1',
  );
  const body = fc.oneof(
    fc.constant(undefined),
    junk,
    fc.json(),
    fc
      .array(
        fc.record({
          body: fc.oneof(junk, fc.json()),
          ttl: fc.jsonValue(),
          partition: fc.jsonValue(),
        }),
        { maxLength: 4 },
      )
      .map((messages) => JSON.stringify({ messages })),
    fc
      .dictionary(
        fc.constantFrom('queue_name', 'partitions', 'type', 'consistency', 'principles'),
        junk,
      )
      .map((d) => new URLSearchParams(d).toString()),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  const headerish = fc.stringMatching(/^[\x21-\x7e]{0,20}$/);
  const request = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'),
    path,
    query,
    auth,
    contentType,
    body,
    ttl: fc.option(headerish),
    partition: fc.option(headerish),
  });

  const seen: Record<number, number> = {};
  const check = async (r: typeof request extends fc.Arbitrary<infer T> ? T : never) => {
    const headers: Record<string, string> = {};
    if (r.auth !== undefined) headers.authorization = r.auth;
    if (r.contentType) headers['content-type'] = r.contentType;
    if (r.ttl !== null) headers['x-ttl'] = r.ttl;
    if (r.partition !== null) headers['x-partition'] = r.partition;
    const hasBody = r.body !== undefined && !['GET', 'HEAD'].includes(r.method);
    let url: string;
    try {
      // Concatenated, not resolved: a path like //x must stay a path.
      url = new URL(`${base}${r.path}?${r.query}`).toString();
    } catch {
      return; // not a URL fetch can send; the raw-socket test covers those
    }
    const answer = await fetch(url, {
      method: r.method,
      headers,
      body: hasBody ? r.body : undefined,
    });
    const text = await answer.text();
    seen[answer.status] = (seen[answer.status] ?? 0) + 1;
    const deleted = /^\/v1\/queuey\/(fuzz|q-1)$/.exec(r.path);
    if (r.method === 'DELETE' && deleted && answer.status === 200)
      await create(key, 'queuey', `queue_name=${deleted[1]}`);
    expect(answer.status, `${r.method} ${url} -> ${text}`).toBeLessThan(500);
    if (answer.status >= 400 && r.method !== 'HEAD') {
      const parsed = JSON.parse(text) as { status: string };
      expect(parsed.status, `${r.method} ${url}`).toBe('error');
    }
  };

  // Warm up (JIT, caches, prepared statements) before the baseline.
  await fc.assert(fc.asyncProperty(request, check), { seed: SEED, numRuns: 100 });
  const before = await server.memory();
  await fc.assert(fc.asyncProperty(request, check), { seed: SEED + 1, numRuns: REQUESTS });
  const after = await server.memory();

  expect(server.proc.running).toBe(true);
  expect((await fetch(`${base}/__heartbeat__`)).status).toBe(200);
  expect(after.errors, 'errors the server reported').toEqual([]);
  const heapGrowth = after.memory.heapUsed - before.memory.heapUsed;
  const rssGrowth = after.memory.rss - before.memory.rss;
  expect(heapGrowth).toBeLessThan(scale(8, 16) * 2 ** 20);
  expect(rssGrowth).toBeLessThan(scale(48, 96) * 2 ** 20);
  console.log(
    `[bad-input] seed ${SEED}: ${REQUESTS} requests, statuses ${JSON.stringify(seen)}; ` +
      `heap ${mb(before.memory.heapUsed)} -> ${mb(after.memory.heapUsed)} MB, ` +
      `rss ${mb(before.memory.rss)} -> ${mb(after.memory.rss)} MB`,
  );
});

const mb = (n: number) => (n / 2 ** 20).toFixed(1);

test('malformed HTTP on a raw socket is refused without a crash', async () => {
  const tmp = tempDir('raw');
  removeDir = tmp.remove;
  server = await startChildServer({
    db: join(tmp.dir, 'queuey.db'),
    applications: { queuey: newKey() },
  });
  const { port } = new URL(server.url);
  const inputs = [
    'GARBAGE\r\n\r\n',
    'GET /v1/queuey HTTP/9.9\r\n\r\n',
    `GET /${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(70_000)}\r\n\r\n`,
    'POST /v1/queuey/q HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'POST /v1/queuey/q HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nshort',
    '\u0000\u0001\u0002\r\n\r\n',
  ];
  for (const input of inputs) {
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.setEncoding('latin1');
      socket.on('data', (d) => {
        data += d;
      });
      socket.on('error', () => resolve(data));
      socket.on('close', () => resolve(data));
      socket.write(input);
      setTimeout(() => socket.end(), 200);
    });
    expect(
      reply.startsWith('HTTP/1.1 5'),
      `${JSON.stringify(input.slice(0, 40))} -> ${reply.slice(0, 80)}`,
    ).toBe(false);
  }
  expect(server.proc.running).toBe(true);
  expect((await fetch(`${server.url}/__heartbeat__`)).status).toBe(200);
});
