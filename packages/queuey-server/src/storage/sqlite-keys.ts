/** Integer queue keys of the SQLite adapter. */
import type Database from 'better-sqlite3';

/**
 * The integer key of each queue's messages, cached: keys are never deleted or
 * reused, so a cached key stays right whatever another process does. A key is
 * created in a transaction of its own, before the write that needs it, so a
 * rolled-back write can never leave a cached key without its row.
 */
export class QueueKeys {
  readonly #cache = new Map<string, number>();

  constructor(
    private readonly statements: () => { add: Database.Statement; get: Database.Statement },
  ) {}

  /** The key of an existing queue's messages, or undefined when it never had any. */
  find(application: string, queue: string): number | undefined {
    const name = `${application}\u0000${queue}`;
    const cached = this.#cache.get(name);
    if (cached !== undefined) return cached;
    const row = this.statements().get.get(application, queue) as { key: number } | undefined;
    if (row) this.#cache.set(name, row.key);
    return row?.key;
  }

  /** The key for writing to a queue, created when missing. */
  ensure(application: string, queue: string): number {
    const found = this.find(application, queue);
    if (found !== undefined) return found;
    this.statements().add.run(application, queue);
    return this.find(application, queue) as number;
  }
}
