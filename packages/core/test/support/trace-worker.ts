/**
 * A library Worker on one partition until its first job's span is exported:
 * `node --import tsx trace-worker.ts <connection> <key> <queue>`.
 */
import { QueueyClient } from '@qdo/queuey-client';
import { createLogger, ManualPartitioner, Worker } from '../../src/index.js';
import { registerTracing, report, sendAndExit } from './tracing.js';

const exporter = registerTracing();
const [connection, appKey, queue] = process.argv.slice(2) as [string, string, string];
const worker = new Worker({
  queuey: new QueueyClient({ connection, appKey }),
  logger: createLogger({ type: 'hidden' }),
  partitioner: new ManualPartitioner([`${queue}-1`]),
  settings: { waitInterval: 0.02 },
  job() {},
});
const processed = () => exporter.getFinishedSpans().filter((s) => s.name.endsWith(' process'));
const running = worker.work();
while (processed().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
worker.stop();
await running;
sendAndExit(processed().map(report));
