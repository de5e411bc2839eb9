import { describe, expect, test } from 'vitest';
import { MIN_SPAN, timeRange } from '../src/ui/time-range.js';

describe("the chart's time axis", () => {
  const now = 1_800_000_000;
  test('no sample: the minute up to now', () => {
    expect(timeRange(null, null, now)).toEqual([now - MIN_SPAN, now]);
  });
  test('one sample: the minute up to it, not years around it', () => {
    expect(timeRange(now - 5, now - 5, now)).toEqual([now - 65, now - 5]);
  });
  test('samples spanning more than a minute: first to last', () => {
    expect(timeRange(now - 3000, now - 10, now)).toEqual([now - 3000, now - 10]);
  });
});
