import { existsSync, readFileSync } from 'node:fs';
import { type NodeProcess, waitFor } from '@qdo/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { row, useQdoServer, workerConfig } from './qdo-server.js';
import { startBin } from './spawn.js';

const f = useQdoServer();
const running: NodeProcess[] = [];
afterEach(async () => {
  for (const worker of running.splice(0)) await worker[Symbol.asyncDispose]();
});

/** A job of 20 ms that records when each message's job starts and ends. */
const JOB = `import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
export async function job(message) {
  appendFileSync('runs.txt', \`start \${message.body} \${Date.now()}\\n\`);
  await sleep(20);
  appendFileSync('runs.txt', \`end \${message.body} \${Date.now()}\\n\`);
}
`;

interface Run {
  what: 'start' | 'end';
  body: string;
  at: number;
}

function runs(dir: { file(name: string): string }): Run[] {
  if (!existsSync(dir.file('runs.txt'))) return [];
  return readFileSync(dir.file('runs.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [what, body, at] = line.split(' ');
      return { what: what as Run['what'], body: body as string, at: Number(at) };
    });
}

const on = (p: number) => (r: Run) => r.body.startsWith(`${p}:`);
const bodies = (p: number, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `${p}:${String(from + i).padStart(4, '0')}`);

describe('qdo pause and qdo resume', () => {
  it('pause stops a draining partition within 1 s, holds across a restart, and resume goes on from the same position', async () => {
    await f.client.createQueue({ queueName: 'pq', partitions: 2 });
    for (const p of [1, 2]) {
      await f.client.postMessages(
        'pq',
        bodies(p, 0, 200).map((body) => ({ body, partition: p })),
      );
    }
    using dir = tempDir({
      'job.mjs': JOB,
      'qdo.conf': workerConfig(f.server.url, { job: ['job = ./job.mjs:job'] }),
    });
    const start = () => {
      const worker = startBin('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir.path });
      running.push(worker);
      return worker;
    };
    const first = start();
    const started = (p: number, after = 0) =>
      runs(dir).filter((r) => r.what === 'start' && on(p)(r) && r.at > after);
    await waitFor(() => started(1).length >= 20, { timeout: 30_000, what: 'pq-1 drains' });

    const paused = await f.qdo(['pause', 'pq-1']);
    const returnedAt = Date.now();
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/^paused pq-1 at \S+\n$/);
    // The other partition goes on: 50 of its jobs (over 1 s of them) after the pause.
    await waitFor(() => started(2, returnedAt).length >= 50, {
      timeout: 30_000,
      what: 'pq-2 goes on',
    });
    expect(started(1, returnedAt + 1000), 'pq-1 jobs starting 1 s after the pause').toEqual([]);
    const last = Math.max(0, ...started(1).map((r) => r.at - returnedAt));
    console.info(
      `qdo pause mid-drain: the last pq-1 job started ${last} ms after the command returned`,
    );
    const status = await f.qdo(['status']);
    expect(row(status.stdout, 'pq-1')?.[7]).toBe('PAUSED');
    expect(row(status.stdout, 'pq-2')?.[7]).toBe('-');
    expect(status.stdout).toMatch(/^pq-1: PAUSED since .* by qdo pause by /m);
    expect((await f.qdo(['pause', 'pq-1'])).stdout).toMatch(/^already paused pq-1 at /);

    // A restart keeps the pause: the new worker runs pq-2, not pq-1.
    const stopped = await first.stop('SIGTERM');
    expect(stopped.code, first.output).toBe(0);
    const lastBefore = runs(dir).filter(on(1)).at(-1);
    const restartedAt = Date.now();
    start();
    await waitFor(() => started(2, restartedAt).length >= 30, {
      timeout: 30_000,
      what: 'the restarted worker runs pq-2',
    });
    expect(started(1, restartedAt), 'pq-1 jobs after the restart').toEqual([]);
    expect(runs(dir).filter(on(1)).at(-1)).toEqual(lastBefore);

    const resumed = await f.qdo(['resume', 'pq-1']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^resumed pq-1 at [0-9a-f]{32}\n$/);
    await waitFor(() => runs(dir).filter((r) => r.what === 'end' && on(1)(r)).length >= 200, {
      timeout: 60_000,
      what: 'pq-1 drains after the resume',
    });
    // Nothing skipped, nothing run twice: the pause let the job in hand finish and committed it.
    const ended = runs(dir)
      .filter((r) => r.what === 'end' && on(1)(r))
      .map((r) => r.body);
    expect(ended).toEqual(bodies(1, 0, 200));
    expect((await f.qdo(['resume', 'pq-1'])).stdout).toMatch(/^not paused pq-1 at /);
  });

  it('pauses and resumes every partition of a queue, and refuses unknown ones in one line', async () => {
    await f.client.createQueue({ queueName: 'all', partitions: 3 });
    const paused = await f.qdo(['pause', 'all']);
    expect(paused.stdout).toBe(
      'paused all-1 at (start)\npaused all-2 at (start)\npaused all-3 at (start)\n',
    );
    const status = await f.qdo(['status']);
    for (const p of [1, 2, 3]) expect(row(status.stdout, `all-${p}`)?.[7]).toBe('PAUSED');
    expect((await f.qdo(['resume', 'all-2'])).stdout).toBe('resumed all-2 at (start)\n');
    const after = await f.qdo(['status']);
    expect([1, 2, 3].map((p) => row(after.stdout, `all-${p}`)?.[7])).toEqual([
      'PAUSED',
      '-',
      'PAUSED',
    ]);
    const missing = await f.qdo(['pause', 'nosuch-1']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: 'qdo: could not pause nosuch-1: no queue named nosuch\n',
    });
    const beyond = await f.qdo(['resume', 'all-4']);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toContain('queue all has 3 partition(s), not 4');
    expect((await f.qdo(['pause'])).code).toBe(2);
    expect(await f.qdo(['pause', 'qdo_status-1'])).toMatchObject({
      code: 1,
      stderr:
        "qdo: could not pause qdo_status-1: qdo_status is qdo's own bookkeeping queue: no worker runs it\n",
    });
  });
});
