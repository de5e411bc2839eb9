import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { run, STACK_LINE } from './spawn.js';

describe('qdo-worker as a command', () => {
  it('prints its version with -v and --version', async () => {
    const long = await run('qdo-worker', ['--version']);
    const short = await run('qdo-worker', ['-v']);
    expect(long).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^qdo-worker \d+\.\d+\.\d+\n$/),
    });
    expect(short.stdout).toBe(long.stdout);
    const qdo = await run('qdo', ['--version']);
    expect(qdo.stdout).toMatch(/^qdo \d+\.\d+\.\d+\n$/);
  });

  it('prints help with exit 0', async () => {
    const result = await run('qdo-worker', ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: qdo-worker [-c FILE]');
  });

  it('exits 2 with one line per config problem and no stack trace', async () => {
    using dir = tempDir({
      'bad.conf': '[qdo-worker]\nbatch_size = many\n[queuey]\ncolour = red\n',
    });
    const result = await run('qdo-worker', ['-c', 'bad.conf'], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'qdo-worker: bad.conf [qdo-worker] job: required: the job hook as module:export, e.g. job = ./jobs/example.ts:job (or job_batch for a batch at a time)',
      'qdo-worker: bad.conf:2 [qdo-worker] batch_size: expected an integer, got "many"',
      'qdo-worker: warning: bad.conf:4 [queuey] colour: unknown key, ignored (known: app_key, connection, embedded_port)',
    ]);
    expect(result.stdout).toBe('');
  });

  it('reads etc/qdo-worker.conf by default and says when it is missing', async () => {
    using dir = tempDir();
    const result = await run('qdo-worker', [], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'qdo-worker: etc/qdo-worker.conf: cannot read config file: no such file\n',
    );
  });

  it('exits 2 on a missing hook module or export, in one line', async () => {
    using dir = tempDir({
      'a.conf': '[qdo-worker]\njob = ./jobs/none.js:job\n',
      'b.conf': '[qdo-worker]\njob = ./jobs/j.mjs:nope\n',
      'jobs/j.mjs': 'export const job = () => {};\n',
    });
    const a = await run('qdo-worker', ['-c', 'a.conf'], { cwd: dir.path });
    const b = await run('qdo-worker', ['-c', 'b.conf'], { cwd: dir.path });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(
      /^qdo-worker: hook .*none\.js:job: no such file .*none\.js \(paths are relative to the config file\)\n$/,
    );
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(
      /^qdo-worker: hook .*j\.mjs:nope: .*j\.mjs has no export "nope" \(it exports: job\)\n$/,
    );
  });

  it('exits 2 on an unknown option, and shows the stack only with --debug', async () => {
    const unknown = await run('qdo-worker', ['--colour']);
    expect(unknown).toMatchObject({
      code: 2,
      stderr: 'qdo-worker: unknown option --colour (see qdo-worker --help)\n',
    });
    using dir = tempDir({ 'bad.conf': '[qdo-worker]\nbatch_size = many\n' });
    const plain = await run('qdo-worker', ['-c', 'bad.conf'], { cwd: dir.path });
    const debug = await run('qdo-worker', ['-c', 'bad.conf', '--debug'], { cwd: dir.path });
    expect(plain.stderr).not.toMatch(STACK_LINE);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it('names [zookeeper] when the automatic policy gets a bad connection string', async () => {
    using dir = tempDir({
      'z.conf':
        '[qdo-worker]\njob = ./j.mjs:job\n[partitions]\npolicy = automatic\n[zookeeper]\nconnection = "zk host:2181"\n',
      'j.mjs': 'export const job = () => {};\n',
    });
    const result = await run('qdo-worker', ['-c', 'z.conf'], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^qdo-worker: .*z\.conf: \[zookeeper\] ZooKeeper connection 'zk host:2181' is not a list of host:port/,
    );
  });

  it('exits 1 with one line, no stack, when no server answers', async () => {
    using dir = tempDir({
      'c.conf': '[queuey]\nconnection = http://127.0.0.1:9/v1/queuey/\napp_key = secret-key-1\n',
    });
    const result = await run('qdo', ['queues', 'ls', '-c', 'c.conf'], { cwd: dir.path });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).not.toContain('secret-key-1');
  });
});
