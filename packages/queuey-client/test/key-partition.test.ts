import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../src/index.js';
import { murmur2 } from '../src/key-partition.js';
import { readmeVectors } from './vectors.js';

/** The partition counts of the table's columns. */
const COUNTS = [3, 8, 100];

describe('partitionForKey', () => {
  it("matches the murmur2 values of Kafka's own tests", () => {
    const kafka: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of kafka) expect(murmur2(new TextEncoder().encode(key)), key).toBe(hash);
  });

  it("places every key of the README's test vectors where the table says", () => {
    const vectors = readmeVectors();
    expect(vectors.length).toBeGreaterThanOrEqual(10);
    for (const { key, hash, partitions } of vectors) {
      expect(murmur2(new TextEncoder().encode(key)), key).toBe(hash);
      expect(
        COUNTS.map((count) => partitionForKey(key, count)),
        key,
      ).toEqual(partitions);
    }
  });

  it('puts every key in 1..partitions and spreads keys over all of them', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const partition = partitionForKey(`key-${i}`, 7);
      expect(partition).toBeGreaterThanOrEqual(1);
      expect(partition).toBeLessThanOrEqual(7);
      seen.add(partition);
    }
    expect(seen.size).toBe(7);
  });

  it('refuses a partition count that is not a positive integer', () => {
    expect(() => partitionForKey('k', 0)).toThrow(/partitions must be a positive integer, got 0/);
  });
});
