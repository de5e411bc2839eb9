import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  epochMsFromTime,
  formatTimestamp,
  isMessageId,
  isUuidHex,
  newIdGenerator,
  QdoCommonError,
  timeFromEpochMs,
  timeFromEpochSeconds,
  UUID_EPOCH_OFFSET,
  uuidFromTime,
  uuidTime,
} from '../src/index.js';

const MAX_TIME = (1n << 60n) - 1n;
/** UUID times from 1970 to the end of the 60-bit range. */
const unixTime = fc.bigInt({ min: UUID_EPOCH_OFFSET, max: MAX_TIME });
/** Epoch ms from 1970 to 2500: what a wall clock can say. */
const epochMs = fc.integer({ min: 0, max: 16_725_225_600_000 });

describe('formatTimestamp and timeFromEpochSeconds', () => {
  it('formats the example of the protocol', () => {
    const time = timeFromEpochSeconds('1346153731.9620111');
    expect(formatTimestamp(time)).toBe('1346153731.9620111');
    expect(time).toBe(1346153731_9620111n + UUID_EPOCH_OFFSET);
  });

  it('round-trips every time exactly, always with 7 fractional digits', () => {
    fc.assert(
      fc.property(unixTime, (time) => {
        const text = formatTimestamp(time);
        expect(text).toMatch(/^\d+\.\d{7}$/);
        expect(timeFromEpochSeconds(text)).toBe(time);
      }),
    );
  });

  it('parses integers and shorter fractions exactly, without a double in between', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 11n }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 7 }),
        (seconds, digits) => {
          const text = digits ? `${seconds}.${digits}` : `${seconds}`;
          const expected =
            seconds * 10_000_000n + BigInt(digits.padEnd(7, '0')) + UUID_EPOCH_OFFSET;
          expect(timeFromEpochSeconds(text)).toBe(expected);
          expect(formatTimestamp(expected)).toBe(`${seconds}.${digits.padEnd(7, '0')}`);
        },
      ),
    );
    // 0.1 + 0.2 style noise would show here if a float were involved.
    expect(formatTimestamp(timeFromEpochSeconds('1346153731.3'))).toBe('1346153731.3000000');
  });

  it('drops digits below 100 ns instead of rounding', () => {
    expect(formatTimestamp(timeFromEpochSeconds('1.123456789'))).toBe('1.1234567');
  });

  it('formats runs of times within one second and across its edges as single calls do', () => {
    // The formatter keeps the second it formatted last; a run through it must
    // give what the plain BigInt arithmetic gives, at every edge.
    const plain = (time: bigint) => {
      const ticks = time - UUID_EPOCH_OFFSET;
      const abs = ticks < 0n ? -ticks : ticks;
      const fraction = (abs % 10_000_000n).toString().padStart(7, '0');
      return `${ticks < 0n ? '-' : ''}${abs / 10_000_000n}.${fraction}`;
    };
    fc.assert(
      fc.property(
        fc.array(fc.oneof(unixTime, fc.bigInt({ min: -1_000n, max: 1_000n })), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(fc.integer({ min: -20_000_000, max: 20_000_000 }), { maxLength: 30 }),
        (starts, steps) => {
          for (const start of starts) {
            let time = start < 1_000n ? UUID_EPOCH_OFFSET + start : start;
            for (const step of [0, 1, -1, ...steps]) {
              time += BigInt(step);
              if (time < 0n || time > MAX_TIME) continue;
              expect(formatTimestamp(time)).toBe(plain(time));
            }
          }
        },
      ),
    );
    const second = UUID_EPOCH_OFFSET + 1_700_000_000n * 10_000_000n;
    expect(
      [second - 1n, second, second + 9_999_999n, second + 10_000_000n].map(formatTimestamp),
    ).toEqual([
      '1699999999.9999999',
      '1700000000.0000000',
      '1700000000.9999999',
      '1700000001.0000000',
    ]);
  });

  it('writes times before 1970 with a sign', () => {
    expect(formatTimestamp(UUID_EPOCH_OFFSET - 1n)).toBe('-0.0000001');
  });

  it('rejects text that is not a non-negative decimal, saying what it got', () => {
    for (const bad of ['', 'abc', '-1', '1e9', '1.2.3', '0x10', '99999999999999999999']) {
      expect(() => timeFromEpochSeconds(bad)).toThrow(
        expect.objectContaining({ code: 'QDO_COMMON_OUT_OF_RANGE' }),
      );
    }
    expect(() => timeFromEpochSeconds('soon')).toThrow(/"soon"/);
  });

  it('converts epoch milliseconds both ways', () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        expect(epochMsFromTime(timeFromEpochMs(ms))).toBe(ms);
        expect(epochMsFromTime(timeFromEpochMs(ms) + 9_999n)).toBe(ms);
      }),
    );
  });
});

