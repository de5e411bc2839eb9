import { randomBytes } from 'node:crypto';

// 100 ns intervals between the UUID epoch (1582-10-15) and the Unix epoch.
const GREGORIAN_OFFSET = 0x01b21dd213814000n;
let lastTicks = 0n;

/**
 * A new version-1 UUID as 32 hex digits: the server derives a message's time
 * from its id, so a status message id must carry a real time.
 */
export function newMessageId(nowMs: number): string {
  let ticks = BigInt(Math.floor(nowMs)) * 10_000n + GREGORIAN_OFFSET;
  // Two ids in the same millisecond still differ and still increase.
  if (ticks <= lastTicks) ticks = lastTicks + 1n;
  lastTicks = ticks;
  const low = ticks & 0xffffffffn;
  const mid = (ticks >> 32n) & 0xffffn;
  const hi = ((ticks >> 48n) & 0x0fffn) | 0x1000n;
  const rand = randomBytes(8);
  rand[0] = ((rand[0] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  rand[2] = (rand[2] ?? 0) | 0x01; // multicast bit: a random node, not a MAC
  return (
    low.toString(16).padStart(8, '0') +
    mid.toString(16).padStart(4, '0') +
    hi.toString(16).padStart(4, '0') +
    rand.toString('hex')
  );
}

/** The time a version-1 id carries, in 100 ns units since the Unix epoch; undefined if not one. */
export function idTicks(id: string): bigint | undefined {
  if (!/^[0-9a-f]{32}$/i.test(id)) return undefined;
  const low = BigInt(`0x${id.slice(0, 8)}`);
  const mid = BigInt(`0x${id.slice(8, 12)}`);
  const hi = BigInt(`0x${id.slice(13, 16)}`);
  return ((hi << 48n) | (mid << 32n) | low) - GREGORIAN_OFFSET;
}

/** 100 ns ticks as Queuey's epoch-seconds string with 7 fractional digits. */
export function ticksToTimestamp(ticks: bigint): string {
  const whole = ticks / 10_000_000n;
  const frac = (ticks % 10_000_000n).toString().padStart(7, '0');
  return `${whole}.${frac}`;
}

/** Queuey's timestamp string as 100 ns ticks (exact, no double rounding). */
export function timestampToTicks(timestamp: string): bigint {
  const [whole = '0', frac = ''] = timestamp.split('.');
  return BigInt(whole) * 10_000_000n + BigInt((frac.padEnd(7, '0') || '0').slice(0, 7));
}
