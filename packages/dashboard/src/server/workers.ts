import type { PartitionView, WorkerState, WorkerView } from '../api-types.js';

/** What a snapshot counts for each worker: the partitions it last committed, their rate. */
export interface WorkerLoad {
  name: string;
  partitions: string[];
  rate: number;
}

/** Seconds without a sign of life before a worker with work waiting shows as gone. */
export const GONE_SECONDS = 300;

interface Seen {
  firstSeen: number;
  lastSeen: number | undefined;
  startedAt: string | undefined;
}

// core's workerName: `host-pid`, or `host-pid-name` when the worker has a name.
const WORKER_NAME = /^(.+)-(\d+)(?:-(\D.*))?$/;

/** Host and pid from a worker name of core's form; undefined parts when it is not one. */
export function parseWorkerName(name: string): { host?: string; pid?: number } {
  const [, host, pid] = WORKER_NAME.exec(name) ?? [];
  return host && pid ? { host, pid: Number(pid) } : {};
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const ms = (isoText: string | undefined) => (isoText ? Date.parse(isoText) : undefined);
const later = (a: number | undefined, b: number | undefined) =>
  a === undefined ? b : b === undefined ? a : Math.max(a, b);

/**
 * Workers over time. A worker writes nothing of its own but its partitions'
 * status messages (and, under the `automatic` policy, its ZooKeeper party
 * node), so its signs of life are: a status message of its changing between
 * two samples; the posting time of the message at a position it committed
 * (it was running after that); being in the party now.
 */
export class WorkerLog {
  readonly #seen = new Map<string, Seen>();
  readonly #last = new Map<string, string>();

  constructor(
    private readonly goneAfterMs: number,
    private readonly forgetAfterMs: number,
  ) {}

  update(
    at: number,
    load: readonly WorkerLoad[],
    partitions: readonly PartitionView[],
    party: readonly string[] = [],
  ): WorkerView[] {
    const signs = new Map<string, number | undefined>();
    const started = new Map<string, string>();
    const sign = (name: string, when: number | undefined) =>
      signs.set(name, later(signs.get(name), when));
    for (const p of partitions) {
      if (!p.worker) continue;
      const now = `${p.worker} ${p.position}`;
      const before = this.#last.get(p.name);
      this.#last.set(p.name, now);
      sign(p.worker, before !== undefined && before !== now ? at : undefined);
      sign(p.worker, ms(p.positionPostedAt));
      // Its own clock: never later than this sample.
      const written = ms(p.statusWrittenAt);
      sign(p.worker, written === undefined ? undefined : Math.min(written, at));
      if (p.workerStarted) started.set(p.worker, p.workerStarted);
    }
    for (const name of party) sign(name, at);
    for (const [name, when] of signs) {
      const seen = this.#seen.get(name) ?? {
        firstSeen: at,
        lastSeen: undefined,
        startedAt: undefined,
      };
      seen.lastSeen = later(seen.lastSeen, when);
      seen.startedAt = started.get(name) ?? seen.startedAt;
      this.#seen.set(name, seen);
    }
    const byName = new Map(load.map((w) => [w.name, w]));
    const lagging = new Set(partitions.filter((p) => p.lag > 0).map((p) => p.name));
    const views: WorkerView[] = [];
    for (const [name, seen] of this.#seen) {
      const held = byName.get(name);
      const lastSeen = seen.lastSeen ?? seen.firstSeen;
      if (!held && !signs.has(name) && at - lastSeen > this.forgetAfterMs) {
        this.#seen.delete(name);
        continue;
      }
      const fresh = seen.lastSeen !== undefined && at - seen.lastSeen < this.goneAfterMs;
      const waiting = held?.partitions.some((p) => lagging.has(p)) ?? false;
      const state: WorkerState =
        fresh || party.includes(name) ? 'active' : held && !waiting ? 'idle' : 'gone';
      const { host, pid } = parseWorkerName(name);
      views.push({
        name,
        host,
        pid,
        startedAt: seen.startedAt,
        firstSeen: iso(seen.firstSeen) ?? '',
        lastSeen: iso(seen.lastSeen),
        state,
        partitions: held?.partitions ?? [],
        rate: held?.rate ?? 0,
      });
    }
    return views.sort((a, b) => a.name.localeCompare(b.name));
  }
}
