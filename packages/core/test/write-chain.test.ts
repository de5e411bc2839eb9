import { describe, expect, it } from 'vitest';
import { WriteChain } from '../src/write-chain.js';

/** A write the test ends by hand, recording when it started. */
function gate(log: string[], name: string) {
  let open: (fail?: boolean) => void = () => {};
  const step = () => {
    log.push(`${name} started`);
    return new Promise<void>((resolve, reject) => {
      open = (fail) => (fail ? reject(new Error(`${name} failed`)) : resolve());
    });
  };
  return { step, open: (fail?: boolean) => open(fail) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the write chain of a status message', () => {
  it('runs one write at a time in order; a failed one fails its awaiter alone', async () => {
    const log: string[] = [];
    const chain = new WriteChain();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => gate(log, name)) as [
      ReturnType<typeof gate>,
      ReturnType<typeof gate>,
      ReturnType<typeof gate>,
    ];
    const first = chain.add(a.step);
    const second = chain.add(b.step);
    const third = chain.add(c.step);
    await settle();
    expect(log).toEqual(['a started']);
    a.open(true);
    await expect(first).rejects.toThrow('a failed');
    await settle();
    expect(log).toEqual(['a started', 'b started']);
    b.open();
    await second;
    await settle();
    c.open();
    await third;
    expect(log).toEqual(['a started', 'b started', 'c started']);
    expect(chain.tail).toBeUndefined();
  });

  it('lets a commit waiting behind another write stand for the commits asked after it', async () => {
    const log: string[] = [];
    const chain = new WriteChain();
    const held = gate(log, 'on its way');
    const onItsWay = chain.commit(held.step);
    let commits = 0;
    const commit = async () => {
      commits += 1;
    };
    const queued = chain.commit(commit);
    expect(chain.commit(commit)).toBe(queued);
    expect(chain.tail).toBe(queued);
    await settle();
    held.open();
    await Promise.all([onItsWay, queued]);
    expect(commits).toBe(1);
    // Nothing waits now: the next commit is a write of its own.
    const next = chain.commit(commit);
    expect(next).not.toBe(queued);
    await next;
    expect(commits).toBe(2);
  });
});
