/** The shortest time axis the chart draws, in seconds. */
export const MIN_SPAN = 60;

/**
 * The chart's time axis (epoch seconds): from the first sample to the last;
 * a minute ending at the last sample while they span less (one sample gives
 * no range of its own: uPlot would stretch it over years); the minute up to
 * `now` when there is none.
 */
export function timeRange(
  first: number | null | undefined,
  last: number | null | undefined,
  now: number,
): [number, number] {
  if (first == null || last == null) return [now - MIN_SPAN, now];
  if (last - first < MIN_SPAN) return [last - MIN_SPAN, last];
  return [first, last];
}
