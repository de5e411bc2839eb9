import { randomUUID } from 'node:crypto';
import type { PartitionerHost } from '@qdo/core';
import { waitFor as poll } from '@qdo/test-utils';
import { ZkPartitioner, type ZkPartitionerOptions } from '../../src/index.js';

/** A chroot of its own per test, so tests sharing one server never meet. */
export function uniqueConnection(server: string): string {
  return `${server}/qdo-test-${randomUUID().slice(0, 8)}`;
}

/** Partition names `q<i>-<n>` for `queues` queues of `partitions` each. */
export function partitionsOf(queues: number, partitions: number, prefix = 'q'): string[] {
  const names: string[] = [];
  for (let q = 1; q <= queues; q++) {
    for (let n = 1; n <= partitions; n++) names.push(`${prefix}${q}-${n}`);
  }
  return names;
}

/** Records what it was asked to release; `delay` ms stands for finishing the message in hand. */
export class RecordingHost implements PartitionerHost {
  readonly released: string[][] = [];
  readonly releasedAt = new Map<string, number>();
  changes = 0;

  constructor(readonly delay = 0) {}

  async release(partitions: readonly string[]): Promise<void> {
    this.released.push([...partitions]);
    if (this.delay > 0) await new Promise((r) => setTimeout(r, this.delay));
    for (const p of partitions) this.releasedAt.set(p, Date.now());
  }

  changed(): void {
    this.changes += 1;
  }

  get allReleased(): string[] {
    return this.released.flat();
  }
}

/** Polls `condition` until it holds; fails with `message` after `timeout` ms. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  message: string | (() => string),
  timeout = 20_000,
): Promise<void> {
  await poll(condition, { what: message, timeout });
}

/** Partitioners built here are stopped by `stopAll()` (call it in afterEach). */
export class Party {
  readonly members: { partitioner: ZkPartitioner; host: RecordingHost; abort: AbortController }[] =
    [];

  constructor(readonly base: ZkPartitionerOptions) {}

  async join(
    all: readonly string[],
    options: ZkPartitionerOptions & { releaseDelay?: number; wait?: boolean } = {},
  ) {
    const { releaseDelay, wait = true, ...rest } = options;
    const partitioner = new ZkPartitioner({
      identifier: `worker-${this.members.length + 1}`,
      ...this.base,
      ...rest,
    });
    const host = new RecordingHost(releaseDelay);
    const abort = new AbortController();
    const member = { partitioner, host, abort };
    this.members.push(member);
    const started = partitioner.start(host, all, abort.signal);
    if (wait) await started;
    else started.catch(() => undefined);
    return member;
  }

  /** Every partition owned by the members, with how many own it. */
  ownership(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { partitioner } of this.members) {
      for (const p of partitioner.owned()) counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    return counts;
  }

  /** True once every partition in `all` is owned by exactly one member. */
  covers(all: readonly string[]): boolean {
    const counts = this.ownership();
    return counts.size === all.length && all.every((p) => counts.get(p) === 1);
  }

  async stopAll(): Promise<void> {
    const members = this.members.splice(0);
    for (const m of members) m.abort.abort();
    await Promise.all(members.map((m) => m.partitioner.stop()));
  }
}

/** Samples every few ms whether two members own one partition at once. */
export function watchOverlaps(party: Party): { overlaps: string[]; stop(): void } {
  const overlaps: string[] = [];
  const timer = setInterval(() => {
    for (const [p, n] of party.ownership()) if (n > 1) overlaps.push(p);
  }, 2);
  return { overlaps, stop: () => clearInterval(timer) };
}
