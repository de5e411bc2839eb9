import { ERROR_QUEUE, STATUS_QUEUE, ticksToTimestamp, timestampToTicks } from '@qdo/core';
import type { QueueInfo, QueueyClient } from '@qdo/queuey-client';
import type { PartyMemberView, PartyView, RatePoint, Snapshot } from '../api-types.js';
import { answerFor } from './errors.js';
import { buildSnapshot, type Observed } from './snapshot.js';
import { readStatus } from './status.js';
import { compare, keyOfId, walkPartition } from './walk.js';
import { GONE_SECONDS, WorkerLog } from './workers.js';

export interface SamplerOptions {
  queuey: QueueyClient;
  /** Messages counted per partition and sample (lag, and processed since the last sample). */
  lagCap: number;
  /** A partition with lag whose position has not moved for this long is stalled. */
  stallAfterMs: number;
  /** How much throughput history is kept. */
  historyMs: number;
  /** A worker not seen for this long, with work waiting, shows as gone. Default GONE_SECONDS. */
  goneAfterMs?: number;
  now: () => number;
  /** Reads ZooKeeper's party (the `automatic` policy); absent when not configured. */
  party?: { connection: string; read: () => Promise<PartyMemberView[]> } | undefined;
}

/** Partitions walked at once. */
const PARALLEL = 4;
const RATE_WINDOW_MS = 60_000;

/**
 * Takes samples of every partition's position and lag, and from the
 * difference between two samples the throughput. The one owner of what the
 * dashboard knows; the HTTP side only asks it.
 */
export class Sampler {
  readonly #options: SamplerOptions;
  readonly #observed = new Map<string, Observed>();
  readonly #rebased = new Map<string, string>();
  readonly #history: RatePoint[] = [];
  readonly #listeners = new Set<(snapshot: Snapshot, point: RatePoint | undefined) => void>();
  #errorTicks: bigint | undefined;
  #lastAt: number | undefined;
  #snapshot: Snapshot | undefined;
  #running: Promise<Snapshot> | undefined;
  #party: PartyView | undefined;
  readonly #workers: WorkerLog;

  constructor(options: SamplerOptions) {
    this.#options = options;
    this.#workers = new WorkerLog(options.goneAfterMs ?? GONE_SECONDS * 1000, options.historyMs);
  }

  get snapshot(): Snapshot | undefined {
    return this.#snapshot;
  }

  get history(): readonly RatePoint[] {
    return this.#history;
  }

  onSample(listener: (snapshot: Snapshot, point: RatePoint | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * A seek moved `name` to `position`: the next sample starts from there, so
   * the jump counts neither as throughput nor as expired messages.
   */
  rebase(name: string, position: string): void {
    // Applied by the next #observe: a snapshot built meanwhile must not pair
    // the new position with the old walk.
    this.#rebased.set(name, position);
  }

  /** Resolves when no sample is in flight. */
  async idle(): Promise<void> {
    await this.#running?.catch(() => {});
  }

  /** A sample that starts after this call: what an action just changed is in it. */
  async fresh(): Promise<Snapshot> {
    await this.#running?.catch(() => {});
    return this.sample();
  }

  /** Takes a sample now, or joins the one in flight. */
  sample(): Promise<Snapshot> {
    this.#running ??= this.#take().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #take(): Promise<Snapshot> {
    const { now, lagCap } = this.#options;
    const at = now();
    let snapshot: Snapshot;
    let point: RatePoint | undefined;
    try {
      const { queues, errorCount, hasStatus, errorPartitions } = await this.#queues();
      const names = queues.flatMap((q) =>
        Array.from({ length: q.partitions ?? 1 }, (_, i) => ({
          queue: q.queue_name,
          partition: i + 1,
        })),
      );
      const status = hasStatus
        ? await readStatus(
            this.#options.queuey,
            names.map((n) => `${n.queue}-${n.partition}`),
          )
        : new Map();
      const party = this.#readParty();
      const purged = await this.#purged(queues);
      let processed = 0;
      await pool(names, PARALLEL, async ({ queue, partition }) => {
        const name = `${queue}-${partition}`;
        processed += await this.#observe({
          ...{ name, queue, partition, status: status.get(name), at },
          purged: purged?.get(name) ?? (purged ? { count: 0, lastId: undefined } : undefined),
        });
      });
      const live = new Set(names.map((n) => `${n.queue}-${n.partition}`));
      for (const name of this.#observed.keys()) if (!live.has(name)) this.#observed.delete(name);
      const failed = await this.#newErrors(errorPartitions);
      point = this.#record(at, processed, failed);
      const members = (await party)?.members.map((m) => m.name);
      snapshot = buildSnapshot({
        at,
        queues,
        observed: this.#observed,
        errorCount,
        lagCap,
        stallAfterMs: this.#options.stallAfterMs,
        workers: (load, partitions) => this.#workers.update(at, load, partitions, members),
      });
      snapshot.party = await party;
    } catch (error) {
      // Shown in the browser: said without Queuey's URL.
      const problem = answerFor(error).message;
      snapshot = this.#snapshot
        ? { ...this.#snapshot, problem }
        : { at, queues: [], partitions: [], workers: [], errors: 0, lagCap, problem };
    }
    this.#snapshot = snapshot;
    for (const listener of this.#listeners) listener(snapshot, point);
    return snapshot;
  }

  /**
   * The server's expiry tallies (extension `expired`) by partition name;
   * undefined when the server does not advertise it.
   */
  async #purged(queues: readonly QueueInfo[]) {
    const { queuey } = this.#options;
    if (!(await queuey.extensions()).has('expired')) return undefined;
    const byName = new Map<string, NonNullable<Observed['purged']>>();
    await pool(queues, PARALLEL, async (q) => {
      // A queue deleted since the listing has no tallies: leave it out.
      const tallies = await queuey.expired(q.queue_name).catch(() => []);
      for (const t of tallies) {
        byName.set(`${q.queue_name}-${t.partition}`, {
          count: t.expired_count,
          lastId: t.last_expired_id ?? undefined,
        });
      }
    });
    return byName;
  }

  /** The party now; on failure the last members read, with the problem. */
  async #readParty(): Promise<PartyView | undefined> {
    const source = this.#options.party;
    if (!source) return undefined;
    try {
      const members = await source.read();
      this.#party = { connection: source.connection, members, problem: undefined };
    } catch (error) {
      const problem = `ZooKeeper: ${error instanceof Error ? error.message : String(error)}`;
      this.#party = { connection: source.connection, members: this.#party?.members ?? [], problem };
    }
    return this.#party;
  }

  async #queues() {
    const queues: QueueInfo[] = [];
    let errorCount = 0;
    let hasStatus = false;
    let errorPartitions = 0;
    for await (const q of this.#options.queuey.queues({ details: true, includeCount: true })) {
      if (q.queue_name === STATUS_QUEUE) hasStatus = true;
      else if (q.queue_name === ERROR_QUEUE) {
        errorPartitions = q.partitions ?? 1;
        errorCount = q.count ?? 0;
      } else queues.push(q);
    }
    return { queues, errorCount, hasStatus, errorPartitions };
  }

