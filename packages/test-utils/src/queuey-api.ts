/**
 * Every query parameter the Queuey server reads (QUEUEY_API.md and our
 * extensions: wait, positions, max_bytes, expired), for the fuzzers that
 * send them with junk values; one list, so a new parameter is fuzzed everywhere.
 */
export const QUERY_PARAMETERS = [
  'since',
  'limit',
  'order',
  'partitions',
  'wait',
  'details',
  'include_count',
  'offset',
  'positions',
  'max_bytes',
  'expired',
] as const;
