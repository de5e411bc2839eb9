import { afterEach, describe, expect, it } from 'vitest';
import {
  httpStatus,
  isConflict,
  isNotFound,
  type Message,
  QueueyClient,
  QueueyHTTPError,
  QueueyTimeoutError,
} from '../src/index.js';
import { defaultRetryDelay } from '../src/options.js';
import { fakeClock, type RawServer, renderings, startRawServer } from './helpers.js';
import { KEY, startQueuey, stopAll, uniqueName } from './queuey.js';

// The two ways a request goes: ky over fetch (every request when a `fetch`
// is given, and all but the hot ones otherwise) and the lean node:http path
// of the hot ones (reads, long-polls, the status PUT, a single plain post).
const PATHS = {
  lean: {},
  ky: { fetch: globalThis.fetch },
} as const;
type Path = keyof typeof PATHS;

const opened: RawServer[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await stopAll();
});

function clientOf(
  path: Path,
  connection: string | string[],
  extra: Partial<ConstructorParameters<typeof QueueyClient>[0]> = {},
) {
  return new QueueyClient({ connection, appKey: KEY, ...PATHS[path], ...extra });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => expect.fail('the request succeeded'),
    (e: unknown) => e as Error,
  );
  for (const text of renderings(error)) expect(text).not.toContain(KEY);
  return error;
}

async function raw(handle: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
  const server = await startRawServer(handle);
  opened.push(server);
  return server;
}

