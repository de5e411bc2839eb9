import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { defineCommand } from '../src/cli/command.js';
import { qdoCommand } from '../src/commands/qdo.js';
import { QUEUES_USAGE } from '../src/commands/queues.js';
import { UsageError } from '../src/errors.js';
import type { Io } from '../src/run.js';

function memoryIo(): Io & { out(): string } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk) => {
    text += String(chunk);
  });
  return { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, out: () => text };
}

const demo = defineCommand(
  {
    name: 'qdo demo',
    usage: 'Usage: qdo demo ACTION',
    actions: true,
    flags: { json: 'boolean' },
  },
  async ({ values, positionals }, io) => {
    io.stdout.write(`ran ${positionals.join(' ')}${values.json ? ' as json' : ''}\n`);
    return 7;
  },
);

describe('defineCommand', () => {
  it('prints the usage for --help and exits 0 without running', async () => {
    const io = memoryIo();
    expect(await demo(['ls', '--help'], io)).toBe(0);
    expect(io.out()).toBe('Usage: qdo demo ACTION\n');
  });

  it('prints the usage and exits 2 when a command with actions gets none', async () => {
    const io = memoryIo();
    expect(await demo(['--json'], io)).toBe(2);
    expect(io.out()).toBe('Usage: qdo demo ACTION\n');
  });

  it('runs on the parsed flags and arguments and returns its exit code', async () => {
    const io = memoryIo();
    expect(await demo(['ls', 'a', '--json'], io)).toBe(7);
    expect(io.out()).toBe('ran ls a as json\n');
  });

  it('takes the connection flags besides its own', async () => {
    const io = memoryIo();
    expect(await demo(['ls', '-c', 'x.conf', '--app-key', 'k', '--json'], io)).toBe(7);
    expect(io.out()).toBe('ran ls as json\n');
  });

  it('turns an unknown flag into a usage error that points at the command help', async () => {
    const run = demo(['ls', '--nope'], memoryIo());
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow('unknown option --nope (see qdo demo --help)');
  });

  it("collects a repeatable ('strings') flag given more than once", async () => {
    const tags = defineCommand(
      { name: 'qdo tags', usage: 'Usage: qdo tags', flags: { tag: 'strings' } },
      async ({ values }, io) => {
        io.stdout.write(`${JSON.stringify(values.tag ?? null)}\n`);
        return 0;
      },
    );
    const io = memoryIo();
    await tags(['--tag', 'a', '--tag', 'b'], io);
    await tags([], io);
    expect(io.out()).toBe('["a","b"]\nnull\n');
  });

  it('is how qdo queues answers without an action', async () => {
    const io = memoryIo();
    expect(await qdoCommand(['queues'], io)).toBe(2);
    expect(io.out()).toBe(`${QUEUES_USAGE}\n`);
  });
});
