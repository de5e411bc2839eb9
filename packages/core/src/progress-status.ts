import { createHash } from 'node:crypto';
import { isUuidHex } from '@qdo/common';
import { BOOKKEEPING_PARTITIONS } from './constants.js';
import { parsePartition } from './partition-name.js';

/** The qdo_status partition holding the status of work partition N. */
export function statusPartition(partition: number): number {
  return ((partition - 1) % BOOKKEEPING_PARTITIONS) + 1;
}

/** `sp:id` of the status message of a work partition, as `qdo status` shows it. */
export function statusRef(name: string): { partition: number; id: string } {
  return { partition: statusPartition(parsePartition(name).partition), id: statusIdOf(name) };
}

// 2000-01-01T00:00:00Z in 100 ns units since 1582-10-15: status ids lie in the
// past, so no server rule about ids ahead of the clock can refuse them, and
// no message posted later can sort behind them.
const BASE_TIME = 946_684_800_000n * 10_000n + 0x01b21dd213814000n;

/**
 * The one status message id of a work partition, the same for every worker:
 * a version-1 UUID whose time (2000-01-01 plus up to 7 minutes) and node come
 * from a hash of the partition name. Two workers can therefore never each
 * create a status message of their own; a conditional PUT decides between them.
 */
export function statusIdOf(name: string): string {
  const hash = createHash('sha256').update(`qdo_status:${name}`).digest();
  const ticks = BASE_TIME + BigInt(hash.readUInt32BE(0));
  const low = ticks & 0xffffffffn;
  const mid = (ticks >> 32n) & 0xffffn;
  const hi = ((ticks >> 48n) & 0x0fffn) | 0x1000n;
  const node = Buffer.from(hash.subarray(4, 12));
  node[0] = ((node[0] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  node[2] = (node[2] ?? 0) | 0x01; // multicast bit: not a MAC address
  return (
    low.toString(16).padStart(8, '0') +
    mid.toString(16).padStart(4, '0') +
    hi.toString(16).padStart(4, '0') +
    node.toString('hex')
  );
}

/** The body of a partition's status message in qdo_status. */
export interface StatusBody {
  partition: string;
  processed: string;
  last_worker: string;
  /** Random per claim: tells a write of ours from another's after an ambiguous 412. */
  claim?: string;
  /** Set while a job ignores its abort signal (see ProgressStore.markStuck); the next commit drops it. */
  stuck?: StuckMark;
  /** When the writing worker started (ISO 8601); absent from older workers' writes. */
  worker_started?: string;
  /** When this body was written (ISO 8601): a rewrite keeps the message's own timestamp. */
  written_at?: string;
  /** Set by `qdo pause`, dropped by `qdo resume`: the owner starts no job on the partition. */
  paused?: PauseMark;
}

/** Who paused a partition, and since when (ISO 8601). */
export interface PauseMark {
  by: string;
  since: string;
}

/** The job of a partition that ignored its abort signal past the grace: its message, since when (ISO 8601). */
export interface StuckMark {
  message: string;
  since: string;
}

export type ParsedStatus =
  | {
      ok: true;
      partition: string;
      processed: string;
      lastWorker: string | undefined;
      stuck: StuckMark | undefined;
      workerStarted?: string | undefined;
      writtenAt?: string | undefined;
      paused?: PauseMark | undefined;
    }
  | { ok: false; partition: string | undefined; reason: string };

/**
 * Reads a status body strictly: a position that cannot be trusted is an
 * error, never "start from the beginning" (a silent replay) nor "skip".
 */
export function parseStatus(text: string): ParsedStatus {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, partition: undefined, reason: 'the body is not JSON' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, partition: undefined, reason: 'the body is not a JSON object' };
  }
  const { partition, processed, last_worker, stuck, worker_started, written_at, paused } =
    body as Record<string, unknown>;
  const name = typeof partition === 'string' ? partition : undefined;
  if (name === undefined) return { ok: false, partition: undefined, reason: 'no "partition"' };
  if (typeof processed !== 'string') {
    const got = processed === undefined ? 'missing' : JSON.stringify(processed);
    return { ok: false, partition: name, reason: `"processed" is ${got}, not a message id` };
  }
  if (processed !== '' && !isUuidHex(processed)) {
    return {
      ok: false,
      partition: name,
      reason: `"processed" is ${JSON.stringify(processed.slice(0, 40))}, not 32 hex digits`,
    };
  }
  return {
    ok: true,
    partition: name,
    processed: processed.toLowerCase(),
    lastWorker: typeof last_worker === 'string' ? last_worker : undefined,
    stuck: stuckMark(stuck),
    workerStarted: typeof worker_started === 'string' ? worker_started : undefined,
    writtenAt: typeof written_at === 'string' ? written_at : undefined,
    paused: pauseMark(paused),
  };
}

/**
 * A `paused` field: any value but absent, null or false pauses (a pause that
 * cannot be read stays a pause rather than letting jobs run).
 */
function pauseMark(value: unknown): PauseMark | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  const { by, since } = (typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return { by: typeof by === 'string' ? by : '', since: typeof since === 'string' ? since : '' };
}

/** A readable `stuck` field, else undefined (it never makes a position untrusted). */
function stuckMark(value: unknown): StuckMark | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { message, since } = value as Record<string, unknown>;
  if (typeof message !== 'string') return undefined;
  return { message, since: typeof since === 'string' ? since : '' };
}
