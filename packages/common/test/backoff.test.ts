import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoff } from '../src/index.js';

describe('backoff', () => {
  it('doubles from base up to max, then takes a full jitter by default', () => {
    const waits = [1, 2, 3, 4, 5, 60].map((attempt) =>
      backoff({ attempt, base: 100, max: 500, random: () => 0.5 }),
    );
    expect(waits).toEqual([50, 100, 200, 250, 250, 250]);
  });

  it('with a fractional jitter stays within wait × [1 - j, 1 + j)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, r) => {
          const wait = Math.min(500 * 2 ** Math.min(attempt - 1, 52), 30_000);
          const ms = backoff({ attempt, base: 500, max: 30_000, jitter: 0.2, random: () => r });
          expect(ms).toBeGreaterThanOrEqual(wait * 0.8 - 1e-6);
          expect(ms).toBeLessThan(wait * 1.2 + 1e-6);
        },
      ),
    );
  });

  it('never overflows to Infinity or NaN, whatever the attempt', () => {
    for (const attempt of [0, 1, 1e6, Number.MAX_SAFE_INTEGER]) {
      const ms = backoff({ attempt, base: 1000, max: 60_000, random: () => 0.999 });
      expect(Number.isFinite(ms)).toBe(true);
      expect(ms).toBeLessThan(60_000);
    }
  });
});
