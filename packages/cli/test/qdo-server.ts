import { fileURLToPath } from 'node:url';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { afterEach, beforeEach } from 'vitest';
import { tempDir } from './helpers.js';
import { run } from './spawn.js';

export const KEY = '0123456789abcdef0123456789abcdef';

const appJobs = fileURLToPath(new URL('../../../apps/worker/jobs/', import.meta.url));

/**
 * A qdo-worker config against `url`, polling fast: `job` lines (default: the
 * app's example job and context) and `worker` lines join [qdo-worker],
 * `sections` come after it.
 */
export function workerConfig(
  url: string,
  options: { job?: string[]; worker?: string[]; sections?: string[] } = {},
): string {
  return [
    '[qdo-worker]',
    ...(options.job ?? [
      `job = ${appJobs}job.ts:job`,
      `job_context = ${appJobs}context.ts:jobContext`,
    ]),
    'wait_interval = 0.1',
    'max_wait = 0.2',
    'discovery_interval = 0.1',
    ...(options.worker ?? []),
    ...(options.sections ?? []),
    '[queuey]',
    `connection = ${url}/v1/queuey/`,
    `app_key = ${KEY}`,
    '',
  ].join('\n');
}

/** workerConfig on the app's example job and context. */
export const exampleWorkerConfig = (
  url: string,
  options: { worker?: string[]; sections?: string[] } = {},
) => workerConfig(url, options);

/**
 * A real server per test on a SQLite file in the test's temp dir, its
 * client, and `qdo` run against it; `start()` starts it again on the same
 * file after a test closed it.
 */
export function useQdoServer() {
  const f = {
    server: undefined as unknown as RunningServer,
    client: undefined as unknown as QueueyClient,
    dir: undefined as unknown as ReturnType<typeof tempDir>,
    async start() {
      f.server = await startServer({
        port: 0,
        db: f.dir.file('q.db'),
        applications: { queuey: [KEY] },
      });
      f.client = new QueueyClient({ connection: `${f.server.url}/v1/queuey/`, appKey: KEY });
    },
    qdo: (args: string[]) =>
      run('qdo', [...args, '--connection', `${f.server.url}/v1/queuey/`, '--app-key', KEY], {
        cwd: f.dir.path,
      }),
  };
  beforeEach(async () => {
    f.dir = tempDir({});
    await f.start();
  });
  afterEach(async () => {
    await f.server.close();
    f.dir[Symbol.dispose]();
  });
  return f;
}

/** The cells of `qdo status`'s row for a partition. */
export const row = (stdout: string, partition: string) =>
  stdout
    .split('\n')
    .find((line) => line.startsWith(`${partition} `))
    ?.split(/\s{2,}/);
