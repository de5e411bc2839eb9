/**
 * Group commit for the SQLite adapter: `synchronous = full` without the
 * event loop waiting on the disk.
 *
 * In WAL mode SQLite's FULL differs from NORMAL in one thing only: at every
 * commit it syncs the WAL file, inside COMMIT, so better-sqlite3 blocks the
 * thread for the whole fdatasync (about a millisecond here, far more on
 * network disks) and nothing else is served meanwhile. Instead the adapter
 * runs the connection at NORMAL (which keeps SQLite's syncs around
 * checkpoints) and, after each write transaction commits, waits for an
 * fdatasync of the WAL that started after that commit, on libuv's thread
 * pool, before the write's promise resolves, so before the HTTP layer
 * answers and before long-polls are woken. A write that is acknowledged is
 * on disk exactly as with FULL.
 *
 * Commits that land while a sync runs share the next one: with several
 * writers in flight the disk is synced once per group, not once per write.
 * A failed sync fails every write that was waiting for it: the HTTP layer
 * answers 500 ("may have been stored"), so nothing is acknowledged that is
 * not known to be on disk.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import { StorageError } from './errors.js';

/** Makes everything written to `fd` so far durable; node:fs's fdatasync by default. */
export type SyncFile = (fd: number, done: (error: NodeJS.ErrnoException | null) => void) => void;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  readonly #fd: number;
  readonly #sync: SyncFile;
  /** Commits not covered by a sync that has started yet. */
  #waiting: Waiter[] = [];
  #running: Promise<void> | undefined;

  private constructor(fd: number, sync: SyncFile) {
    this.#fd = fd;
    this.#sync = sync;
  }

  /** Opens the WAL file of `databasePath`, or undefined when it has none (not in WAL mode). */
  static open(databasePath: string, sync: SyncFile = fdatasync): WalSync | undefined {
    let fd: number;
    try {
      fd = openSync(`${databasePath}-wal`, 'r');
    } catch {
      return undefined;
    }
    return new WalSync(fd, sync);
  }

  /** Resolves once every commit made before this call is on disk. */
  durable(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      if (this.#running === undefined) this.#running = this.#syncAll();
    });
  }

  /** Syncs until no commit is left waiting; each round covers the commits made before it began. */
  async #syncAll(): Promise<void> {
    while (this.#waiting.length > 0) {
      const group = this.#waiting;
      this.#waiting = [];
      const error = await new Promise<NodeJS.ErrnoException | null>((done) =>
        this.#sync(this.#fd, done),
      );
      if (error) {
        const failure = new StorageError(
          'QUEUEY_SERVER_STORAGE_UNAVAILABLE',
          `could not sync the database's write-ahead log to disk (${error.code ?? error.message}): the write is stored but may not survive a power loss; check the disk`,
        );
        for (const waiter of group) waiter.reject(failure);
      } else {
        for (const waiter of group) waiter.resolve();
      }
    }
    this.#running = undefined;
  }

  /** Waits for the syncs under way, then closes the file. */
  async close(): Promise<void> {
    await this.#running;
    closeSync(this.#fd);
  }
}
