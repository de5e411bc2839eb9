import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock, run, until, useQueuey } from './helpers.js';

const q = useQueuey();
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
beforeAll(() => provider.register());
afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

const processSpans = () => exporter.getFinishedSpans().filter((s) => s.name.endsWith(' process'));

/** Posts each body inside a span of its own; those spans, in order. */
async function postTraced(queue: string, bodies: string[]) {
  const tracer = provider.getTracer('producer');
  const spans = [];
  for (const body of bodies) {
    spans.push(
      await tracer.startActiveSpan('publish', async (span) => {
        await q.client.postMessage(queue, body, { partition: 1 });
        span.end();
        return span.spanContext();
      }),
    );
  }
  return spans;
}

describe('job spans', () => {
  it("runs the job inside its span, ends a failed run's span with ERROR, and gives each retry a span", async () => {
    const queue = await q.newQueue();
    const [publish] = await postTraced(queue, ['flaky']);
    const inside: (string | undefined)[] = [];
    const w = q.worker({
      clock: fakeClock(),
      random: () => 0.5,
      settings: { retries: 1, retryDelay: 1, retryMaxDelay: 60 },
      job(_m, _c, { attempt }) {
        inside.push(trace.getActiveSpan()?.spanContext().spanId);
        if (attempt === 1) throw new Error('first run fails');
      },
    });
    const running = run(w);
    await until(() => processSpans().length === 2);
    w.stop();
    await running;
    const spans = processSpans();
    expect(spans.map((s) => s.attributes['qdo.attempt'])).toEqual([1, 2]);
    expect(spans.map((s) => s.status.code)).toEqual([SpanStatusCode.ERROR, SpanStatusCode.UNSET]);
    expect(spans[0]?.events.map((e) => e.name)).toEqual(['exception']);
    expect(spans.map((s) => s.parentSpanContext?.spanId)).toEqual([
      publish?.spanId,
      publish?.spanId,
    ]);
    expect(inside).toEqual(spans.map((s) => s.spanContext().spanId));
  });

  it("makes a batch hook run one span linked to each message's producer", async () => {
    const queue = await q.newQueue();
    const published = await postTraced(queue, ['a', 'b']);
    let batches = 0;
    const w = q.worker({
      jobBatch(messages) {
        batches += 1;
        expect(messages).toHaveLength(2);
      },
    });
    const running = run(w);
    await until(() => processSpans().length === 1);
    w.stop();
    await running;
    const [span] = processSpans();
    expect(batches).toBe(1);
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.attributes['messaging.batch.message_count']).toBe(2);
    expect(span?.links.map((link) => link.context.spanId)).toEqual(published.map((p) => p.spanId));
  });
});
