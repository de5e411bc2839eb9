/**
 * Message ids: version-1 UUIDs written as 32 lowercase hex digits. Their
 * 60-bit time field (100 ns units since 1582-10-15) is the message's time, so
 * all arithmetic on it is BigInt: a double cannot hold it exactly.
 */
import { QdoCommonError } from './errors.js';

/** 100 ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
export const UUID_EPOCH_OFFSET = 0x01b21dd213814000n;
const TICKS_PER_MS = 10_000n;
const TICKS_PER_SECOND = 10_000_000n;
const MAX_TIME = (1n << 60n) - 1n;

const HEX_ID = /^[0-9a-fA-F]{32}$/;
const ALNUM_ID = /^[0-9a-zA-Z]{32}$/;
const EPOCH_SECONDS = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

const outOfRange = (message: string) =>
  new QdoCommonError(message, { code: 'QDO_COMMON_OUT_OF_RANGE' });

/**
 * Whether `value` is acceptable as a message id in a URL: 32 alphanumeric
 * characters (QUEUEY_API.md, as built). Only hex ones can exist, see isUuidHex.
 */
export function isMessageId(value: string): boolean {
  return ALNUM_ID.test(value);
}

/** Whether `value` is 32 hex digits, i.e. has a UUID time field. */
export function isUuidHex(value: string): boolean {
  return HEX_ID.test(value);
}

/** The 60-bit time field of a hex UUID. */
export function uuidTime(id: string): bigint {
  if (!HEX_ID.test(id)) {
    throw new QdoCommonError(`message id must be 32 hex digits, got ${JSON.stringify(id)}`, {
      code: 'QDO_COMMON_INVALID_ID',
    });
  }
  // Layout: time_low(8) time_mid(4) version+time_hi(1+3) ...
  return BigInt(`0x${id.slice(13, 16)}${id.slice(8, 12)}${id.slice(0, 8)}`);
}

/**
 * The second formatTimestamp formatted last: the times of one answer or one
 * batch nearly always share their second, so each then costs one BigInt
 * subtraction and a small number's digits instead of a BigInt division and
 * two BigInt-to-string conversions.
 */
const lastSecond = { from: 0n, to: 0n, text: '' };

/** A UUID time as epoch seconds with exactly 7 fractional digits. */
export function formatTimestamp(time: bigint): string {
  if (time >= lastSecond.from && time < lastSecond.to) {
    return lastSecond.text + fractionDigits(Number(time - lastSecond.from));
  }
  const ticks = time - UUID_EPOCH_OFFSET;
  if (ticks < 0n) {
    const abs = -ticks;
    return `-${abs / TICKS_PER_SECOND}.${fractionDigits(Number(abs % TICKS_PER_SECOND))}`;
  }
  const seconds = ticks / TICKS_PER_SECOND;
  lastSecond.from = seconds * TICKS_PER_SECOND + UUID_EPOCH_OFFSET;
  lastSecond.to = lastSecond.from + TICKS_PER_SECOND;
  lastSecond.text = `${seconds}.`;
  return lastSecond.text + fractionDigits(Number(time - lastSecond.from));
}

/** 0 <= ticks < 10^7 as exactly 7 digits. */
const fractionDigits = (ticks: number): string => String(10_000_000 + ticks).slice(1);

/**
 * Parses epoch seconds ("1346153731", "1346153731.962") exactly into a UUID
 * time. Digits beyond the 7th fractional one are below the id's resolution
 * and are dropped.
 */
export function timeFromEpochSeconds(seconds: string): bigint {
  const match = EPOCH_SECONDS.exec(seconds.trim());
  if (!match) {
    throw outOfRange(
      `epoch seconds must be a non-negative decimal number, got ${JSON.stringify(seconds)}`,
    );
  }
  const whole = BigInt(match[1] ?? '0');
  const fraction = (match[2] ?? match[3] ?? '').slice(0, 7).padEnd(7, '0');
  const time = whole * TICKS_PER_SECOND + BigInt(fraction) + UUID_EPOCH_OFFSET;
  if (time > MAX_TIME) throw outOfRange(`epoch seconds ${seconds} are beyond the UUID range`);
  return time;
}

/** UUID time of an epoch-milliseconds instant. */
export function timeFromEpochMs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * TICKS_PER_MS + UUID_EPOCH_OFFSET;
}

/** Epoch milliseconds of a UUID time (rounded down). */
export function epochMsFromTime(time: bigint): number {
  const ticks = time - UUID_EPOCH_OFFSET;
  return Number((ticks - (((ticks % TICKS_PER_MS) + TICKS_PER_MS) % TICKS_PER_MS)) / TICKS_PER_MS);
}

export interface GeneratedId {
  id: string;
  time: bigint;
}

export interface IdGenerator {
  /**
   * A new id whose time is strictly greater than every time this generator
   * issued before and at least `atLeast`; normally the clock's `nowMs`.
   */
  next(nowMs: number, atLeast?: bigint): GeneratedId;
  /**
   * Like next(), but writes the id's 16 bytes into `into` (at `offset`)
   * instead of making its hex: what the SQLite adapter stores, without a
   * hex string and its parsing per row of a batch.
   */
  nextInto(nowMs: number, atLeast: bigint, into: Uint8Array, offset?: number): bigint;
  /** The greatest time issued so far (0 before the first id). */
  readonly last: bigint;
}

