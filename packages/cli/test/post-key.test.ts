import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { waitFor } from '@qdo/test-utils';
import { describe, expect, it } from 'vitest';
import { useQdoServer, workerConfig } from './qdo-server.js';
import { startBin } from './spawn.js';

const f = useQdoServer();

/** A job that records what it got, and a job_failure that records the error it was given. */
const JOBS = `import { appendFileSync } from 'node:fs';
export const job = (m) => appendFileSync('seen.txt', typeof m.body + ' ' + m.body.n + '\\n');
export const failure = (m, _c, _queue, error) =>
  appendFileSync('failed.txt', m.message_id + ' ' + error.name + ': ' + error.message + '\\n');
`;

async function createQueue(partitions: number): Promise<string> {
  const queue = `keyed${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
  await f.client.createQueue({ queueName: queue, partitions });
  return queue;
}

describe('qdo post --key', () => {
  it('posts to the partition of the key test vectors, in order', async () => {
    const queue = await createQueue(8);
    // @qdo/queuey-client's README vectors: "user-2" → 1 and "🔑" → 8 of 8 partitions.
    const a = await f.qdo(['post', queue, '--key', 'user-2', 'first', 'second', 'third']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain(`posted 3 messages to ${queue}`);
    const b = await f.qdo(['post', queue, '--key', '🔑', 'other']);
    expect(b.code, b.stderr).toBe(0);
    const read = await f.client.messages(queue, { partitions: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(read.map((m) => [m.partition, m.body])).toEqual([
      [1, 'first'],
      [1, 'second'],
      [1, 'third'],
      [8, 'other'],
    ]);
  });

  it('refuses --key with --partition in one line, exit 2, posting nothing', async () => {
    const queue = await createQueue(2);
    const result = await f.qdo(['post', queue, '--key', 'k', '--partition', '2', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'qdo: qdo post: give --key or --partition, not both (the key chooses the partition)',
    );
    expect(await f.client.messages(queue, { partitions: [1, 2] })).toEqual([]);
  });

  it('says a keyed post to a missing queue needs the queue created', async () => {
    const result = await f.qdo(['post', 'nosuchqueue', '--key', 'k', 'x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('queue "nosuchqueue" does not exist');
  });
});

describe('qdo-worker with body = json', () => {
  it('hands the job parsed bodies and sends one that does not parse to job_failure', async () => {
    const queue = await createQueue(1);
    const read = (name: string) =>
      existsSync(f.dir.file(name)) ? readFileSync(f.dir.file(name), 'utf8') : '';
    writeFileSync(f.dir.file('jobs.mjs'), JOBS);
    writeFileSync(
      f.dir.file('qdo.conf'),
      workerConfig(f.server.url, {
        job: ['job = ./jobs.mjs:job', 'job_failure = ./jobs.mjs:failure', 'body = json'],
        sections: ['[partitions]', 'policy = all'],
      }),
    );
    await f.client.queue<{ n: number }>(queue).post({ n: 1 });
    const [bad] = await f.client.postMessages(queue, [{ body: '{"n":' }]);
    await f.client.queue<{ n: number }>(queue).post({ n: 2 });
    await using worker = startBin('qdo-worker', ['-c', 'qdo.conf'], { cwd: f.dir.path });
    await waitFor(() => read('seen.txt').split('\n').length === 3 && read('failed.txt'), {
      what: () => `two jobs and one failure; stderr: ${worker.stderr}`,
    });
    const exit = await worker.stop('SIGTERM');
    expect(exit.code, exit.stderr).toBe(0);
    expect(read('seen.txt')).toBe('object 1\nobject 2\n');
    expect(read('failed.txt')).toMatch(
      new RegExp(
        `^${bad?.key} BodyParseError: body of message ${bad?.key} in ${queue}-1 does not parse: .*JSON.*\\n$`,
      ),
    );
  });
});
