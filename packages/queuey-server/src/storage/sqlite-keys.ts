/** Keys of the SQLite adapter: integer queue keys, and message keys with their times. */
import type Database from 'better-sqlite3';
import { isUuidHex, uuidTime } from '../ids.js';
import { StorageError } from './errors.js';
import type { MessageKey } from './types.js';

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

export type TimedKey = MessageKey & { time: bigint };

/** Keys with a hex id, lower-cased, each once; other ids cannot exist. */
export function uniqueHexKeys(keys: MessageKey[]): TimedKey[] {
  const seen = new Set<string>();
  const unique: TimedKey[] = [];
  for (const key of keys) {
    if (!isUuidHex(key.id)) continue;
    const id = key.id.toLowerCase();
    const tag = `${key.partition}:${id}`;
    if (seen.has(tag)) continue;
    seen.add(tag);
    unique.push({ partition: key.partition, id, time: uuidTime(id) });
  }
  return unique;
}

/** A message can only be stored under a hex id: its time comes from it. */
export function assertHexKeys(keys: MessageKey[]): void {
  const invalid = keys.find((key) => !isUuidHex(key.id));
  if (invalid) {
    throw new StorageError(
      'INVALID_MESSAGE_ID',
      `message id ${JSON.stringify(invalid.id)} is not 32 hex digits, so it has no time`,
    );
  }
}
