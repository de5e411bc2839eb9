// A real qdo Worker with the ZooKeeper partitioner, run as its own process so
// a test can SIGKILL it. Each job appends one JSON line to the shared record
// file: partition, message id, worker, start and end (epoch ms of the real
// time, even while a test has stepped this process's wall clock).
//
// Test-only hook: an IPC message `{ wallOffset: ms }` steps this process's
// wall clock (Date.now) by `ms` from the real time, as NTP or an operator
// stepping the system clock would; deadlines must not notice.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, Worker } from '@qdo/core';
import { QueueyClient } from '@qdo/queuey-client';
import { ZkPartitioner } from '../../src/index.js';

export interface ChildConfig {
  name: string;
  queuey: string;
  appKey: string;
  zookeeper: string;
  partyWait: number;
  sessionTimeout: number;
  records: string;
  jobMs: number;
  /** Seconds; default 0.3. */
  discoveryInterval?: number;
}

const config = JSON.parse(process.env.QDO_TEST_WORKER ?? 'null') as ChildConfig | null;
if (!config) throw new Error('set QDO_TEST_WORKER to the JSON ChildConfig');

const realNow = Date.now;
const realTime = () => Math.round(performance.timeOrigin + performance.now());
process.on('message', (message: { wallOffset?: number }) => {
  const offset = message?.wallOffset;
  if (typeof offset === 'number') Date.now = () => realNow() + offset;
});
process.channel?.unref();

const logger = createLogger({
  name: config.name,
  minLevel: Number(process.env.QDO_TEST_LOG_LEVEL ?? 4),
});
const worker = new Worker<unknown, string>({
  queuey: new QueueyClient({ connection: config.queuey, appKey: config.appKey }),
  partitioner: new ZkPartitioner({
    connection: config.zookeeper,
    partyWait: config.partyWait,
    sessionTimeout: config.sessionTimeout,
    identifier: config.name,
    logger,
  }),
  settings: {
    name: config.name,
    waitInterval: 0.05,
    longPoll: 1,
    discoveryInterval: config.discoveryInterval ?? 0.3,
    batchSize: 5,
  },
  logger,
  job: async (message) => {
    const start = realTime();
    await sleep(config.jobMs);
    const queue = message.body.split('|')[0];
    const line = {
      p: `${queue}-${message.partition}`,
      id: message.message_id,
      w: config.name,
      start,
      end: realTime(),
    };
    appendFileSync(config.records, `${JSON.stringify(line)}\n`);
  },
});
worker.handleSignals();
await worker.work();
