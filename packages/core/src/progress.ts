import { randomBytes } from 'node:crypto';
import { isConflict } from '@qdo/queuey-client';
import { BOOKKEEPING_PARTITIONS, BOOKKEEPING_TTL, STATUS_QUEUE } from './constants.js';
import { CorruptStatusError, FencedError } from './errors.js';
import type { Logger } from './logger.js';
import { type Metrics, noopMetrics } from './metrics.js';
import {
  type PauseMark,
  parseStatus,
  type StatusBody,
  type StuckMark,
  statusRef,
} from './progress-status.js';
import type { QueueyClient } from './queuey-types.js';
import { type PartitionProgress, StatusIndex } from './status-index.js';

export { statusPartition } from './progress-status.js';
export type { PartitionProgress } from './status-index.js';

/** This worker's claim on a partition's status message, made by acquire(). */
interface Claim {
  /** ETag of our last write; undefined against a server without `if-match` (plain PUTs). */
  etag: string | undefined;
  token: string;
  processed: string;
  /** Written with the position while a job ignores its abort signal. */
  stuck?: StuckMark;
  /** Kept with the position while `qdo pause` holds the partition. */
  paused?: PauseMark | undefined;
}

export interface ProgressStoreOptions {
  queuey: QueueyClient;
  worker: string;
  now: () => number;
  logger: Logger;
  metrics?: Metrics;
}

/** Status ids per read in moved(): keeps the URL short. */
const MOVED_IDS_PER_READ = 50;

/** The claim token in a status body, if any. */
function claimOf(body: string): string | undefined {
  try {
    const claim = (JSON.parse(body) as { claim?: unknown })?.claim;
    return typeof claim === 'string' ? claim : undefined;
  } catch {
    return undefined;
  }
}

/** Claims lost to another writer in a row before acquire() gives up. */
const CLAIM_ATTEMPTS = 5;

/**
 * Writes lost in a row before seek() gives up. A seek races the owner's
 * commits, one per batch of a draining partition: under load its read and
 * its write often straddle one, again and again, and a claim's 5 attempts
 * made `qdo seek` of a busy partition fail. Once it lands the owner is
 * fenced and stops writing, so a few more tries win; only an owner that
 * keeps winning (a livelock) still ends in FencedError.
 */
const SEEK_ATTEMPTS = 50;

/**
 * Where each work partition stands, kept in qdo_status as one message per
 * partition: `{"partition": "Q-N", "processed": "<id>", "last_worker": ...}`
 * (plus `"stuck": {"message", "since"}` while a job ignores its abort
 * signal, see markStuck) under a deterministic id (statusIdOf). acquire() claims it with a
 * conditional write on the ETag it just read; each commit is conditioned on
 * the ETag of our last write, so once someone else wrote (a new owner's
 * claim, `qdo seek`) our commits are refused (FencedError), never applied.
 * See docs/QUEUEY_API.md ("What a qdo worker keeps on the server").
 */
export class ProgressStore {
  readonly #index: StatusIndex;
  readonly #claims = new Map<string, Claim>();
  #conditional: boolean | undefined;
  readonly #metrics: Metrics;
  /** A worker makes its store as it starts working: written as `worker_started`. */
  readonly #started: string;

  constructor(private readonly options: ProgressStoreOptions) {
    this.#metrics = options.metrics ?? noopMetrics;
    this.#started = new Date(options.now()).toISOString();
    this.#index = new StatusIndex(options.queuey);
  }

  /** Reads every status message (all pages) into the cache `position()` and `describe()` answer from. */
  async load(signal?: AbortSignal): Promise<void> {
    this.#index.clear();
    for (let sp = 1; sp <= BOOKKEEPING_PARTITIONS; sp++) await this.#index.scan(sp, signal);
  }

