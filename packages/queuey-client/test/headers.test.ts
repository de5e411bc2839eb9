import { context, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueyClient } from '../src/index.js';
import { type RawServer, startRawServer } from './helpers.js';
import { KEY, startQueuey, stopAll, uniqueName } from './queuey.js';

let raw: RawServer | undefined;
afterEach(async () => {
  await stopAll();
  await raw?.close();
  raw = undefined;
});

async function clientWithQueue(disableExtensions?: string[]) {
  const server = await startQueuey(disableExtensions ? { disableExtensions } : {});
  const client = new QueueyClient({ connection: server.root, appKey: KEY });
  const queue = uniqueName();
  await client.createQueue({ queueName: queue });
  return { client, queue };
}

describe('message headers', () => {
  it('posts headers with single messages and batches, and reads them back', async () => {
    const { client, queue } = await clientWithQueue();
    await client.postMessage(queue, 'one', { headers: { tenant: 'acme' } });
    await client.postMessages(queue, [{ body: 'two', headers: { 'a.b': '2' } }, { body: 'three' }]);
    const read = await client.messages(queue);
    expect(read.map((m) => [m.body, m.headers])).toEqual([
      ['one', { tenant: 'acme' }],
      ['two', { 'a.b': '2' }],
      ['three', undefined],
    ]);
  });

  it('refuses bad headers of a single message as of a batch: 400 naming the key', async () => {
    const { client, queue } = await clientWithQueue();
    for (const headers of [{ 'a b': 'x' }, { Trace: 'x' }] as Record<string, string>[]) {
      const key = Object.keys(headers)[0];
      const single = await client.postMessage(queue, 'x', { headers }).catch((e: unknown) => e);
      expect(single).toMatchObject({ code: 'QUEUEY_CLIENT_HTTP_ERROR', status: 400 });
      expect((single as Error).message).toContain(`0.headers.${key}`);
    }
    // A value no HTTP header could carry is kept as it was.
    await client.postMessage(queue, 'x', { headers: { note: ' two\nlines ' } });
    expect((await client.messages(queue))[0]?.headers).toEqual({ note: ' two\nlines ' });
  });

  it('does not send headers to a server without the headers extension', async () => {
    const bodies: string[] = [];
    raw = await startRawServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on('end', () => {
        if (req.method === 'POST') bodies.push(text);
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
        const posted = { key: 'a'.repeat(32), timestamp: '1.0', partition: 1 };
        res.end(JSON.stringify({ status: 'ok', messages: [posted] }));
      });
    });
    const client = new QueueyClient({ connection: `${raw.url}/v1/queuey/` });
    await client.postMessage('q', 'one', { headers: { tenant: 'acme' }, partition: 1 });
    await client.postMessages('q', [{ body: 'two', headers: { tenant: 'acme' }, partition: 1 }]);
    const post = raw.requests.find((r) => r.method === 'POST');
    expect(Object.keys(post?.headers ?? {}).filter((h) => h.startsWith('x-queuey-header'))).toEqual(
      [],
    );
    expect(JSON.parse(bodies[1] as string)).toEqual({
      messages: [{ body: 'two', partition: 1 }],
    });
  });
});

describe('trace context', () => {
  const provider = new NodeTracerProvider();
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('adds the active span as traceparent to posted messages, and nothing without one', async () => {
    const { client, queue } = await clientWithQueue();
    const span = provider.getTracer('test').startSpan('send');
    await context.with(trace.setSpan(context.active(), span), async () => {
      await client.postMessage(queue, 'one');
      await client.postMessages(queue, [{ body: 'two', headers: { tenant: 'acme' } }]);
    });
    span.end();
    await client.postMessage(queue, 'untraced');
    const { traceId, spanId } = span.spanContext();
    const traceparent = `00-${traceId}-${spanId}-01`;
    const read = await client.messages(queue);
    expect(read.map((m) => m.headers)).toEqual([
      { traceparent },
      { traceparent, tenant: 'acme' },
      undefined,
    ]);
  });

  it('sends no trace context to a server with the headers extension switched off', async () => {
    const { client, queue } = await clientWithQueue(['headers']);
    const span = provider.getTracer('test').startSpan('send');
    await context.with(trace.setSpan(context.active(), span), () => client.postMessage(queue, 'x'));
    span.end();
    expect((await client.messages(queue))[0]?.headers).toBeUndefined();
  });
});
