/**
 * Group commit of posts to one queue. A post's statement holds the clock
 * rows of its partitions locked until its commit has been flushed to the
 * WAL (postgres-insert.ts), so two posts that share a partition run one
 * after the other, each paying a flush of its own. Posts that arrive for a
 * queue while this server already has `inFlight` statements running for it
 * wait together and go out as ONE statement when a slot frees: one lock
 * round, one flush, one round trip for all of them.
 *
 * Nothing changes for a lone poster (its post runs at once). Each post still
 * gets exactly its own messages back, in its own order, and a post's
 * messages come after those of the posts queued before it. They share an
 * outcome: one statement commits all of them or none (all the messages of
 * one queue, validated before they got here, so what fails one fails all).
 */
import type { MessageRow } from './adapter.js';
import { isStorageError } from './errors.js';
import type { Posted } from './postgres-insert.js';

export type InsertRun = (
  application: string,
  queue: string,
  rows: readonly MessageRow[],
  now: number,
) => Promise<Posted>;

export interface InsertGroupLimits {
  /** Statements one server runs at once for one queue. */
  inFlight: number;
  /** Messages one grouped statement carries at most (a post larger than this goes alone). */
  maxRows: number;
}

/**
 * Two statements per queue at once: while one waits on the other's clock
 * locks (or its flush), the posts that arrive meanwhile gather behind them.
 * 8,000 rows keep a grouped statement's parameter arrays a few MB.
 */
export const INSERT_GROUP_DEFAULTS: InsertGroupLimits = { inFlight: 2, maxRows: 8_000 };

interface Waiting {
  rows: readonly MessageRow[];
  now: number;
  resolve: (posted: Posted) => void;
  reject: (error: unknown) => void;
}

interface QueueLine {
  running: number;
  waiting: Waiting[];
}

export class InsertGroups {
  readonly #lines = new Map<string, QueueLine>();

  constructor(
    private readonly run: InsertRun,
    private readonly limits: InsertGroupLimits = INSERT_GROUP_DEFAULTS,
  ) {}

  insert(
    application: string,
    queue: string,
    rows: readonly MessageRow[],
    now: number,
  ): Promise<Posted> {
    const key = `${application}\u0000${queue}`;
    const line = this.#lines.get(key) ?? { running: 0, waiting: [] };
    this.#lines.set(key, line);
    return new Promise<Posted>((resolve, reject) => {
      line.waiting.push({ rows, now, resolve, reject });
      this.#next(key, line, application, queue);
    });
  }

  #next(key: string, line: QueueLine, application: string, queue: string): void {
    if (line.running >= this.limits.inFlight || line.waiting.length === 0) {
      if (line.running === 0 && line.waiting.length === 0) this.#lines.delete(key);
      return;
    }
    const group = takeGroup(line.waiting, this.limits.maxRows);
    line.running++;
    const rows = group.flatMap((w) => w.rows);
    const now = Math.max(...group.map((w) => w.now));
    this.run(application, queue, rows, now)
      .then(
        (posted) => {
          // Each post's `before`: the group's, moved past the posts ahead of it.
          const before = new Map(posted.before);
          let at = 0;
          for (const w of group) {
            const stored = posted.stored.slice(at, at + w.rows.length);
            w.resolve({ stored, before: new Map(before) });
            for (const m of stored) before.set(m.partition, m.time);
            at += w.rows.length;
          }
        },
        (error: unknown) => {
          if (group.length > 1 && isQueueNotFound(error)) {
            // Refused before anything was written: the queue is gone, or one
            // post names a partition it lacks (a stale copy of the queue,
            // http/queue-cache.ts). Each post on its own gets its own answer.
            for (const w of group)
              this.run(application, queue, w.rows, w.now).then(w.resolve, w.reject);
            return;
          }
          for (const w of group) w.reject(error);
        },
      )
      .finally(() => {
        line.running--;
        this.#next(key, line, application, queue);
      });
  }
}

const isQueueNotFound = (error: unknown) =>
  isStorageError(error) && error.code === 'QUEUEY_SERVER_QUEUE_NOT_FOUND';

/** The waiting posts, oldest first, up to `maxRows` messages (always at least one post). */
function takeGroup(waiting: Waiting[], maxRows: number): Waiting[] {
  let count = 0;
  let take = 0;
  while (take < waiting.length) {
    const size = (waiting[take] as Waiting).rows.length;
    if (take > 0 && count + size > maxRows) break;
    count += size;
    take++;
  }
  return waiting.splice(0, take);
}