describe('ids', () => {
  it('makes version-1 ids of 32 lowercase hex digits with the RFC 4122 variant', () => {
    fc.assert(
      fc.property(unixTime, (time) => {
        const id = uuidFromTime(time);
        expect(id).toMatch(/^[0-9a-f]{32}$/);
        expect(id[12]).toBe('1');
        expect('89ab').toContain(id[16]);
        expect(uuidTime(id)).toBe(time);
      }),
    );
  });

  it('reads the time of an id in either case and rejects what is not hex', () => {
    const id = uuidFromTime(timeFromEpochSeconds('1346153731.9620111'));
    expect(uuidTime(id.toUpperCase())).toBe(uuidTime(id));
    expect(() => uuidTime('z'.repeat(32))).toThrow(/32 hex digits/);
    expect(() => uuidTime(id.slice(1))).toThrow(QdoCommonError);
    expect(() => uuidTime(id.slice(1))).toThrow(
      expect.objectContaining({ code: 'QDO_COMMON_INVALID_ID' }),
    );
  });

  it('accepts 32 alphanumeric characters as a message id, as the protocol says', () => {
    expect(isMessageId('a'.repeat(32))).toBe(true);
    expect(isMessageId('Z9'.repeat(16))).toBe(true);
    expect(isMessageId('a'.repeat(31))).toBe(false);
    expect(isMessageId(`${'a'.repeat(31)}-`)).toBe(false);
    expect(isUuidHex('Z9'.repeat(16))).toBe(false);
    expect(isUuidHex('aF'.repeat(16))).toBe(true);
  });
});

describe('newIdGenerator', () => {
  it('issues strictly increasing times even when the clock steps back', () => {
    fc.assert(
      fc.property(
        epochMs,
        fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 1, maxLength: 200 }),
        (start, steps) => {
          const generator = newIdGenerator();
          let now = start;
          let previous = -1n;
          const ids = new Set<string>();
          for (const step of steps) {
            now = Math.max(0, now + step);
            const { id, time } = generator.next(now);
            expect(time > previous).toBe(true);
            expect(time >= timeFromEpochMs(now)).toBe(true);
            expect(uuidTime(id)).toBe(time);
            expect(generator.last).toBe(time);
            ids.add(id);
            previous = time;
          }
          expect(ids.size).toBe(steps.length);
        },
      ),
    );
  });

  it('follows the clock when it moves forward', () => {
    const generator = newIdGenerator();
    const now = Date.UTC(2030, 5, 1);
    expect(generator.next(now).time).toBe(timeFromEpochMs(now));
    expect(generator.next(now).time).toBe(timeFromEpochMs(now) + 1n);
    expect(generator.next(now + 1).time).toBe(timeFromEpochMs(now + 1));
  });

  it('never issues a time below the floor it is given', () => {
    fc.assert(
      fc.property(epochMs, fc.bigInt({ min: 0n, max: 10n ** 12n }), (now, ahead) => {
        const generator = newIdGenerator();
        const floor = timeFromEpochMs(now) + ahead;
        const first = generator.next(now, floor);
        expect(first.time).toBe(floor);
        expect(generator.next(now, floor).time).toBe(floor + 1n);
      }),
    );
  });

  it('writes the same id as bytes as it makes as hex, one sequence for both', () => {
    fc.assert(
      fc.property(
        epochMs,
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -1000, max: 1000 })), {
          minLength: 1,
          maxLength: 50,
        }),
        (start, steps) => {
          const generator = newIdGenerator();
          const bytes = Buffer.alloc(20);
          let now = start;
          let previous = -1n;
          for (const [asBytes, step] of steps) {
            now = Math.max(0, now + step);
            let id: string;
            let time: bigint;
            if (asBytes) {
              time = generator.nextInto(now, 0n, bytes, 4);
              id = bytes.subarray(4).toString('hex');
            } else {
              ({ id, time } = generator.next(now));
            }
            expect(time > previous).toBe(true);
            expect(uuidTime(id)).toBe(time);
            expect(isUuidHex(id)).toBe(true);
            expect(id[12]).toBe('1'); // version 1
            previous = time;
          }
        },
      ),
    );
    // Both forms of one generator share its clock sequence and node.
    const generator = newIdGenerator();
    const bytes = Buffer.alloc(16);
    generator.nextInto(0, 0n, bytes);
    expect(bytes.toString('hex').slice(16)).toBe(generator.next(0).id.slice(16));
  });

  it('refuses a time beyond the 60-bit range without moving on', () => {
    const generator = newIdGenerator();
    expect(() => generator.nextInto(0, MAX_TIME + 1n, Buffer.alloc(16))).toThrow(
      expect.objectContaining({ name: 'QdoCommonError', code: 'QDO_COMMON_OUT_OF_RANGE' }),
    );
    expect(generator.last).toBe(0n);
  });

  it('gives two generators distinct ids for the same time', () => {
    const now = Date.UTC(2030, 5, 1);
    const seen = new Set(Array.from({ length: 20 }, () => newIdGenerator().next(now).id));
    // 14 random bits of clock sequence: 20 generators collide with odds below 2%.
    expect(seen.size).toBeGreaterThanOrEqual(19);
  });
});
