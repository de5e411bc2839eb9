// A real qdo Worker with the ZooKeeper partitioner, run as its own process so
// a test can SIGKILL it. Each job appends one JSON line to the shared record
// file: partition, message id, worker, start and end (epoch ms).
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
}

const config = JSON.parse(process.env.QDO_TEST_WORKER ?? 'null') as ChildConfig | null;
if (!config) throw new Error('set QDO_TEST_WORKER to the JSON ChildConfig');

const logger = createLogger({ name: config.name, minLevel: 4 });
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
    discoveryInterval: 0.3,
    batchSize: 5,
  },
  logger,
  job: async (message) => {
    const start = Date.now();
    await sleep(config.jobMs);
    const queue = message.body.split('|')[0];
    const line = {
      p: `${queue}-${message.partition}`,
      id: message.message_id,
      w: config.name,
      start,
      end: Date.now(),
    };
    appendFileSync(config.records, `${JSON.stringify(line)}\n`);
  },
});
worker.handleSignals();
await worker.work();
