import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import { type NodeProcess, waitFor } from '@qdo/test-utils';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from './helpers.js';
import { exampleWorkerConfig, KEY } from './qdo-server.js';
import { run, startBin } from './spawn.js';

let server: RunningServer | undefined;
let dir: ReturnType<typeof tempDir> | undefined;
const running: NodeProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) await cli[Symbol.asyncDispose]();
  await server?.close();
  server = undefined;
  dir?.[Symbol.dispose]();
});

async function setup(extra: string[] = []) {
  dir = tempDir({});
  server = await startServer({ port: 0, db: dir.file('q.db'), applications: { queuey: [KEY] } });
  const queuey = new QueueyClient({ connection: [`${server.url}/v1/queuey/`], appKey: KEY });
  await queuey.createQueue({ queueName: 'ops' });
  writeFileSync(dir.file('qdo.conf'), exampleWorkerConfig(server.url, { worker: extra }));
  return { queuey, dir };
}

function start(env: Record<string, string> = {}) {
  const worker = startBin('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir?.path as string, env });
  running.push(worker);
  return worker;
}

/** Polls until `fn` gives what `ok` accepts; the last answer is in the failure. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  let last: T | undefined;
  const found = await waitFor(
    async () => {
      last = await fn();
      return ok(last) ? { value: last } : undefined;
    },
    { timeout: ms, interval: 50, what: () => `an accepted answer; last: ${JSON.stringify(last)}` },
  );
  return (found as { value: T }).value;
}

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};

describe('metrics port: /metrics, /healthz, /readyz', () => {
  it('answers health, readiness (not ready once the server is gone) and Node process metrics', async () => {
    await setup(['metrics_port = 0']);
    const worker = start();
    const [, metricsUrl] = await worker.waitForLine(
      /^metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics$/,
    );
    expect(await get(`${metricsUrl}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
    const ready = await until(
      () => get(`${metricsUrl}/readyz`),
      (r) => r.status === 200,
    );
    expect(ready.body).toMatch(/^ready: owns 1 partition\(s\)\n$/);
    const metrics = await get(`${metricsUrl}/metrics`);
    expect(metrics.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(metrics.body).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect((await get(`${metricsUrl}/nope`)).status).toBe(404);

    await server?.close();
    server = undefined;
    const down = await until(
      () => get(`${metricsUrl}/readyz`),
      (r) => r.status === 503,
    );
    expect(down.body).toBe('not ready: the Queuey server does not answer (outage)\n');
    expect(await get(`${metricsUrl}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
  });

  it('listens on metrics_host', async () => {
    await setup(['metrics_port = 0', 'metrics_host = 127.0.0.2']);
    const worker = start();
    const [, port] = await worker.waitForLine(/^metrics: http:\/\/127\.0\.0\.2:(\d+)\/metrics$/);
    expect((await get(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('on loopback answers only to loopback Host names: a DNS-rebinding page reads nothing', async () => {
    await setup(['metrics_port = 0']);
    const worker = start();
    const [, port = ''] = await worker.waitForLine(
      /^metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics$/,
    );
    const withHost = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/metrics', headers: { host } },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (d: string) => {
              body += d;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject).end();
      });
    for (const host of [`127.0.0.1.attacker.example:${port}`, `evil.example:${port}`]) {
      const answer = await withHost(host);
      expect(answer.status, host).toBe(421);
      expect(answer.body, host).not.toMatch(/process_cpu/);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost'])
      expect((await withHost(host)).status, host).toBe(200);
  });

  it('says which keys to fix when the metrics port cannot be had', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const { port } = taken.address() as AddressInfo;
    await setup([`metrics_port = ${port}`]);
    const result = await run('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir?.path as string });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `qdo-worker: metrics: cannot listen on 127.0.0.1:${port} (EADDRINUSE): check [qdo-worker] metrics_host and metrics_port\n`,
    );
  });
});

describe('log_format and log_level', () => {
  it('log_format = json writes one JSON object per line, also for the failure hook and the metrics URL', async () => {
    const { queuey } = await setup(['log_format = json', 'metrics_port = 0']);
    const worker = start();
    await worker.waitForLine(/^\{.*"msg":"metrics: http:\/\/127\.0\.0\.1:\d+\/metrics"\}$/);
    const [line] = await worker.waitForLine(/^\{.*worker .* started.*\}$/);
    expect(JSON.parse(line)).toMatchObject({
      level: 'info',
      msg: expect.stringMatching(/^worker \S+ started$/),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    await queuey.postMessages('ops', [{ body: 'fail' }]);
    // the default job_failure logs through the worker's logger
    const [failed] = await worker.waitForLine(/^\{.*"level":"error".*\}$/);
    expect(JSON.parse(failed)).toMatchObject({
      name: 'qdo-worker',
      msg: expect.stringMatching(/^job failed for message [0-9a-f]{32} in ops-1$/),
      err: { message: expect.stringContaining('this job fails on "fail"') },
    });
    const notJob = worker.stdout.split('\n').filter((l) => l && !/^[0-9a-f]{32}: /.test(l));
    for (const l of notJob) expect(() => JSON.parse(l), l).not.toThrow();
  });

  it('log_level = warn hides info lines; QDO_LOG_LEVEL overrides the INI', async () => {
    const { queuey } = await setup(['log_level = warn']);
    const quiet = start();
    await queuey.postMessages('ops', [{ body: 'first' }]);
    await quiet.waitForLine(/: first$/);
    expect(quiet.stdout).not.toMatch(/INFO/);
    const loud = start({ QDO_LOG_LEVEL: 'info', QDO_LOG_FORMAT: 'json' });
    await loud.waitForLine(/^\{"time":.*"level":"info".*"msg":"worker \S+ started"\}$/);
  });

  it('rejects a bad QDO_LOG_FORMAT as a usage problem, exit 2', async () => {
    await setup();
    const result = await run('qdo-worker', ['-c', 'qdo.conf'], {
      cwd: dir?.path as string,
      env: { QDO_LOG_FORMAT: 'xml' },
    });
    expect(result).toMatchObject({
      code: 2,
      stderr: 'qdo-worker: $QDO_LOG_FORMAT: expected one of pretty, json, got "xml"\n',
    });
  });
});
