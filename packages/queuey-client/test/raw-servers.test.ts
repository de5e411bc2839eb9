import { afterEach, describe, expect, it } from 'vitest';
import {
  isQueueyError,
  QueueyBadResponseError,
  QueueyClient,
  QueueyConnectionError,
  QueueyHTTPError,
  QueueyTimeoutError,
} from '../src/index.js';
import {
  closedPort,
  eventually,
  fakeClock,
  type RawServer,
  renderings,
  startRawServer,
} from './helpers.js';

// Answers a real Queuey never gives: stalls, proxy error pages, cut-off JSON.
const KEY = 'sekrit-app-key-4f2a9c';
const opened: RawServer[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function raw(handle: Parameters<typeof startRawServer>[0]): Promise<RawServer> {
  const server = await startRawServer(handle);
  opened.push(server);
  return server;
}

const stalling = () => raw(() => {});
const answering = (status: number, type: string, body: string) =>
  raw((_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  });
const okJson = () => answering(200, 'application/json', '{"status":"ok","queues":[]}');

function client(
  urls: string[],
  extra: Partial<ConstructorParameters<typeof QueueyClient>[0]> = {},
) {
  return new QueueyClient({
    connection: urls.map((u) => `${u}/v1/queuey/`),
    appKey: KEY,
    timeout: 150,
    retries: 1,
    clock: fakeClock(),
    retryDelay: () => 1,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    for (const text of renderings(error)) expect(text).not.toContain(KEY);
    return error as Error;
  }
  throw new Error('expected the request to fail');
}

describe('a server that accepts and never answers', () => {
  it('times a GET out on every retry round, then throws QueueyTimeoutError', async () => {
    const server = await stalling();
    const error = await failure(client([server.url]).listQueues());
    expect(error).toBeInstanceOf(QueueyTimeoutError);
    expect(error).toMatchObject({ code: 'QUEUEY_CLIENT_TIMEOUT', method: 'GET', timeout: 150 });
    expect(error.message).toMatch(/no answer within 150 ms/);
    expect(server.requests).toHaveLength(2);
  });

  it('does not send a POST twice after a timeout, as the server may have stored it', async () => {
    const server = await stalling();
    const error = await failure(client([server.url]).postMessage('q', 'hello'));
    expect(error).toBeInstanceOf(QueueyTimeoutError);
    expect(error.message).toMatch(/not retried: the server may have received it/);
    expect(server.requests).toHaveLength(1);
  });

  it('fails a GET over to the next server', async () => {
    const [stall, good] = [await stalling(), await okJson()];
    const queuey = client([stall.url, good.url]);
    expect(await queuey.listQueues()).toEqual([]);
    expect(await queuey.listQueues()).toEqual([]);
    // The staller is cooling down after its timeout, so it is asked at most once.
    expect(stall.requests.length).toBeLessThanOrEqual(1);
    expect(good.requests).toHaveLength(2);
  });

  it('gives a long-poll its wait on top of the timeout', async () => {
    const slow = await raw((_req, res) => {
      setTimeout(() => res.end('{"status":"ok","messages":[]}'), 300);
    });
    expect(await client([slow.url]).messages('q', { wait: 1 })).toEqual([]);
    expect(slow.requests[0]?.url).toContain('wait=1');
  });

  it('gives up at once when the caller aborts, with the abort reason', async () => {
    const server = await stalling();
    const controller = new AbortController();
    const pending = client([server.url], { timeout: 10_000 }).messages('q', {
      signal: controller.signal,
    });
    await eventually(() => expect(server.requests).toHaveLength(1));
    controller.abort(new Error('stop now'));
    await expect(pending).rejects.toThrow('stop now');
    expect(server.requests).toHaveLength(1);
  });
});

describe('answers that are not Queuey JSON', () => {
  it('turns an HTML 502 page into a QueueyHTTPError without error_msg once every retry round got one', async () => {
    const server = await answering(502, 'text/html', '<html><h1>502 Bad Gateway</h1></html>');
    const error = await failure(client([server.url]).listQueues());
    expect(error).toBeInstanceOf(QueueyHTTPError);
    expect(error).toMatchObject({
      code: 'QUEUEY_CLIENT_HTTP_ERROR',
      status: 502,
      errorMsg: undefined,
    });
    expect(error.message).toMatch(
      /answered 502 Bad Gateway: not a Queuey error body \(text\/html\)/,
    );
    // A 502 is a sick server's answer: a GET is asked again (retries: 1).
    expect(server.requests).toHaveLength(2);
  });

  it('turns an HTML page with status 200 into QUEUEY_CLIENT_BAD_RESPONSE, not a SyntaxError', async () => {
    const server = await answering(200, 'text/html', '<!doctype html><p>Welcome to nginx');
    const error = await failure(client([server.url]).listQueues());
    expect(error).toBeInstanceOf(QueueyBadResponseError);
    expect(error).toMatchObject({ code: 'QUEUEY_CLIENT_BAD_RESPONSE', status: 200, method: 'GET' });
    expect(error.message).toMatch(/text\/html instead of JSON.*Welcome to nginx/);
    expect(isQueueyError(error)).toBe(true);
  });

  it('turns truncated JSON into QUEUEY_CLIENT_BAD_RESPONSE', async () => {
    const server = await answering(200, 'application/json', '{"status":"ok","messages":[{"mes');
    const error = await failure(client([server.url]).messages('q'));
    expect(error).toBeInstanceOf(QueueyBadResponseError);
    expect(error.message).toMatch(/cut off or malformed/);
  });

  it('fails a GET whose answer breaks off mid-body over like a lost connection', async () => {
    const server = await raw((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"status":"ok"');
      setTimeout(() => res.destroy(), 10);
    });
    const error = await failure(client([server.url]).listQueues());
    expect(error).toBeInstanceOf(QueueyConnectionError);
    expect(server.requests).toHaveLength(2);
  });

  it('does not resend a POST whose connection dropped while the server still listens', async () => {
    const server = await raw((req) => req.socket.destroy());
    const error = await failure(client([server.url]).postMessage('q', 'x'));
    expect(error).toBeInstanceOf(QueueyConnectionError);
    expect(error.message).toMatch(/failed after sending .*the server may have received it/);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('resends a GET whose connection dropped', async () => {
    const server = await raw((req) => req.socket.destroy());
    const error = await failure(client([server.url]).listQueues());
    expect(error).toBeInstanceOf(QueueyConnectionError);
    expect(server.requests).toHaveLength(2);
  });

  it('parses a Queuey error body into errorMsg', async () => {
    const body = '{"status":"error","error_msg":{"partitions":"0 is less than minimum value 1"}}';
    const server = await answering(400, 'application/json', body);
    const error = await failure(client([server.url]).createQueue({ partitions: 0 }));
    expect(error).toMatchObject({
      name: 'QueueyHTTPError',
      status: 400,
      method: 'POST',
      errorMsg: { partitions: '0 is less than minimum value 1' },
    });
    expect(error.message).toContain('0 is less than minimum value 1');
  });

  it('hints at the key on a 401 and never shows it', async () => {
    const server = await answering(
      401,
      'application/json',
      '{"status":"error","error_msg":{"InvalidApplicationKey":"Invalid application key"}}',
    );
    const error = await failure(client([server.url]).listQueues());
    expect(error.message).toMatch(/check appKey/);
    expect(server.requests[0]?.headers.authorization).toBe(`Application ${KEY}`);
  });
});

describe('servers that refuse connections', () => {
  it('sends a POST on to the next server, since the refused one never saw it', async () => {
    const good = await answering(
      201,
      'application/json',
      '{"status":"ok","messages":[{"key":"k","timestamp":"1.0000000","partition":1}]}',
    );
    const refused = `http://127.0.0.1:${await closedPort()}`;
    const posted = await client([refused, good.url]).postMessage('q', 'x');
    expect(posted).toEqual({ key: 'k', timestamp: '1.0000000', partition: 1 });
    expect(good.requests).toHaveLength(1);
  });

  it('retries with back-off and then names every server and the reason', async () => {
    const clock = fakeClock();
    const ports = [await closedPort(), await closedPort()];
    const queuey = client(
      ports.map((p) => `http://127.0.0.1:${p}`),
      { retries: 2, clock, retryDelay: (round) => round * 100 },
    );
    const error = await failure(queuey.connect());
    expect(error).toBeInstanceOf(QueueyConnectionError);
    expect(error).toMatchObject({ code: 'QUEUEY_CLIENT_CONNECTION_ERROR' });
    expect(error.message).toMatch(/could not reach any Queuey server \(tried 2 servers, 3 times\)/);
    expect(error.message).toContain('ECONNREFUSED');
    for (const port of ports) expect(error.message).toContain(`:${port}/__heartbeat__`);
    expect(clock.sleeps).toEqual([100, 200]);
  });
});
