import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignPartitions } from '../src/index.js';
import { partitionsOf } from './support/helpers.js';

function owners(assignment: Map<string, string[]>): Map<string, string> {
  const result = new Map<string, string>();
  for (const [member, partitions] of assignment) for (const p of partitions) result.set(p, member);
  return result;
}

const names = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 40 });
const members = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
  minLength: 1,
  maxLength: 8,
});

describe('assignPartitions', () => {
  it('gives every partition to exactly one member, each within one of an even share', () => {
    fc.assert(
      fc.property(members, names, (people, work) => {
        const assignment = assignPartitions(people, work);
        const all = [...assignment.values()].flat();
        expect(all.sort()).toEqual([...work].sort());
        const cap = Math.ceil(work.length / people.length);
        for (const share of assignment.values()) expect(share.length).toBeLessThanOrEqual(cap);
      }),
    );
  });

  it('does not depend on the order in which members and partitions are listed', () => {
    fc.assert(
      fc.property(members, names, (people, work) => {
        const a = assignPartitions(people, work);
        const b = assignPartitions([...people].reverse(), [...work].reverse());
        expect(owners(b)).toEqual(owners(a));
      }),
    );
  });

  it('moves little more than the newcomer share when a member joins', () => {
    const work = partitionsOf(20, 50);
    const people = Array.from({ length: 9 }, (_, i) => `host-${i}`);
    const before = owners(assignPartitions(people, work));
    const after = owners(assignPartitions([...people, 'newcomer'], work));
    const moved = work.filter((p) => before.get(p) !== after.get(p));
    const share = work.length / 10;
    expect(moved.length).toBeGreaterThanOrEqual(share);
    expect(moved.length).toBeLessThanOrEqual(share * 1.2);
    expect(moved.filter((p) => after.get(p) === 'newcomer').length).toBe(share);
  });

  it('moves only the leaver share when a member leaves', () => {
    const work = partitionsOf(3, 9);
    const people = ['a', 'b', 'c'];
    const before = owners(assignPartitions(people, work));
    const after = owners(assignPartitions(['a', 'b'], work));
    const moved = work.filter((p) => before.get(p) !== after.get(p));
    expect(moved.every((p) => before.get(p) === 'c')).toBe(true);
  });

  it('returns an empty share for each member when there is no work', () => {
    expect(assignPartitions(['a', 'b'], [])).toEqual(
      new Map([
        ['a', []],
        ['b', []],
      ]),
    );
  });
});
