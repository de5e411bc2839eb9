import { idTicks } from '@qdo/core';
import type { QueueInfo } from '@qdo/queuey-client';
import type {
  PartitionState,
  PartitionView,
  QueueView,
  Snapshot,
  WorkerView,
} from '../api-types.js';
import { compare, type Key, keyOfId, type Walk } from './walk.js';
import type { WorkerLoad } from './workers.js';

/** What the sampler keeps about one partition between samples. */
export interface Observed {
  name: string;
  queue: string;
  partition: number;
  position: string;
  worker: string | undefined;
  corrupt: string | undefined;
  stuck: { message: string; since: string } | undefined;
  paused?: { by: string; since: string } | undefined;
  /** What the status message's writer said of itself (ISO 8601); undefined from older workers. */
  workerStarted?: string | undefined;
  writtenAt?: string | undefined;
  /** Epoch ms: first sample that saw it, last time its position moved, this sample. */
  firstSeen: number;
  movedAt: number | undefined;
  at: number;
  walk: Walk;
  pending: Map<string, Key>;
  expired: number;
  /** The server's tally (extension `expired`) at this sample. */
  purged: { count: number; lastId: string | undefined } | undefined;
  /** Processed counts of the samples of the last minute, for the rate. */
  recent: { at: number; n: number; ms: number }[];
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function rate(recent: Observed['recent']): number {
  const ms = recent.reduce((sum, r) => sum + r.ms, 0);
  return ms > 0 ? recent.reduce((sum, r) => sum + r.n, 0) / (ms / 1000) : 0;
}

function partitionView(o: Observed, stallAfterMs: number): PartitionView {
  const { walk } = o;
  let state: PartitionState = walk.lag === 0 ? 'idle' : 'working';
  if (walk.lag > 0 && o.at - (o.movedAt ?? o.firstSeen) >= stallAfterMs) state = 'stalled';
  if (o.paused) state = 'paused';
  if (o.corrupt) state = 'corrupt';
  const posted = o.position ? idTicks(o.position) : undefined;
  const newest = o.purged?.lastId ? keyOfId(o.purged.lastId) : undefined;
  const at = keyOfId(o.position);
  const purgedUnprocessed = newest !== undefined && (at === undefined || compare(newest, at) > 0);
  return {
    name: o.name,
    queue: o.queue,
    partition: o.partition,
    position: o.position,
    worker: o.worker,
    workerStarted: o.workerStarted,
    statusWrittenAt: o.writtenAt,
    positionPostedAt: posted === undefined ? undefined : iso(Number(posted / 10_000n)),
    movedAt: iso(o.movedAt),
    lag: walk.lag,
    lagCapped: walk.capped,
    lagSeconds:
      walk.oldest === undefined
        ? 0
        : Math.max(0, Math.round((o.at - Number(walk.oldest / 10_000n)) / 1000)),
    rate: rate(o.recent),
    expired: o.expired,
    purged: o.purged,
    purgedUnprocessed,
    state,
    corrupt: o.corrupt,
    stuck: o.stuck,
    paused: o.paused,
  };
}

/** The picture the pages show, from what the sampler observed. */
export function buildSnapshot(options: {
  at: number;
  queues: readonly QueueInfo[];
  observed: ReadonlyMap<string, Observed>;
  errorCount: number;
  lagCap: number;
  stallAfterMs: number;
  /** The Workers page's rows, from each worker's load (the sampler's WorkerLog). */
  workers: (load: WorkerLoad[], partitions: PartitionView[]) => WorkerView[];
}): Snapshot {
  const partitions = [...options.observed.values()]
    .map((o) => partitionView(o, options.stallAfterMs))
    .sort((a, b) => a.queue.localeCompare(b.queue) || a.partition - b.partition);
  const queues: QueueView[] = [...options.queues]
    .sort((a, b) => a.queue_name.localeCompare(b.queue_name))
    .map((q) => {
      const mine = partitions.filter((p) => p.queue === q.queue_name);
      return {
        name: q.queue_name,
        partitions: q.partitions ?? 1,
        count: q.count ?? 0,
        lag: mine.reduce((s, p) => s + p.lag, 0),
        lagCapped: mine.some((p) => p.lagCapped),
        lagSeconds: Math.max(0, ...mine.map((p) => p.lagSeconds)),
        rate: mine.reduce((s, p) => s + p.rate, 0),
        expired: mine.reduce((s, p) => s + p.expired, 0),
        purged: mine.some((p) => p.purged)
          ? mine.reduce((s, p) => s + (p.purged?.count ?? 0), 0)
          : undefined,
        purgedUnprocessed: mine.filter((p) => p.purgedUnprocessed).length,
        stalled: mine.filter((p) => p.state === 'stalled').length,
        corrupt: mine.filter((p) => p.state === 'corrupt').length,
      };
    });
  const byWorker = new Map<string, WorkerLoad>();
  for (const p of partitions) {
    if (!p.worker) continue;
    const w = byWorker.get(p.worker) ?? { name: p.worker, partitions: [], rate: 0 };
    w.partitions.push(p.name);
    w.rate += p.rate;
    byWorker.set(p.worker, w);
  }
  return {
    at: options.at,
    queues,
    partitions,
    workers: options.workers([...byWorker.values()], partitions),
    errors: options.errorCount,
    lagCap: options.lagCap,
    problem: undefined,
  };
}
