import { ERROR_QUEUE, ensureBookkeepingQueues } from '@qdo/core';
import { type NodeProcess, waitFor } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { useQdoServer, workerConfig } from './qdo-server.js';
import { startBin } from './spawn.js';

const f = useQdoServer();
const running: NodeProcess[] = [];
afterEach(async () => {
  for (const worker of running.splice(0)) await worker[Symbol.asyncDispose]();
});

/** A job that prints each run and throws `boom 42` for bodies starting with `fail`. */
const JOB = `export function job(message, _context, { attempt }) {
  process.stdout.write(\`ran \${message.body} attempt \${attempt}\\n\`);
  if (message.body.startsWith('fail')) throw new Error('boom 42');
  if (message.body.startsWith('flaky') && attempt < 3) throw new Error(\`flaky \${attempt}\`);
}
`;

/**
 * A qdo-worker whose config and job live in a fresh temp folder of their
 * own, outside the repository: no node_modules next to them.
 */
function startWorker(url: string, worker: string[]) {
  const dir = tempDir({
    'job.mjs': JOB,
    'qdo.conf': workerConfig(url, { job: ['job = ./job.mjs:job'], worker }),
  });
  // pnpm's bin shims set NODE_PATH to the store's hoisted packages, where
  // @qdo/failure is always found; an installed qdo-worker has no such path.
  const env = { NODE_PATH: '' };
  const proc = startBin('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir.path, env });
  running.push(proc);
  void proc.exited.then(() => dir[Symbol.dispose]());
  return proc;
}

async function post(queue: string, bodies: string[]) {
  await f.client.createQueue({ queueName: queue }).catch(() => undefined);
  await f.client.postMessages(
    queue,
    bodies.map((body) => ({ body, partition: 1 })),
  );
}

/** The first message of partition 1 of `queue`. */
async function first(queue: string) {
  for await (const m of f.client.iterateMessages(queue, { partition: 1 })) return m;
  throw new Error(`${queue} is empty`);
}

/** The lines of `qdo errors ls`, once it lists `count` failures. */
async function listed(count: number, args: string[] = []): Promise<string[]> {
  let last = '';
  await waitFor(
    async () => {
      const out = await f.qdo(['errors', 'ls', ...args]);
      last = out.stdout + out.stderr;
      return out.code === 0 && out.stdout.split('\n').filter(Boolean).length === count + 1;
    },
    { timeout: 20_000, interval: 100, what: () => `${count} failures; last: ${last}` },
  );
  return last.split('\n').filter(Boolean);
}

describe('built-in failure hooks from a config outside any node_modules', () => {
  for (const spec of ['@qdo/failure:saveFailedMessage', 'qdo.worker:save_failed_message']) {
    it(`job_failure = ${spec} keeps the failure with its error in qdo_error`, async () => {
      await post('jobs', ['ok', 'fail one']);
      const worker = startWorker(f.server.url, [`job_failure = ${spec}`]);
      await worker.waitForLine(/^ran ok attempt 1$/);
      const [header, row] = await listed(1);
      expect(header).toMatch(/^ERROR ID\s+QUEUE\s+MESSAGE ID\s+FAILED AT\s+ERROR\s+BODY$/);
      expect(row).toMatch(
        /^\d+:[0-9a-f]{32}\s+jobs-1\s+[0-9a-f]{32}\s+\d{4}-\d\d-\d\dT\S+Z\s+Error: boom 42\s+fail one$/,
      );
      expect((await worker.stop('SIGTERM')).code).toBe(0);

      const errorId = row?.split(/\s+/)[0] as string;
      const shown = await f.qdo(['errors', 'show', errorId]);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/^error:\s+Error: boom 42$/m);
      expect(shown.stdout).toMatch(/^attempts:\s+1$/m);
      expect(shown.stdout).toMatch(/^failed at:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
      expect(shown.stdout).toMatch(/^\s+at (Object\.)?job \(file:\/\/\S+job\.mjs:3:\d+\)$/m);
      expect(shown.stdout).not.toMatch(/\d{10}\.\d{7}/);
    });
  }

  for (const spec of ['@qdo/failure:logFailure', 'qdo.worker:log_failure']) {
    it(`job_failure = ${spec} logs the failure and goes on`, async () => {
      await post('jobs', ['fail one', 'ok']);
      const worker = startWorker(f.server.url, [`job_failure = ${spec}`]);
      await worker.waitForLine(/^ran ok attempt 1$/);
      expect(worker.output).toMatch(/job failed for message [0-9a-f]{32} in jobs-1/);
      expect(worker.output).toMatch(/Error: boom 42/);
      expect((await worker.stop('SIGTERM')).code).toBe(0);
    });
  }
});

describe('qdo errors with old and new failures', () => {
  it('lists, shows, groups and replays failures saved with and without their error', async () => {
    await post('jobs', ['fail a', 'fail b', 'ok']);
    // As the original (and older versions) saved it: the message and its partition, no error.
    await ensureBookkeepingQueues(f.client, { only: ERROR_QUEUE });
    await post('old', ['was bad']);
    const original = await first('old');
    await f.client.postMessage('qdo_error', JSON.stringify({ ...original, queue: 'old-1' }), {
      partition: 3,
    });
    const worker = startWorker(f.server.url, ['job_failure = qdo.worker:save_failed_message']);
    await worker.waitForLine(/^ran ok attempt 1$/);
    const rows = await listed(3);
    expect((await worker.stop('SIGTERM')).code).toBe(0);
    const oldRow = rows.find((r) => /\sold-1\s/.test(r)) as string;
    expect(oldRow).toMatch(/\s-\s+was bad$/);
    expect(rows.filter((r) => /\sError: boom 42\s+fail [ab]$/.test(r))).toHaveLength(2);

    const shown = await f.qdo(['errors', 'show', oldRow.split(/\s+/)[0] as string]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^error:\s+\(not recorded: saved by an older version\)$/m);
    expect(shown.stdout).toMatch(/^body:\n {2}was bad$/m);

    const grouped = await f.qdo(['errors', 'ls', '--group']);
    expect(grouped.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^COUNT\s+ERROR\s+MESSAGE\s+QUEUES\s+LATEST$/),
      expect.stringMatching(/^\s*2\s+Error\s+boom <n>\s+jobs-1\s+\d{4}-\S+Z$/),
      expect.stringMatching(/^\s*1\s+\(unknown\)\s+-\s+old-1\s+\d{4}-\S+Z$/),
    ]);

    expect(await f.qdo(['errors', 'replay', '--error', 'Error'])).toMatchObject({
      code: 0,
      stdout: 'replayed 2 messages\n',
    });
    expect((await f.qdo(['errors', 'ls'])).stdout).toMatch(/^\S+\s+old-1\s/m);
    expect(await f.qdo(['errors', 'replay', '--queue', 'old'])).toMatchObject({
      code: 0,
      stdout: 'replayed 1 message\n',
    });
    const bodies: string[] = [];
    for await (const m of f.client.iterateMessages('old', { partition: 1 })) bodies.push(m.body);
    expect(bodies).toEqual(['was bad', 'was bad']);
  });
});