// Web Crypto, not node:crypto, so @qdo/queuey-client (which uses this
// package) still loads in browsers.
function randomBytes(size: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(size));
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// RFC 4122 4.5: a random node id has the multicast bit set so it can never
// collide with a real MAC address.
function randomNode(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0] ?? 0) | 0x01;
  return hex(bytes);
}

function randomClockSequence(): string {
  const bytes = randomBytes(2);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x80; // variant 10xx
  return hex(bytes);
}

const processNode = randomNode();
const processClockSequence = randomClockSequence();

/**
 * The id with this time. Clock sequence and node default to the process's
 * random ones; a generator brings its own clock sequence.
 */
export function uuidFromTime(time: bigint, clockSequence = processClockSequence): string {
  if (time < 0n || time > MAX_TIME) throw outOfRange(`UUID time out of range: ${time}`);
  const hex = time.toString(16).padStart(15, '0');
  return `${hex.slice(7, 15)}${hex.slice(3, 7)}1${hex.slice(0, 3)}${clockSequence}${processNode}`;
}

/**
 * The id with this time and 8 random bytes after it (RFC 4122 variant, the
 * multicast "not a MAC" bit): unique without coordination, e.g. between
 * server processes that share one database and may issue the same time.
 */
export function randomUuidAt(time: bigint): string {
  const tail = randomBytes(8);
  tail[0] = ((tail[0] ?? 0) & 0x3f) | 0x80;
  tail[2] = (tail[2] ?? 0) | 0x01;
  return uuidFromTime(time).slice(0, 16) + hex(tail);
}

/** Writes the 16 bytes of the id with this time and tail (clock sequence + node, 8 bytes). */
function writeUuid(time: bigint, tail: Uint8Array, into: Uint8Array, offset = 0): void {
  if (offset < 0 || offset + 16 > into.length) {
    throw new RangeError(`a UUID needs 16 bytes at offset ${offset} of ${into.length}`);
  }
  // Big-endian: time_low (32 bits), time_mid (16), version 1 + time_hi (4 + 12).
  const low = Number(BigInt.asUintN(32, time));
  const high = Number(time >> 32n); // 28 bits
  const versioned = 0x1000 | (high >>> 16);
  into[offset] = low >>> 24;
  into[offset + 1] = (low >>> 16) & 0xff;
  into[offset + 2] = (low >>> 8) & 0xff;
  into[offset + 3] = low & 0xff;
  into[offset + 4] = (high >>> 8) & 0xff;
  into[offset + 5] = high & 0xff;
  into[offset + 6] = versioned >>> 8;
  into[offset + 7] = versioned & 0xff;
  for (let i = 0; i < 8; i++) into[offset + 8 + i] = tail[i] ?? 0;
}

/**
 * A generator of ids that are strictly increasing in time within it, even
 * when the wall clock steps back. The node id is random per process; each
 * generator (one per storage, so one per server process in practice) draws
 * its own random clock sequence, which keeps the ids of two storages in one
 * process distinct even when they issue the same time.
 */
export function newIdGenerator(): IdGenerator {
  const clockSequence = randomClockSequence();
  const tail = Uint8Array.from(
    (`${clockSequence}${processNode}`.match(/../g) ?? []).map((b) => parseInt(b, 16)),
  );
  let last = 0n;
  // A batch asks with one `nowMs` for every row: convert it once.
  let cachedMs = Number.NaN;
  let cachedTime = 0n;
  const advance = (nowMs: number, atLeast: bigint): bigint => {
    if (nowMs !== cachedMs) {
      cachedTime = timeFromEpochMs(nowMs);
      cachedMs = nowMs;
    }
    let time = cachedTime;
    if (time <= last) time = last + 1n;
    if (time < atLeast) time = atLeast;
    if (time > MAX_TIME) throw outOfRange(`UUID time out of range: ${time}`);
    last = time;
    return time;
  };
  return {
    get last() {
      return last;
    },
    next(nowMs, atLeast = 0n) {
      const time = advance(nowMs, atLeast);
      return { id: uuidFromTime(time, clockSequence), time };
    },
    nextInto(nowMs, atLeast, into, offset = 0) {
      const time = advance(nowMs, atLeast);
      writeUuid(time, tail, into, offset);
      return time;
    },
  };
}

// The worker's view of the same times: 100 ns ticks since the Unix epoch.

/** The time a version-1 id carries, in 100 ns units since the Unix epoch; undefined if not one. */
export function idTicks(id: string): bigint | undefined {
  return isUuidHex(id) ? uuidTime(id) - UUID_EPOCH_OFFSET : undefined;
}

/** 100 ns ticks since the Unix epoch as Queuey's epoch-seconds string with 7 fractional digits. */
export function ticksToTimestamp(ticks: bigint): string {
  return formatTimestamp(ticks + UUID_EPOCH_OFFSET);
}

/** Queuey's timestamp string as 100 ns ticks since the Unix epoch (exact, no double rounding). */
export function timestampToTicks(timestamp: string): bigint {
  return timeFromEpochSeconds(timestamp) - UUID_EPOCH_OFFSET;
}

let processIds: IdGenerator | undefined;

/**
 * A new version-1 id as 32 hex digits carrying the time `nowMs`, strictly
 * after every id this process made before (the server derives a message's
 * time from its id, so a status message id must carry a real time).
 */
export function newMessageId(nowMs: number): string {
  processIds ??= newIdGenerator();
  return processIds.next(nowMs).id;
}
