// A reader that goes away (`qdo errors ls | head -1`) ends a bin quietly:
// no unhandled EPIPE, no stack trace.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ERROR_QUEUE, ensureBookkeepingQueues } from '@qdo/core';
import { describe, expect, it } from 'vitest';
import { exampleWorkerConfig, KEY, useQdoServer } from './qdo-server.js';
import { startBin } from './spawn.js';

const qdoBin = fileURLToPath(new URL('../dist/bin/qdo.js', import.meta.url));

describe('bins whose output pipe closes early', () => {
  const f = useQdoServer();

  it('qdo errors ls | head -1 prints the first line and qdo exits 0 without a word', async () => {
    await ensureBookkeepingQueues(f.client, { only: ERROR_QUEUE });
    // More than a pipe buffer (64 KiB) of output: qdo is still writing when head has gone.
    const body = JSON.stringify({
      message_id: 'a'.repeat(32),
      timestamp: '1700000000.0000000',
      body: 'x'.repeat(100_000),
      partition: 1,
      queue: 'jobs-1',
    });
    for (let i = 0; i < 3; i++) await f.client.postMessages('qdo_error', [{ body, partition: 1 }]);
    const script = `set -o pipefail; node "$QDO" errors ls --json --connection "$URL" --app-key "$KEY" 2>err.txt | head -1`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], {
      cwd: f.dir.path,
      env: { ...process.env, QDO: qdoBin, URL: `${f.server.url}/v1/queuey/`, KEY },
    });
    expect(stdout).toBe('[\n');
    expect(readFileSync(f.dir.file('err.txt'), 'utf8')).toBe('');
  });

  it('qdo-worker with its stdout closed stops as on SIGTERM, exit 0, without a stack', async () => {
    await f.client.createQueue({ queueName: 'jobs' });
    await f.client.postMessages('jobs', [{ body: 'one' }, { body: 'two' }]);
    writeFileSync(f.dir.file('w.conf'), exampleWorkerConfig(f.server.url));
    const worker = startBin('qdo-worker', ['-c', 'w.conf'], { cwd: f.dir.path });
    worker.child.stdout?.destroy();
    const exit = await worker.exited;
    expect(exit, worker.stderr).toEqual({ code: 0, signal: null });
    expect(worker.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  });

  it('qdo --help with its stdout closed exits 0 without a word', async () => {
    const help = startBin('qdo', ['--help']);
    help.child.stdout?.destroy();
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(help.stderr).toBe('');
  });
});