describe('retries from the config file (qdo-worker process)', () => {
  it('retries = 2: a job failing twice then succeeding never reaches qdo_error; one failing three times does, with attempts 3', async () => {
    await post('jobs', ['flaky', 'fail always', 'ok']);
    const worker = startWorker(f.server.url, [
      'job_failure = @qdo/failure:saveFailedMessage',
      'retries = 2',
      'retry_delay = 0.01',
    ]);
    await worker.waitForLine(/^ran ok attempt 1$/);
    expect(worker.stdout.match(/^ran fail always attempt \d$/gm)).toEqual([
      'ran fail always attempt 1',
      'ran fail always attempt 2',
      'ran fail always attempt 3',
    ]);
    expect(worker.stdout.match(/^ran flaky attempt \d$/gm)).toEqual([
      'ran flaky attempt 1',
      'ran flaky attempt 2',
      'ran flaky attempt 3',
    ]);
    const [, row, more] = await listed(1);
    expect(more).toBeUndefined();
    expect(row).toMatch(/\sError: boom 42\s+fail always$/);
    const shown = await f.qdo(['errors', 'show', row?.split(/\s+/)[0] as string]);
    expect(shown.stdout).toMatch(/^attempts:\s+3$/m);
    expect((await worker.stop('SIGTERM')).code).toBe(0);
  });

  it('SIGTERM during a retry wait exits within shutdown_timeout; the message runs again after a restart', async () => {
    await post('jobs', ['fail then wait']);
    const worker = startWorker(f.server.url, [
      'job_failure = @qdo/failure:saveFailedMessage',
      'retries = 1',
      'retry_delay = 3600',
      'retry_max_delay = 3600',
      'shutdown_timeout = 5',
    ]);
    await worker.waitForLine(/retry 1 of 1 in \d+ ms/);
    const stopping = performance.now();
    const exit = await worker.stop('SIGTERM');
    expect(exit.code, exit.stderr).toBe(0);
    // Inside shutdown_timeout (5 s); the retry wait was up to an hour.
    expect(performance.now() - stopping).toBeLessThan(5000);

    const again = startWorker(f.server.url, ['retries = 0']);
    await again.waitForLine(/^ran fail then wait attempt 1$/);
    expect((await again.stop('SIGTERM')).code).toBe(0);
    // Nothing was saved by the stopped worker: the message had not failed for good.
    const kept = await f.qdo(['errors', 'ls']);
    expect(kept.stdout).toBe('no failed messages\n');
  });
});
