import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  idTicks,
  newMessageId,
  ticksToTimestamp,
  timeFromEpochMs,
  timestampToTicks,
  UUID_EPOCH_OFFSET,
  uuidFromTime,
} from '../src/index.js';

describe("the worker's view of ids: ticks since the Unix epoch", () => {
  it('reads the ticks of an id the server made, and nothing from a non-id', () => {
    const time = timeFromEpochMs(1_700_000_000_123);
    expect(idTicks(uuidFromTime(time))).toBe(time - UUID_EPOCH_OFFSET);
    expect(idTicks('not-an-id')).toBeUndefined();
    expect(idTicks('z'.repeat(32))).toBeUndefined();
  });

  it('round-trips ticks through the timestamp string exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 59n) - 1n }), (ticks) => {
        expect(timestampToTicks(ticksToTimestamp(ticks))).toBe(ticks);
      }),
    );
    expect(ticksToTimestamp(13461537319620111n)).toBe('1346153731.9620111');
  });

  it('makes ids that carry the time asked for and strictly increase within a millisecond', () => {
    const now = 1_750_000_000_000;
    const ids = Array.from({ length: 50 }, () => newMessageId(now));
    const ticks = ids.map((id) => idTicks(id) ?? -1n);
    expect((ticks[0] ?? -1n) / 10_000n).toBeGreaterThanOrEqual(BigInt(now));
    for (const [i, t] of ticks.entries()) if (i > 0) expect(t).toBeGreaterThan(ticks[i - 1] ?? t);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}1[0-9a-f]{3}[89ab][0-9a-f]{15}$/);
  });
});
