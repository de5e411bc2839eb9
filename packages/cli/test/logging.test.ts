import { fileURLToPath } from 'node:url';
import { type NodeProcess, startQdoWorker } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { KEY, useQdoServer } from './qdo-server.js';

const bin = fileURLToPath(new URL('../dist/bin/qdo-worker.js', import.meta.url));

const running: NodeProcess[] = [];
afterEach(async () => {
  for (const worker of running.splice(0)) await worker[Symbol.asyncDispose]();
});

/** Fails `fail…` bodies on every run; prints nothing, so every line is the worker's. */
const SILENT_JOB = `export function job(message) {
  if (message.body.startsWith('fail')) throw new Error('boom 42');
}
`;

/** Prints each body it ran, so a test knows the message went through. */
const PRINTING_JOB = `export function job(message) {
  process.stdout.write(\`ran \${message.body}\\n\`);
}
`;

/** A qdo-worker on `lines` for [qdo-worker] and [queuey], with `job` in its own temp folder. */
function startWorker(job: string, lines: { worker: string[]; queuey: string[] }, env = {}) {
  const dir = tempDir({ 'job.mjs': job });
  const config = [
    '[qdo-worker]',
    'job = ./job.mjs:job',
    'wait_interval = 0.1',
    'max_wait = 0.2',
    'discovery_interval = 0.1',
    ...lines.worker,
    '[queuey]',
    ...lines.queuey,
    '',
  ].join('\n');
  const worker = startQdoWorker({ bin, config, dir: dir.path, env });
  running.push(worker);
  void worker.exited.then(() => dir[Symbol.dispose]());
  return worker;
}

const parsed = (lines: string[]) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('QDO_LOG_FORMAT = json', () => {
  it('makes every line of a run with the embedded server, a retry, a saved failure and a stop JSON', async () => {
    const worker = startWorker(
      SILENT_JOB,
      {
        worker: [
          'metrics_port = 0',
          'retries = 1',
          'retry_delay = 0',
          'job_failure = @qdo/failure:saveFailedMessage',
        ],
        queuey: ['connection = embedded:var/q.db', 'embedded_port = 0'],
      },
      { QDO_LOG_FORMAT: 'json' },
    );
    const [, appRoot] = await worker.waitForLine(/"msg":"Queuey \(embedded\): (http:[^"]+)"/);
    const [, key] = await worker.waitForLine(/"msg":"app key: ([0-9a-f]{32})"/);
    await worker.waitForLine(/"msg":"worker \S+ started"/);
    const posted = await fetch(`${appRoot}example`, {
      method: 'POST',
      headers: { Authorization: `Application ${key}` },
      body: 'fail here',
    });
    expect(posted.status).toBe(201);
    const { messages } = (await posted.json()) as { messages: { key: string }[] };
    const id = messages[0]?.key as string;
    await worker.waitForLine(/"level":"error".*"msg":"job failed for message /);
    const stopped = await worker.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toBe('');

    const lines = worker.lines('stdout');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const all = parsed(lines);
    for (const line of all)
      expect(Object.keys(line).slice(0, 2), JSON.stringify(line)).toEqual(['time', 'level']);
    const retried = all.filter((l) => l.level === 'warn' && /runs again/.test(String(l.msg)));
    expect(retried).toMatchObject([{ partition: 'example-1', message_id: id }]);
    const failed = all.filter((l) => l.level === 'error');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      name: 'qdo-worker',
      msg: `job failed for message ${id} in example-1`,
      partition: 'example-1',
      message_id: id,
      err: { name: 'Error', message: 'boom 42', stack: expect.stringContaining('job.mjs') },
    });
    expect(all.some((l) => /SIGTERM/.test(String(l.msg)))).toBe(true);
    expect(all.some((l) => /worker \S+ stopped/.test(String(l.msg)))).toBe(true);
    // debug is off by default: not one line of the loop's decisions
    expect(all.filter((l) => l.level === 'debug')).toEqual([]);
  });
});

describe('log_level = debug', () => {
  const f = useQdoServer();

  async function runOne(level: string) {
    await f.client.createQueue({ queueName: 'jobs' }).catch(() => undefined);
    const worker = startWorker(PRINTING_JOB, {
      worker: ['log_format = json', `log_level = ${level}`],
      queuey: [`connection = ${f.server.url}/v1/queuey/`, `app_key = ${KEY}`],
    });
    await worker.waitForLine(/"msg":"worker \S+ started"/);
    await f.client.postMessages('jobs', [{ body: `one ${level}`, partition: 1 }]);
    await worker.waitForLine(new RegExp(`^ran one ${level}$`));
    return worker;
  }

  it('logs the loop decisions: acquire, reads with counts, commits, idle waits, let go', async () => {
    const worker = await runOne('debug');
    await worker.waitForLine(/"level":"debug".*"msg":"jobs-1: committed"/);
    await worker.waitForLine(/"level":"debug".*"msg":"idle: /);
    expect((await worker.stop('SIGTERM')).code).toBe(0);
    const debug = parsed(worker.lines('stdout').filter((l) => l.startsWith('{'))).filter(
      (l) => l.level === 'debug',
    );
    const about = (pattern: RegExp) => debug.filter((l) => pattern.test(String(l.msg)));
    expect(about(/^jobs-1: acquired/)).toMatchObject([{ partition: 'jobs-1' }]);
    expect(about(/^jobs-1: read 1 message/)).toMatchObject([{ partition: 'jobs-1', count: 1 }]);
    expect(about(/^jobs-1: committed$/)[0]).toMatchObject({ position: expect.any(String) });
    expect(about(/^idle: /).length).toBeGreaterThan(0);
    expect(about(/^jobs-1: let go$/)).toHaveLength(1);
  });

  it('log_level = info prints none of them', async () => {
    const worker = await runOne('info');
    expect((await worker.stop('SIGTERM')).code).toBe(0);
    const lines = worker.lines('stdout').filter((l) => l.startsWith('{'));
    expect(lines.some((l) => /worker \S+ stopped/.test(l))).toBe(true);
    expect(parsed(lines).filter((l) => l.level === 'debug')).toEqual([]);
  });
});
