import { writeFileSync } from 'node:fs';
import { QueueyClient } from '@qdo/queuey-client';
import { type RunningServer, startServer } from '@qdo/queuey-server';
import type { NodeProcess } from '@qdo/test-utils';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';
import { ini, tempDir } from './helpers.js';
import { exampleWorkerConfig, KEY } from './qdo-server.js';
import { run, startBin } from './spawn.js';

const typos = ini`
[qdo-worker]
wait_intervall = 3
colour = red
[queuey]
app_kye = x
[qdo_worker]
name = y
`;

describe('unknown sections and keys (the original accepts any)', () => {
  it('are warnings naming file:line and the nearest known key; the config loads', () => {
    using dir = tempDir({ 'a.conf': typos });
    const config = loadConfig(dir.file('a.conf'));
    expect(config.worker.waitInterval).toBe(30);
    expect(config.warnings.map((w) => [w.line, w.section, w.key, w.message])).toEqual([
      [2, 'qdo-worker', 'wait_intervall', 'unknown key, ignored (did you mean wait_interval?)'],
      [3, 'qdo-worker', 'colour', expect.stringMatching(/^unknown key, ignored \(known: \w+/)],
      [5, 'queuey', 'app_kye', 'unknown key, ignored (did you mean app_key?)'],
      [6, 'qdo_worker', undefined, 'unknown section, ignored (did you mean qdo-worker?)'],
    ]);
  });

  it('are errors with strict', () => {
    using dir = tempDir({ 'a.conf': typos });
    const error = (() => {
      try {
        loadConfig(dir.file('a.conf'), { strict: true });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      expect.stringMatching(
        /a\.conf:2 \[qdo-worker\] wait_intervall: unknown key \(did you mean wait_interval\?\)$/,
      ),
      expect.stringMatching(/a\.conf:3 \[qdo-worker\] colour: unknown key \(known: /),
      expect.stringMatching(
        /a\.conf:5 \[queuey\] app_kye: unknown key \(did you mean app_key\?\)$/,
      ),
      expect.stringMatching(
        /a\.conf:6 \[qdo_worker\]: unknown section \(did you mean qdo-worker\?\)$/,
      ),
    ]);
  });

  it('are printed by the commands on stderr, which go on; --strict exits 2', async () => {
    using dir = tempDir({ 'a.conf': '[queuey]\napp_kye = x\n' });
    const server = await startServer({
      port: 0,
      db: ':memory:',
      applications: { queuey: [KEY] },
    });
    onTestFinished(() => server.close());
    const args = [
      'queues',
      'ls',
      '-c',
      'a.conf',
      '--connection',
      `${server.url}/v1/queuey/`,
      '--app-key',
      KEY,
    ];
    const lenient = await run('qdo', args, { cwd: dir.path });
    expect(lenient).toMatchObject({
      code: 0,
      stderr:
        'qdo: warning: a.conf:2 [queuey] app_kye: unknown key, ignored (did you mean app_key?)\n',
    });
    expect(lenient.stdout).toMatch(/^QUEUE/);
    const strict = await run('qdo', [...args, '--strict'], { cwd: dir.path });
    expect(strict).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'qdo: a.conf:2 [queuey] app_kye: unknown key (did you mean app_key?)\n',
    });
  });
});

describe('manual ids of partitions that do not exist yet', () => {
  let server: RunningServer | undefined;
  const running: NodeProcess[] = [];
  afterEach(async () => {
    for (const cli of running.splice(0)) await cli[Symbol.asyncDispose]();
    await server?.close();
  });

  it('are kept with a warning and worked on once the queue grows (worker process)', async () => {
    using dir = tempDir({});
    server = await startServer({ port: 0, db: dir.file('q.db'), applications: { queuey: [KEY] } });
    const queuey = new QueueyClient({ connection: [`${server.url}/v1/queuey/`], appKey: KEY });
    await queuey.createQueue({ queueName: 'grow', partitions: 1 });
    writeFileSync(
      dir.file('qdo.conf'),
      exampleWorkerConfig(server.url, {
        sections: ['[partitions]', 'ids =', '    grow-1', '    grow-3'],
      }),
    );
    const worker = startBin('qdo-worker', ['-c', 'qdo.conf'], { cwd: dir.path });
    running.push(worker);
    await worker.waitForOutput(
      /WARN.*\[partitions\] ids: partition grow-3 does not exist \(yet\); kept, and worked on once queue grow has 3 partitions/,
    );
    await queuey.postMessages('grow', [{ body: 'one', partition: 1 }]);
    await worker.waitForLine(/: one$/);
    await queuey.updateQueue('grow', { partitions: 3 });
    await queuey.postMessages('grow', [
      { body: 'not-mine', partition: 2 },
      { body: 'three', partition: 3 },
    ]);
    await worker.waitForOutput(/partition grow-3 exists now; working on it/);
    await worker.waitForLine(/: three$/);
    expect(worker.stdout).not.toMatch(/: not-mine$/m);
    expect(worker.stdout).not.toMatch(/grow-1 does not exist/);
  });
});
