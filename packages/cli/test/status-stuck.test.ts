import { createLogger, Worker } from '@qdo/core';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { waitFor } from '@qdo/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { run } from './spawn.js';

const KEY = '0123456789abcdef0123456789abcdef';
let server: RunningServer;
let dir: ReturnType<typeof tempDir>;
let client: QueueyClient;

beforeEach(async () => {
  dir = tempDir({});
  server = await startServer({ port: 0, db: dir.file('q.db'), applications: { queuey: [KEY] } });
  client = new QueueyClient({ connection: `${server.url}/v1/queuey/`, appKey: KEY });
});

afterEach(async () => {
  await server.close();
  dir[Symbol.dispose]();
});

const qdo = (args: string[]) =>
  run('qdo', [...args, '--connection', `${server.url}/v1/queuey/`, '--app-key', KEY], {
    cwd: dir.path,
  });

const row = (stdout: string, partition: string) =>
  stdout
    .split('\n')
    .find((line) => line.startsWith(`${partition} `))
    ?.split(/\s{2,}/);

describe('qdo status', () => {
  it('shows a partition whose job ignores its abort signal as STUCK, and not once it committed again', async () => {
    await client.createQueue({ queueName: 'jobs', partitions: 2 });
    const [hang] = await client.postMessages('jobs', [{ body: 'hang', partition: 1 }]);
    const [ok] = await client.postMessages('jobs', [{ body: 'ok', partition: 2 }]);
    let release: () => void = () => {};
    const worker = new Worker({
      queuey: client,
      logger: createLogger({ type: 'hidden' }),
      settings: {
        name: 'stuck-test',
        jobTimeout: 0.1,
        abortGrace: 0.1,
        shutdownTimeout: 0.2,
        waitInterval: 0.02,
      },
      job: (m) => {
        if (m.body === 'hang') return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const done = worker.work();
    try {
      let status = await qdo(['status']);
      await waitFor(async () => {
        status = await qdo(['status']);
        return row(status.stdout, 'jobs-1')?.[6] === hang?.key;
      }, 'qdo status showing jobs-1 stuck');
      expect(status.code).toBe(0);
      expect(status.stdout.split('\n')[0]).toMatch(/\s+STUCK$/);
      expect(row(status.stdout, 'jobs-1')?.slice(1, 3)).toEqual([
        expect.stringMatching(/stuck-test$/),
        '-',
      ]);
      expect(status.stdout).toMatch(
        new RegExp(
          `^jobs-1: stuck since \\d{4}-\\d\\d-\\d\\dT[^ ]+Z: the job on message ${hang?.key} ignored its abort signal; worker \\S+stuck-test waits for it$`,
          'm',
        ),
      );
      expect(row(status.stdout, 'jobs-2')?.[6] ?? '-').toBe('-');
      const json = JSON.parse((await qdo(['status', '--json'])).stdout);
      expect(json.find((p: { partition: string }) => p.partition === 'jobs-1').stuck).toEqual({
        message: hang?.key,
        since: expect.stringMatching(/^\d{4}-/),
      });

      release();
      await waitFor(async () => {
        status = await qdo(['status']);
        return row(status.stdout, 'jobs-1')?.[2] === hang?.key;
      }, 'qdo status showing jobs-1 past its stuck message');
      expect(row(status.stdout, 'jobs-1')?.[6]).toBe('-');
      expect(row(status.stdout, 'jobs-2')?.[2]).toBe(ok?.key);
      expect(status.stdout).not.toContain('stuck since');
    } finally {
      release();
      worker.stop();
      await done;
    }
  });
});
