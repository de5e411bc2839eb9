import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  idleDelay,
  idTicks,
  newMessageId,
  outageDelay,
  ticksToTimestamp,
  timestampToTicks,
} from '../src/index.js';

describe('idleDelay', () => {
  it('is waitInterval x jitter in [0.8, 1.2] x 2^min(rounds, 10)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (rounds, r) => {
          const ms = idleDelay({ waitInterval: 2, idleRounds: rounds, random: () => r });
          const base = 2000 * 2 ** Math.min(rounds, 10);
          expect(ms).toBeGreaterThanOrEqual(base * 0.8 - 1e-6);
          expect(ms).toBeLessThanOrEqual(base * 1.2 + 1e-6);
        },
      ),
    );
    expect(idleDelay({ waitInterval: 1, idleRounds: 0, random: () => 0 })).toBe(800);
    expect(idleDelay({ waitInterval: 1, idleRounds: 10, random: () => 0.5 })).toBe(1024_000);
    expect(idleDelay({ waitInterval: 1, idleRounds: 11, random: () => 0.5 })).toBe(1024_000);
  });

  it('caps the outage back-off at 30 s', () => {
    expect(outageDelay(0, () => 0.5)).toBe(500);
    expect(outageDelay(50, () => 0.5)).toBe(30_000);
  });
});

describe('message ids', () => {
  it('are version-1 UUIDs that carry the time they were made', () => {
    const id = newMessageId(1_346_153_731_962);
    expect(id).toMatch(/^[0-9a-f]{12}1[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
    expect(ticksToTimestamp(idTicks(id) as bigint)).toBe('1346153731.9620000');
  });

  it('increase even within one millisecond', () => {
    const a = newMessageId(1000);
    const b = newMessageId(1000);
    expect(idTicks(b)).toBeGreaterThan(idTicks(a) as bigint);
  });

  it('convert timestamps exactly, without doubles', () => {
    expect(timestampToTicks('1346153731.9620111')).toBe(13461537319620111n);
    expect(ticksToTimestamp(13461537319620111n)).toBe('1346153731.9620111');
    expect(idTicks('not-an-id')).toBeUndefined();
  });
});
