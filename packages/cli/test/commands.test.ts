import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import type { NodeProcess } from '@qdo/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { run, STACK_LINE, startBin } from './spawn.js';

const KEY = '0123456789abcdef0123456789abcdef';
const appJobs = fileURLToPath(new URL('../../../apps/worker/jobs/', import.meta.url));

let server: RunningServer;
let dir: ReturnType<typeof tempDir>;
const running: NodeProcess[] = [];

beforeEach(async () => {
  dir = tempDir({});
  server = await startServer({ port: 0, db: dir.file('q.db'), applications: { queuey: [KEY] } });
  const conf = [
    '[qdo-worker]',
    `job = ${appJobs}job.ts:job`,
    `job_context = ${appJobs}context.ts:jobContext`,
    'job_failure = @qdo/failure:saveFailedMessage',
    'wait_interval = 0.2',
    'discovery_interval = 0.2',
    '[queuey]',
    `connection = ${server.url}/v1/queuey/`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an INI ${ENV} reference
    'app_key = ${TEST_KEY}',
    '',
  ].join('\n');
  writeFileSync(dir.file('qdo.conf'), conf);
});

afterEach(async () => {
  for (const cli of running.splice(0)) await cli[Symbol.asyncDispose]();
  await server.close();
  dir[Symbol.dispose]();
});

const qdo = (args: string[], input?: string) =>
  run('qdo', [...args, '-c', 'qdo.conf'], {
    cwd: dir.path,
    env: { TEST_KEY: KEY },
    ...(input === undefined ? {} : { input }),
  });

const statusRow = (stdout: string, partition: string) =>
  stdout
    .split('\n')
    .find((line) => line.startsWith(`${partition} `))
    ?.split(/\s{2,}/);

describe('qdo against a real server', () => {
  it('creates a queue, posts, shows status, and replays failed messages', async () => {
    expect(await qdo(['queues', 'create', 'jobs'])).toMatchObject({
      code: 0,
      stdout: 'created queue jobs (1 partitions)\n',
    });
    expect(await qdo(['post', 'jobs', 'first', 'fail'])).toMatchObject({
      code: 0,
      stdout: 'posted 2 messages to jobs\n',
    });
    expect(await qdo(['post', 'jobs', '-'], 'second\n\nthird\n')).toMatchObject({
      code: 0,
      stdout: 'posted 2 messages to jobs\n',
    });

    const before = await qdo(['status']);
    expect(before.code).toBe(0);
    expect(before.stdout.split('\n')[0]).toMatch(
      /^PARTITION\s+OWNER\s+LAST PROCESSED\s+PROCESSED AT\s+LAG\s+LAG \(S\)\s+STUCK\s+STATE$/,
    );
    expect(statusRow(before.stdout, 'jobs-1')).toEqual([
      'jobs-1',
      '-',
      '-',
      '-',
      '4',
      expect.stringMatching(/^\d+$/),
      '-',
      '-',
    ]);

    const worker = startBin('qdo-worker', ['-c', 'qdo.conf'], {
      cwd: dir.path,
      env: { TEST_KEY: KEY },
    });
    running.push(worker);
    await worker.waitForLine(/: third$/);
    const lastId = (await worker.waitForLine(/^([0-9a-f]{32}): third$/))[1];
    expect((await worker.stop('SIGTERM')).code).toBe(0);
    expect(worker.stdout).toMatch(/^Messages processed: 4$/m);

    const after = await qdo(['status']);
    const row = statusRow(after.stdout, 'jobs-1');
    expect(row?.[1]).toMatch(/-\d+$/); // the worker's name: host-pid
    expect(row?.slice(2)).toEqual([
      lastId,
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      '0',
      '0',
      '-',
      '-',
    ]);

    const listed = await qdo(['errors', 'ls']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      /^\d+:[0-9a-f]{32}\s+jobs-1\s+[0-9a-f]{32}\s+\S+Z\s+Error: this job fails on "fail", as asked\s+fail$/m,
    );
    const errorId = listed.stdout.match(/^(\d+:[0-9a-f]{32})/m)?.[1] as string;
    const shown = await qdo(['errors', 'show', errorId, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      errorId,
      queue: 'jobs-1',
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      message: { body: 'fail' },
      error: { name: 'Error', message: 'this job fails on "fail", as asked', attempts: 1 },
    });

    expect(await qdo(['errors', 'replay'])).toMatchObject({
      code: 0,
      stdout: 'replayed 1 message\n',
    });
    expect(await qdo(['errors', 'ls'])).toMatchObject({ code: 0, stdout: 'no failed messages\n' });
    const replayed = await qdo(['status']);
    expect(statusRow(replayed.stdout, 'jobs-1')?.[4]).toBe('1');
  });

  it('lists and removes queues, and takes the key from QDO_APP_KEY or --app-key', async () => {
    expect((await qdo(['queues', 'create', 'temp', '--partitions', '3'])).stdout).toBe(
      'created queue temp (3 partitions)\n',
    );
    const listed = await qdo(['queues', 'ls']);
    expect(listed.stdout).toMatch(/^temp\s+3\s+user\s+0$/m);
    const byFlag = await run(
      'qdo',
      ['queues', 'ls', '--connection', `${server.url}/v1/queuey/`, '--app-key', KEY],
      { cwd: dir.path },
    );
    const byEnv = await run('qdo', ['queues', 'ls', '--connection', `${server.url}/v1/queuey/`], {
      cwd: dir.path,
      env: { QDO_APP_KEY: KEY },
    });
    expect(byFlag.stdout).toBe(listed.stdout);
    expect(byEnv.stdout).toBe(listed.stdout);
    expect(await qdo(['queues', 'rm', 'temp'])).toMatchObject({
      code: 0,
      stdout: 'deleted queue temp\n',
    });
    expect((await qdo(['queues', 'ls'])).stdout).not.toMatch(/^temp /m);
  });

  it('explains posting to a missing queue and a wrong key in one line, without the key', async () => {
    const missing = await qdo(['post', 'nowhere', 'x']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'qdo: queue "nowhere" does not exist (create it with: qdo queues create nowhere)\n',
    });
    const wrongKey = await run(
      'qdo',
      ['queues', 'ls', '-c', 'qdo.conf', '--app-key', 'not-the-key-42'],
      { cwd: dir.path, env: { TEST_KEY: KEY } },
    );
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(wrongKey.stderr).not.toContain('not-the-key-42');
    expect(wrongKey.stderr).not.toMatch(STACK_LINE);
  });
});
