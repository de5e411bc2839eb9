import { describe, expect, it } from 'vitest';
import { heapFlags } from '../src/cli/heap.js';
import { ConfigError, loadConfig } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('[qdo-worker] heap', () => {
  it('lean sets the two V8 flags; node sets none', () => {
    expect(heapFlags('lean', { execArgv: [] })).toEqual([
      '--semi-space-growth-factor=1',
      '--heap-growing-percent=30',
    ]);
    expect(heapFlags('node', { execArgv: [] })).toEqual([]);
  });

  it('leaves the heap alone when the user set a heap flag of their own', () => {
    for (const own of [
      { execArgv: ['--max-semi-space-size=64'] },
      { execArgv: [], nodeOptions: '--enable-source-maps --max_semi_space_size=8' },
      { execArgv: [], nodeOptions: '--heap-growing-percent=50' },
      { execArgv: ['--optimize-for-size'] },
    ]) {
      expect(heapFlags('lean', own), JSON.stringify(own)).toEqual([]);
    }
    // Other flags are not heap sizing.
    expect(heapFlags('lean', { execArgv: ['--max-old-space-size=512'] })).toHaveLength(2);
  });

  it('is lean by default, and a bad value says what it takes', () => {
    using dir = tempDir({
      'a.conf': '',
      'b.conf': '[qdo-worker]\nheap = node\n',
      'c.conf': '[qdo-worker]\nheap = small\n',
    });
    expect(loadConfig(dir.file('a.conf')).worker.heap).toBe('lean');
    expect(loadConfig(dir.file('b.conf')).worker.heap).toBe('node');
    let problem: unknown;
    try {
      loadConfig(dir.file('c.conf'));
    } catch (error) {
      problem = error;
    }
    expect(problem).toBeInstanceOf(ConfigError);
    expect((problem as Error).message).toMatch(/c\.conf:2 \[qdo-worker\] heap: .*lean.*node/);
  });
});
