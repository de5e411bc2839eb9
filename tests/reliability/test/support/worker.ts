/** A `qdo-worker` child process with its config file, and the records its jobs leave. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NodeProcess, readLines, startQdoWorker } from '@qdo/test-utils';
import type { Fixture } from './fixture.js';
import { BINS } from './proc.js';

const recordJob = fileURLToPath(new URL('./jobs/record.mjs', import.meta.url));
/** The batch hook that records like `recordJob`, a batch at a time (`job_batch`). */
export const recordBatch = `${fileURLToPath(new URL('./jobs/record-batch.mjs', import.meta.url))}:batch`;

export interface WorkerConfig {
  dir: string;
  /** Comma list of app roots. */
  connection: string;
  appKey: string;
  records: string;
  batchSize: number;
  concurrency: number;
  jobMs?: number;
  /** Extra `[qdo-worker]` lines, e.g. `job_timeout = 1`. */
  extra?: string[];
  job?: string;
  /** `module:export` of a batch hook: the file names it as `job_batch` instead of a `job`. */
  jobBatch?: string;
}

let count = 0;

/** Returns a function that starts one more worker process on `config` (its file in `dir`). */
export function workerFactory(config: WorkerConfig): () => NodeProcess {
  const text = [
    '[qdo-worker]',
    config.jobBatch
      ? `job_batch = ${config.jobBatch}`
      : `job = ${config.job ?? `${recordJob}:job`}`,
    `batch_size = ${config.batchSize}`,
    `concurrency = ${config.concurrency}`,
    'wait_interval = 0.2',
    'long_poll = 1',
    'discovery_interval = 1',
    ...(config.extra ?? []),
    '[partitions]',
    'policy = all',
    '[queuey]',
    `connection = ${config.connection}`,
    '',
  ].join('\n');
  return () =>
    startQdoWorker({
      bin: BINS['qdo-worker'],
      config: text,
      dir: config.dir,
      label: `qdo-worker#${count++}`,
      env: {
        QDO_APP_KEY: config.appKey,
        QDO_TEST_RECORDS: config.records,
        QDO_TEST_JOB_MS: String(config.jobMs ?? 0),
      },
    });
}

/** workerFactory for workers of the fixture's server, their jobs recorded to `records` in its folder. */
export function fixtureWorkers(
  fx: Fixture,
  config: Omit<WorkerConfig, 'dir' | 'connection' | 'appKey' | 'records'>,
): { records: string; spawn: () => NodeProcess } {
  const records = join(fx.dir, 'records.log');
  const spawn = workerFactory({
    ...config,
    dir: fx.dir,
    connection: fx.appRoot,
    appKey: fx.key,
    records,
  });
  return { records, spawn };
}

export interface JobRecord {
  partition: number;
  id: string;
  body: string;
  pid: number;
}

export function readRecords(path: string): JobRecord[] {
  return readLines(path).map((line) => {
    const [partition, id, body, pid] = line.split(' ');
    return {
      partition: Number(partition),
      id: id as string,
      body: body as string,
      pid: Number(pid),
    };
  });
}

/** How many distinct messages ran, and how many runs were repeats. */
export function tally(records: readonly JobRecord[]): { distinct: number; duplicates: number } {
  const ids = new Set(records.map((r) => r.id));
  return { distinct: ids.size, duplicates: records.length - ids.size };
}