describe.each(['lean', 'ky'] as const)('the %s request path', (path) => {
  it('throws QueueyTimeoutError when the answer does not come in time, once per round', async () => {
    const stall = await raw(() => {});
    const client = clientOf(path, `${stall.url}/v1/queuey/`, {
      timeout: 100,
      retries: 1,
      retryDelay: () => 1,
      clock: fakeClock(),
    });
    for (const request of [() => client.messages('q'), () => client.listQueues()]) {
      const error = await failure(request());
      expect(error).toBeInstanceOf(QueueyTimeoutError);
      expect(error).toMatchObject({ code: 'QUEUEY_CLIENT_TIMEOUT', method: 'GET', timeout: 100 });
      expect(error.message).toMatch(/no answer within 100 ms from any Queuey server/);
    }
    expect(stall.requests).toHaveLength(4);
  });

  it('times out an answer whose body stalls after its head (lean: the whole exchange)', async () => {
    const server = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"ok","messages":[');
    });
    const client = clientOf(path, `${server.url}/v1/queuey/`, { timeout: 100, retries: 0 });
    if (path === 'lean') {
      expect(await failure(client.messages('q'))).toBeInstanceOf(QueueyTimeoutError);
    } else {
      // ky's timeout ends at the answer's head; the body read is the signal's (and undici's).
      const controller = new AbortController();
      const pending = client.messages('q', { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('stop now')), 300);
      await expect(pending).rejects.toThrow('stop now');
    }
  });

  it('turns an HTTP error answer into a typed error with status, error_msg and the URL without key', async () => {
    const server = await startQueuey();
    const client = clientOf(path, server.root);
    const missing = uniqueName('missing');
    const notFound = await failure(client.postMessage(missing, 'x'));
    expect(notFound).toBeInstanceOf(QueueyHTTPError);
    expect([httpStatus(notFound), isNotFound(notFound)]).toEqual([404, true]);
    expect(notFound).toMatchObject({ method: 'POST', url: `${server.root}${missing}` });
    expect((notFound as QueueyHTTPError).errorMsg).toBeTypeOf('object');
    expect(notFound.message).toMatch(new RegExp(`^POST ${server.root}${missing} answered 404`));
    // ky's HTTPError (it holds the request and its authorization header) stays inside.
    expect(notFound.cause).toBeUndefined();

    const queue = uniqueName();
    await client.createQueue({ queueName: queue });
    const [posted] = await client.postMessages(queue, [{ body: 'a', partition: 1 }]);
    const ref = { partition: 1, id: posted?.key as string };
    const lost = await failure(client.putMessages(queue, [ref], 'b', { ifMatch: '"stale"' }));
    expect([httpStatus(lost), isConflict(lost)]).toEqual([412, true]);
  });

  it('fails over to the next real server when the one in use stops', async () => {
    const servers = [await startQueuey(), await startQueuey()];
    const client = clientOf(
      path,
      servers.map((s) => s.root),
      { retryDelay: () => 1, clock: fakeClock() },
    );
    const queue = uniqueName();
    for (const server of servers) {
      const direct = new QueueyClient({ connection: server.root, appKey: KEY });
      await direct.createQueue({ queueName: queue });
      await direct.postMessage(queue, server.root, { partition: 1 });
    }
    const first = servers.find((s) => s.root === client.server) as (typeof servers)[number];
    const second = servers.find((s) => s !== first) as (typeof servers)[number];
    const bodies = async () => (await client.messages(queue)).map((m) => m.body);
    expect(await bodies()).toEqual([first.root]);

    await first.close();
    expect(await bodies()).toEqual([second.root]);
    const fetched = await client.fetch(queue, { positions: [{ partition: 1 }], wait: 1 });
    expect(fetched.map((m) => m.body)).toEqual([second.root]);
    const ref = { partition: 1, id: fetched[0]?.message_id as string };
    expect(await client.putMessages(queue, [ref], 'put')).toMatch(/^"/);
    await client.postMessage(queue, 'posted', { partition: 1 });
    expect(await bodies()).toEqual(['put', 'posted']);
    expect(client.server).toBe(second.root);
  });

  it('hands over the answer headers: the ETag of a PUT is the one a read sees and a PUT matches', async () => {
    const server = await startQueuey();
    const client = clientOf(path, server.root);
    const queue = uniqueName();
    await client.createQueue({ queueName: queue });
    const [posted] = await client.postMessages(queue, [{ body: 'a', partition: 1 }]);
    const ref = { partition: 1, id: posted?.key as string };
    const etag = await client.putMessages(queue, [ref], 'b');
    expect(etag).toMatch(/^"/);
    expect((await client.getMessage(queue, ref))?.etag).toBe(etag);
    const next = await client.putMessages(queue, [ref], 'c', { ifMatch: etag as string });
    expect(next).not.toBe(etag);

    let seen: string | null = null;
    await client.request('GET', `${queue}/1%3A${ref.id}`, {
      onHeaders: (headers) => {
        seen = headers.get('etag');
      },
    });
    expect(seen).toBe(next);
  });
});

describe('the lean path', () => {
  it('carries the hot requests on Node, and a given fetch carries everything', async () => {
    const server = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok","messages":[],"queues":[]}');
    });
    // fetch (undici) sends sec-fetch-mode on every request; node:http does not.
    const viaFetch = () => server.requests.map((r) => r.headers['sec-fetch-mode'] !== undefined);
    const lean = clientOf('lean', `${server.url}/v1/queuey/`);
    await lean.messages('q');
    await lean.fetch('q', { positions: [{ partition: 1 }] });
    await lean.listQueues();
    await lean.postMessages('q', [{ body: 'a batch post goes the lean way too' }]);
    expect(viaFetch()).toEqual([false, false, true, false]);
    expect(server.requests.at(-1)?.headers['content-type']).toBe('application/json');
    server.requests.length = 0;
    const ky = clientOf('ky', `${server.url}/v1/queuey/`);
    await ky.messages('q');
    await ky.fetch('q', { positions: [{ partition: 1 }] });
    expect(viaFetch()).toEqual([true, true]);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe(`Application ${KEY}`);
      expect(request.headers.accept).toBe('application/json');
    }
  });

  it('gives the same answers and errors as ky for the same requests', async () => {
    const server = await startQueuey({ maxAnswerBytes: 1000 });
    const run = async (path: Path) => {
      const client = clientOf(path, server.root);
      const queue = uniqueName(`same-${path}`);
      const seen: unknown[] = [];
      const outcome = async (request: () => Promise<unknown>) => {
        try {
          seen.push(await request());
        } catch (error) {
          const e = error as QueueyHTTPError;
          const message = e.message.replace(queue, 'Q').replace(/[0-9a-f]{32}/g, 'ID');
          seen.push({ name: e.name, status: e.status, message });
        }
      };
      const shape = (messages: Message[]) =>
        messages.map((m) => [m.body, m.partition, m.content_type, m.headers]);
      await outcome(() => client.messages(queue));
      await client.createQueue({ queueName: queue, partitions: 2 });
      for (const body of ['é'.repeat(300), 'ü'.repeat(300)]) {
        await outcome(
          async () => (await client.postMessage(queue, body, { partition: 1 })).partition,
        );
      }
      await outcome(async () => {
        const posted = await client.postMessage(queue, 'two', { partition: 2, ttl: 60 });
        return posted.partition;
      });
      await outcome(async () => shape(await client.messages(queue, { partitions: [1, 2] })));
      let partial: number[] = [];
      await outcome(async () =>
        shape(
          await client.fetch(queue, {
            positions: [{ partition: 1 }, { partition: 2 }],
            wait: 1,
            onPartial: (cut) => {
              partial = cut;
            },
          }),
        ),
      );
      seen.push(partial);
      const [first] = await client.messages(queue, { partition: 1 });
      const ref = { partition: 1, id: first?.message_id as string };
      await outcome(async () => typeof (await client.putMessages(queue, [ref], 'new')));
      await outcome(() => client.putMessages(queue, [ref], 'x', { ifMatch: '"stale"' }));
      await outcome(() => client.putMessages(queue, [ref], 'x', { ifNoneMatch: true }));
      await outcome(() => client.postMessage(queue, 'x', { partition: 9 }));
      await outcome(() => client.fetch(queue, { positions: [{ partition: 9 }] }));
      return seen;
    };
    const lean = await run('lean');
    expect(lean).toHaveLength(12);
    expect(lean).toEqual(await run('ky'));
  });
});

describe('the retry delay', () => {
  it('is the common back-off: 100 ms doubling up to 2 s, each within ±50 %', () => {
    for (let round = 1; round <= 8; round++) {
      const base = Math.min(100 * 2 ** (round - 1), 2000);
      for (let i = 0; i < 50; i++) {
        const delay = defaultRetryDelay(round);
        expect(delay).toBeGreaterThanOrEqual(base * 0.5);
        expect(delay).toBeLessThan(base * 1.5);
      }
    }
  });
});
