import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PartitionState, PartitionView, startingFacts } from '../src/partition-state.js';

describe("a partition's state", () => {
  it('is a read-only view: it has no setter, a write throws, the writer sees its own facts', () => {
    const facts = startingFacts();
    const view: PartitionState = new PartitionView('q-1', facts);
    const writes = [
      // @ts-expect-error read-only
      () => (view.status = 'running'),
      // @ts-expect-error read-only
      () => (view.position = 'x'),
      // @ts-expect-error read-only
      () => (view.uncommitted = 1),
      // @ts-expect-error read-only
      () => (view.stuckOn = 'x'),
      // @ts-expect-error read-only
      () => (view.paused = true),
    ];
    for (const write of writes) expect(write).toThrow(TypeError);
    expect({ ...facts }).toEqual(startingFacts());
    facts.position = 'abc';
    facts.status = 'stuck';
    expect([view.position, view.status, view.queue, view.partition]).toEqual([
      'abc',
      'stuck',
      'q',
      1,
    ]);
  });

  it('is written by its partition loop alone: no other source file makes or holds writable facts', () => {
    const dir = new URL('../src/', import.meta.url);
    const writers = readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) =>
        /startingFacts\(|PartitionFacts\b/.test(readFileSync(new URL(file, dir), 'utf8')),
      );
    expect(writers.sort()).toEqual(['partition-loop.ts', 'partition-state.ts']);
  });
});
