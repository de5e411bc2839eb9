import { createLogger, Worker } from '@qdo/core';
import { waitFor } from '@qdo/test-utils';
import { describe, expect, it } from 'vitest';
import { row, useQdoServer } from './qdo-server.js';

const f = useQdoServer();

describe('qdo status', () => {
  it('shows a partition whose job ignores its abort signal as STUCK, and not once it committed again', async () => {
    await f.client.createQueue({ queueName: 'jobs', partitions: 2 });
    const [hang] = await f.client.postMessages('jobs', [{ body: 'hang', partition: 1 }]);
    const [ok] = await f.client.postMessages('jobs', [{ body: 'ok', partition: 2 }]);
    let release: () => void = () => {};
    const worker = new Worker({
      queuey: f.client,
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
      let status = await f.qdo(['status']);
      await waitFor(async () => {
        status = await f.qdo(['status']);
        return row(status.stdout, 'jobs-1')?.[6] === hang?.key;
      }, 'qdo status showing jobs-1 stuck');
      expect(status.code).toBe(0);
      expect(status.stdout.split('\n')[0]).toMatch(/\s+STUCK\s+STATE$/);
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
      const json = JSON.parse((await f.qdo(['status', '--json'])).stdout);
      expect(json.find((p: { partition: string }) => p.partition === 'jobs-1').stuck).toEqual({
        message: hang?.key,
        since: expect.stringMatching(/^\d{4}-/),
      });

      release();
      await waitFor(async () => {
        status = await f.qdo(['status']);
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