  /**
   * Called when this worker starts on a partition, after the partitioner
   * gave it the partition: reads the position fresh and claims the status
   * message. Throws CorruptStatusError when the position cannot be trusted.
   */
  async acquire(name: string, signal?: AbortSignal): Promise<string> {
    this.#claims.delete(name);
    for (let attempt = 1; ; attempt++) {
      const read = await this.#readOwn(name, signal);
      const { processed, paused } = read
        ? this.#trusted(name, read.message.body)
        : { processed: await this.#legacy(name, signal), paused: undefined };
      const token = randomBytes(8).toString('hex');
      const claim: Claim = { etag: undefined, token, processed, paused };
      if (this.#conditional === false && read) {
        this.#claimed(name, claim);
        return processed;
      }
      const condition = read?.etag ? { ifMatch: read.etag } : { ifNoneMatch: true };
      if (await this.#write(name, claim, processed, condition, signal)) return processed;
      if (attempt >= CLAIM_ATTEMPTS) throw new FencedError(name);
    }
  }

  /** Whether `qdo pause` holds a partition we claimed, as of our last read or write of it. */
  paused(name: string): boolean {
    return this.#claims.get(name)?.paused !== undefined;
  }

  /** The last processed message id of a partition, '' when none. */
  position(name: string): string {
    return this.#claims.get(name)?.processed ?? this.#index.get(name)?.processed ?? '';
  }

  /**
   * Records `processed` as the partition's position on the server. Throws
   * FencedError when another writer has written the status since our claim:
   * the commit is dropped, and so is the claim (acquire() again to go on).
   */
  async commit(name: string, processed: string): Promise<void> {
    const claim = this.#claims.get(name);
    if (!claim) throw new FencedError(name);
    if (claim.processed === processed && !claim.stuck) return;
    await this.#update(name, { ...claim, stuck: undefined }, processed);
  }

  /**
   * Marks the partition stuck on the server (for `qdo status`): its status
   * message keeps the committed position and gains `"stuck": {"message",
   * "since"}`, which the next commit drops. Written like a commit, on the
   * ETag of our last write: FencedError when the partition is no longer ours.
   */
  async markStuck(name: string, message: string): Promise<void> {
    const claim = this.#claims.get(name);
    if (!claim) throw new FencedError(name);
    const since = new Date(this.options.now()).toISOString();
    await this.#update(name, { ...claim, stuck: { message, since } }, claim.processed);
  }

  /**
   * A write conditioned on our last one. A refusal drops the claim
   * (FencedError), unless only a pause or resume was written since: our
   * claim token and our last position still stand, so we take its flag and
   * write again on its ETag.
   */
  async #update(name: string, claim: Claim, processed: string): Promise<void> {
    let current = claim;
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      const condition = current.etag === undefined ? {} : { ifMatch: current.etag };
      if (await this.#write(name, current, processed, condition)) return;
      const read = await this.#readOwn(name);
      const parsed = read ? parseStatus(read.message.body) : undefined;
      const ours =
        parsed?.ok &&
        parsed.partition === name &&
        parsed.processed === current.processed &&
        claimOf(read?.message.body ?? '') === current.token;
      if (!ours || !read?.etag) break;
      current = { ...current, etag: read.etag, paused: parsed.paused };
    }
    this.#claims.delete(name);
    this.#metrics.increment('worker.fenced_commits', { partition: name });
    throw new FencedError(name);
  }

  /**
   * Sets a partition's position whatever its status holds (`qdo seek`), and
   * fences whoever owns the partition now: its next commit is refused and
   * its next acquire() reads this position.
   */
  async seek(name: string, processed: string, signal?: AbortSignal): Promise<void> {
    for (let attempt = 1; attempt <= SEEK_ATTEMPTS; attempt++) {
      const read = await this.#readOwn(name, signal);
      // A seek keeps a pause: the partition goes on from the new position once resumed.
      const before = read ? parseStatus(read.message.body) : undefined;
      const paused = before?.ok ? before.paused : undefined;
      const token = randomBytes(8).toString('hex');
      const claim: Claim = { etag: undefined, token, processed, paused };
      const condition = read ? (read.etag ? { ifMatch: read.etag } : {}) : { ifNoneMatch: true };
      if (await this.#write(name, claim, processed, condition, signal)) {
        this.#claims.delete(name);
        return;
      }
    }
    throw new FencedError(name);
  }

  /**
   * Of these partitions, those whose status message someone else wrote
   * since our claim (`qdo seek`, a new owner): one read for all of them.
   * Needs the server's `if-match` extension, as fencing does: without it a
   * claim is not always written, so the status proves nothing.
   */
  async moved(names: readonly string[]): Promise<string[]> {
    return (await this.watch(names)).moved;
  }

  /**
   * One read of these partitions' status messages: those someone else
   * claimed since our claim (`qdo seek`, a new owner), and of those still
   * ours, whether `qdo pause` holds each (its write keeps our claim token).
   */
  async watch(
    names: readonly string[],
  ): Promise<{ moved: string[]; paused: Map<string, boolean> }> {
    const moved: string[] = [];
    const paused = new Map<string, boolean>();
    if (this.#conditional !== true) return { moved, paused };
    const tokens = new Map<string, string>();
    for (const name of names) {
      const token = this.#claims.get(name)?.token;
      if (token !== undefined) tokens.set(name, token);
    }
    const all = [...tokens.keys()];
    for (let i = 0; i < all.length; i += MOVED_IDS_PER_READ) {
      const chunk = all.slice(i, i + MOVED_IDS_PER_READ);
      const found = await this.options.queuey.getMessages(STATUS_QUEUE, chunk.map(statusRef));
      const bodies = new Map(found.map((m) => [`${m.partition}:${m.message_id.toLowerCase()}`, m]));
      for (const name of chunk) {
        const ref = statusRef(name);
        const message = bodies.get(`${ref.partition}:${ref.id}`);
        const token = tokens.get(name);
        // A claim renewed meanwhile (a new loop) is judged by the next read.
        if (!message || this.#claims.get(name)?.token !== token) continue;
        if (claimOf(message.body) !== token) moved.push(name);
        else {
          const parsed = parseStatus(message.body);
          paused.set(name, parsed.ok && parsed.paused !== undefined);
        }
      }
    }
    return { moved, paused };
  }

  /**
   * Pauses (`mark`) or resumes (undefined) a partition for `qdo pause` and
   * `qdo resume`: rewrites its status message with `paused` set or dropped
   * and all else kept (position, the owner's claim token), conditioned on
   * the ETag just read. The owner keeps its claim and notices within
   * SEEK_CHECK_MS. Returns the position, and false when it already was so.
   */
  async setPaused(
    name: string,
    mark: PauseMark | undefined,
    signal?: AbortSignal,
  ): Promise<{ processed: string; changed: boolean }> {
    for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
      const read = await this.#readOwn(name, signal);
      const text = read
        ? read.message.body
        : JSON.stringify({ partition: name, processed: await this.#legacy(name, signal) });
      // Trusted first: a corrupt status is an error to fix with `qdo seek`.
      const { processed, paused } = this.#trusted(name, text);
      const body = JSON.parse(text) as Record<string, unknown>;
      if ((paused !== undefined) === (mark !== undefined)) return { processed, changed: false };
      if (mark) body.paused = mark;
      else delete body.paused;
      body.written_at = new Date(this.options.now()).toISOString();
      const condition = read ? (read.etag ? { ifMatch: read.etag } : {}) : { ifNoneMatch: true };
      try {
        await this.options.queuey.putMessages(
          STATUS_QUEUE,
          [statusRef(name)],
          JSON.stringify(body),
          {
            ttl: BOOKKEEPING_TTL,
            contentType: 'application/json',
            ...condition,
            signal,
          },
        );
        return { processed, changed: true };
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    throw new FencedError(name);
  }

  /** What the last load() found for a partition (for `qdo status`). */
  describe(name: string): PartitionProgress {
    return this.#index.describe(name);
  }

  /** Number of partitions with a known status. */
  get size(): number {
    return this.#index.size;
  }

  /** Writes our status body; false when the server refused the condition (412) and it is not ours. */
  async #write(
    name: string,
    claim: Claim,
    processed: string,
    condition: { ifMatch?: string; ifNoneMatch?: boolean },
    signal?: AbortSignal,
  ): Promise<boolean> {
    const { queuey, worker } = this.options;
    const ref = statusRef(name);
    const status: StatusBody = {
      partition: name,
      processed,
      last_worker: worker,
      claim: claim.token,
      ...(claim.stuck ? { stuck: claim.stuck } : {}),
      ...(claim.paused ? { paused: claim.paused } : {}),
      worker_started: this.#started,
      written_at: new Date(this.options.now()).toISOString(),
    };
    const body = JSON.stringify(status);
    let etag: string | undefined;
    try {
      etag = await queuey.putMessages(STATUS_QUEUE, [ref], body, {
        ttl: BOOKKEEPING_TTL,
        contentType: 'application/json',
        ...(this.#conditional === false ? {} : condition),
        signal,
      });
    } catch (error) {
      if (!isConflict(error)) throw error;
      // A retried PUT whose first attempt landed is refused too: was it ours?
      const again = await this.#readOwn(name, signal);
      if (again?.message.body !== body) return false;
      etag = again.etag;
    }
    if (etag === undefined && this.#conditional !== false) {
      this.#conditional = false;
      this.options.logger.warn(
        'the Queuey server has no if-match extension (no ETag): progress commits are not fenced; a worker that lost a partition may rewind its position (messages run again, none is lost)',
      );
    } else if (etag !== undefined) this.#conditional = true;
    this.#claimed(name, { ...claim, etag, processed });
    return true;
  }

  #claimed(name: string, claim: Claim): void {
    this.#claims.set(name, claim);
    this.#index.wrote(name, claim.processed, this.options.worker, claim);
    this.#metrics.gauge('worker.corrupt_status', 0, { partition: name });
  }

  async #readOwn(name: string, signal?: AbortSignal) {
    return this.options.queuey.getMessage(STATUS_QUEUE, statusRef(name), { signal });
  }

  /** The position (and pause) in our own status message, or CorruptStatusError. */
  #trusted(name: string, body: string): { processed: string; paused: PauseMark | undefined } {
    const parsed = parseStatus(body);
    if (parsed.ok && parsed.partition === name)
      return { processed: parsed.processed, paused: parsed.paused };
    const ref = statusRef(name);
    const reason = parsed.ok
      ? `it names partition ${JSON.stringify(parsed.partition)}`
      : parsed.reason;
    throw this.#corrupt(name, `${ref.partition}:${ref.id}`, reason);
  }

  /**
   * No status message under the deterministic id yet: the position comes
   * from the newest legacy status message (random id, written by qdo before
   * fencing), which the first claim then carries over.
   */
  async #legacy(name: string, signal?: AbortSignal): Promise<string> {
    const { partition: sp } = statusRef(name);
    await this.#index.rescan(sp, signal);
    const known = this.#index.get(name);
    if (known?.corrupt !== undefined) {
      throw this.#corrupt(name, known.statusMessage ?? '?', known.corrupt);
    }
    if (known) return known.processed;
    const unreadable = this.#index.unreadableIn(sp);
    if (unreadable) {
      // It may have been this partition's: starting from scratch could replay everything.
      throw this.#corrupt(
        name,
        unreadable[0],
        `${unreadable[1]}; it may hold this partition's position`,
      );
    }
    return '';
  }

  #corrupt(name: string, statusMessage: string, reason: string): CorruptStatusError {
    this.#metrics.gauge('worker.corrupt_status', 1, { partition: name });
    return new CorruptStatusError({ partition: name, statusMessage, reason });
  }
}
