import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { NodeProcess, reapProcesses, tsxLoader } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_KEY, useQueuey } from './helpers.js';
import type { SpanReport } from './support/tracing.js';

const q = useQueuey();
afterEach(() => reapProcesses());

/** Runs a script of test/support with the SDK registered; the spans it reports over IPC. */
async function spansOf(script: string, queue: string): Promise<SpanReport[]> {
  const path = fileURLToPath(new URL(`./support/${script}`, import.meta.url));
  const connection = `${q.server.url}/v1/queuey/`;
  const child = new NodeProcess(path, [connection, APP_KEY, queue], {
    node: ['--import', tsxLoader(import.meta.url)],
    ipc: true,
  });
  const spans = new Promise<SpanReport[]>((resolve) => child.child.once('message', resolve));
  // A worker that never gets the span would wait forever: fail with what it printed instead.
  const hung = new Promise((resolve) => setTimeout(resolve, 15_000)).then(
    () => `${script} did not finish: ${child.stdout}${child.stderr}`,
  );
  const exit = await Promise.race([child.exited, hung]);
  expect(exit, child.stderr).toEqual({ code: 0, signal: null });
  return spans;
}

describe('tracing from post to job', () => {
  it("gives the worker's job span the producer's span as parent, across two processes", async () => {
    const queue = await q.newQueue();
    const [publish] = await spansOf('trace-producer.ts', queue);
    const processed = await spansOf('trace-worker.ts', queue);
    const [message] = await q.client.messages(queue);
    expect(publish?.name).toBe('publish');
    expect(processed).toHaveLength(1);
    expect(processed[0]).toMatchObject({
      name: `${queue} process`,
      kind: SpanKind.CONSUMER,
      traceId: publish?.traceId,
      parentSpanId: publish?.spanId,
      attributes: {
        'messaging.system': 'queuey',
        'messaging.destination.name': queue,
        'messaging.destination.partition.id': '1',
        'messaging.message.id': message?.message_id,
        'qdo.attempt': 1,
      },
    });
  });
});
