/** Posts one message inside a span: `node --import tsx trace-producer.ts <connection> <key> <queue>`. */
import { trace } from '@opentelemetry/api';
import { QueueyClient } from '@qdo/queuey-client';
import { registerTracing, report, sendAndExit } from './tracing.js';

const exporter = registerTracing();
const [connection, appKey, queue] = process.argv.slice(2) as [string, string, string];
const client = new QueueyClient({ connection, appKey });
await trace.getTracer('producer').startActiveSpan('publish', async (span) => {
  await client.postMessage(queue, 'traced', { partition: 1 });
  span.end();
});
sendAndExit(exporter.getFinishedSpans().map(report));
