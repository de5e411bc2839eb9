/**
 * What the server's own HTTP layer (node:http, no framework) does with what
 * a client library would never send: checked over raw sockets.
 */
import { connect } from 'node:net';
import { waitFor } from '@qdo/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../src/server.js';
import { KEY } from './support/http-fixture.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({
    port: 0,
    db: ':memory:',
    applications: { queuey: KEY },
    bodyLimit: 1000,
  });
  const made = await fetch(`${server.url}/v1/queuey`, {
    method: 'POST',
    headers: { authorization: `Application ${KEY}` },
    body: new URLSearchParams({ queue_name: 'q' }),
  });
  expect(made.status).toBe(201);
});

afterAll(async () => {
  await server.close();
});

/** Writes `head` (CRLF line ends added) and `body`; resolves with all the server sent before it closed. */
function raw(lines: string[], body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(text));
    socket.write(`${[...lines, 'Host: 127.0.0.1', '', ''].join('\r\n')}${body}`);
  });
}

const statusOf = (answer: string) => Number(answer.split(' ')[1]);
const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

describe('the HTTP layer', { timeout: 20_000 }, () => {
  it('answers a body over the limit 413 before reading it all, and closes that connection', async () => {
    // 5000 bytes declared, 10 sent: the answer comes anyway, and the server hangs up.
    const answer = await raw(
      [
        'POST /v1/queuey/q HTTP/1.1',
        `Authorization: Application ${KEY}`,
        'Content-Type: text/plain',
        'Content-Length: 5000',
      ],
      'x'.repeat(10),
    );
    expect(statusOf(answer)).toBe(413);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(bodyOf(answer)).toMatchObject({ status: 'error' });
    // A chunked body crossing the limit midway: the same.
    const chunk = 'x'.repeat(800);
    const chunked = await raw(
      [
        'POST /v1/queuey HTTP/1.1',
        `Authorization: Application ${KEY}`,
        'Content-Type: application/x-www-form-urlencoded',
        'Transfer-Encoding: chunked',
      ],
      `${chunk.length.toString(16)}\r\n${chunk}\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n`,
    );
    expect(statusOf(chunked)).toBe(413);
    expect(chunked.toLowerCase()).toContain('connection: close');
    expect((await fetch(`${server.url}/__heartbeat__`)).status).toBe(200);
  });

  it('resolves dot segments as a URL does, and refuses a backslash in the path with 400', async () => {
    const auth = `Authorization: Application ${KEY}`;
    const listed = await raw(['GET /v1/nothing/../queuey HTTP/1.1', auth, 'Connection: close']);
    expect(statusOf(listed)).toBe(200);
    expect(bodyOf(listed)).toMatchObject({ status: 'ok', queues: [{ queue_name: 'q' }] });
    const slash = await raw(['GET /v1\\queuey HTTP/1.1', auth, 'Connection: close']);
    expect(statusOf(slash)).toBe(400);
    expect(bodyOf(slash)).toEqual({
      status: 'error',
      error_msg: { path: 'A backslash is not allowed in the request path.' },
    });
    // In the query it is only a character of a value.
    const query = await raw(['GET /v1/queuey?x=\\ HTTP/1.1', auth, 'Connection: close']);
    expect(statusOf(query)).toBe(200);
  });

  it('takes a client that goes away mid-body for no bug of its own', async () => {
    const bugs: unknown[] = [];
    const own = await startServer({
      port: 0,
      db: ':memory:',
      applications: { queuey: KEY },
      onError: (error) => bugs.push(error),
    });
    try {
      await fetch(`${own.url}/v1/queuey`, {
        method: 'POST',
        headers: { authorization: `Application ${KEY}` },
        body: new URLSearchParams({ queue_name: 'q' }),
      });
      const socket = connect(own.port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const head = ['POST /v1/queuey/q HTTP/1.1', 'Host: x', `Authorization: Application ${KEY}`];
      socket.write(`${[...head, 'Content-Length: 500', '', ''].join('\r\n')}${'x'.repeat(10)}`);
      // The server is reading the body when the client goes.
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await waitFor(async () => (await fetch(`${own.url}/__heartbeat__`)).status === 200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(bugs).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await fetch(`${server.url}/__heartbeat__`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-queuey-extensions')).toContain('wait');
    expect(await head.text()).toBe('');
  });
});