  /** Walks one partition; returns how many messages it processed since the last sample. */
  async #observe(target: {
    name: string;
    queue: string;
    partition: number;
    status:
      | {
          processed: string;
          lastWorker: string | undefined;
          corrupt: string | undefined;
          stuck?: { message: string; since: string } | undefined;
          paused?: { by: string; since: string } | undefined;
          workerStarted?: string | undefined;
          writtenAt?: string | undefined;
        }
      | undefined;
    at: number;
    purged: Observed['purged'];
  }): Promise<number> {
    const { name, queue, partition, status, at, purged } = target;
    const position = status?.processed ?? '';
    const known = this.#observed.get(name);
    // A seek applies once its write is what we read (a sample may have read before it).
    const rebased = this.#rebased.get(name) === position;
    if (rebased) this.#rebased.delete(name);
    const before = known && rebased ? { ...known, position, pending: new Map() } : known;
    const key = keyOfId(position);
    const prevKey = before ? keyOfId(before.position) : undefined;
    // From the previous position when it moved forward, so one read counts both.
    const from = !before
      ? position
      : !key || (prevKey && compare(prevKey, key) > 0)
        ? position
        : before.position;
    const walk = await walkPartition(this.#options.queuey, {
      queue,
      partition,
      from,
      position,
      cap: this.#options.lagCap,
    });
    let expired = before?.expired ?? 0;
    for (const [id, k] of before?.pending ?? []) {
      const unprocessed = !key || compare(k, key) > 0;
      const looked = !walk.capped || (walk.reached && compare(k, walk.reached) <= 0);
      if (unprocessed && looked && !walk.pending.has(id)) expired += 1;
    }
    const moved = before !== undefined && before.position !== position;
    const recent = (before?.recent ?? []).filter((r) => at - r.at < RATE_WINDOW_MS);
    if (before) recent.push({ at, n: walk.processed, ms: at - before.at });
    this.#observed.set(name, {
      name,
      queue,
      partition,
      position,
      worker: status?.lastWorker,
      corrupt: status?.corrupt,
      stuck: status?.stuck,
      paused: status?.paused,
      workerStarted: status?.workerStarted,
      writtenAt: status?.writtenAt,
      firstSeen: before?.firstSeen ?? at,
      movedAt: moved ? at : before?.movedAt,
      at,
      walk,
      pending: walk.pending,
      expired,
      purged,
      recent,
    });
    return before ? walk.processed : 0;
  }

  /**
   * qdo_error messages saved since the last sample: those newer than the
   * newest one seen before (by the server's timestamps, not our clock).
   */
  async #newErrors(partitions: number): Promise<number> {
    const { queuey } = this.#options;
    const since = this.#errorTicks;
    let newest = since ?? 0n;
    let count = 0;
    for (let partition = 1; partition <= partitions; partition++) {
      const messages =
        since === undefined
          ? await queuey.messages(ERROR_QUEUE, { partition, order: 'descending', limit: 1 })
          : queuey.iterateMessages(ERROR_QUEUE, {
              partition,
              since: ticksToTimestamp(since),
              pageSize: 1000,
            });
      for await (const m of messages) {
        const ticks = timestampToTicks(m.timestamp);
        if (since !== undefined && ticks > since) count += 1;
        if (ticks > newest) newest = ticks;
      }
    }
    this.#errorTicks = newest;
    return count;
  }

  #record(at: number, processed: number, failed: number): RatePoint | undefined {
    const last = this.#lastAt;
    this.#lastAt = at;
    if (last === undefined || at <= last) return undefined;
    const seconds = (at - last) / 1000;
    const point = { t: at / 1000, processed: processed / seconds, failed: failed / seconds };
    this.#history.push(point);
    const oldest = (at - this.#options.historyMs) / 1000;
    while ((this.#history[0]?.t ?? oldest) < oldest) this.#history.shift();
    return point;
  }
}

async function pool<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
}
