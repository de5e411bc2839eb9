import { describe, expect, it } from 'vitest';
import { openContext } from '../src/index.js';

describe('openContext', () => {
  it('gives a fresh {} without a hook', async () => {
    const a = await openContext();
    const b = await openContext();
    expect(a.context).toEqual({});
    expect(a.context).not.toBe(b.context);
    await a.close();
  });

  it('runs an async generator up to its yield and its finally exactly once at close', async () => {
    const events: string[] = [];
    const opened = await openContext(async function* () {
      events.push('setup');
      try {
        yield { n: 1 };
      } finally {
        events.push('teardown');
      }
    });
    expect(opened.context).toEqual({ n: 1 });
    expect(events).toEqual(['setup']);
    await opened.close();
    await opened.close();
    expect(events).toEqual(['setup', 'teardown']);
  });

  it('accepts a sync generator', async () => {
    let closed = 0;
    const opened = await openContext(function* () {
      try {
        yield 'ctx';
      } finally {
        closed += 1;
      }
    });
    expect(opened.context).toBe('ctx');
    await opened.close();
    expect(closed).toBe(1);
  });

  it('disposes an async-disposable or disposable result', async () => {
    const calls: string[] = [];
    const a = await openContext(() => ({
      async [Symbol.asyncDispose]() {
        calls.push('async');
      },
    }));
    await a.close();
    const b = await openContext(async () => ({
      [Symbol.dispose]() {
        calls.push('sync');
      },
    }));
    await b.close();
    await b.close();
    expect(calls).toEqual(['async', 'sync']);
  });

  it('uses a plain value or a promise of one as the context', async () => {
    expect((await openContext(() => [1, 2])).context).toEqual([1, 2]);
    expect((await openContext(async () => 'x')).context).toBe('x');
  });

  it('fails clearly when a generator never yields', async () => {
    await expect(openContext(async function* () {})).rejects.toThrow(/without yielding/);
  });
});
