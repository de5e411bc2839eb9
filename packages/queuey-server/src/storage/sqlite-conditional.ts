/** The SQLite side of the conditional PUT (extension `if-match`). */
import type Database from 'better-sqlite3';
import {
  type ConditionalPutResult,
  conditionHolds,
  etagOf,
  type PutCondition,
} from './conditional.js';
import { idBytes, type MessageRow, SQL, toStoredMessage } from './sqlite-sql.js';
import type { StoredMessage } from './types.js';

export interface SqliteConditionalPut {
  db: Database.Database;
  statement: (sql: string, safeIntegers?: boolean) => Database.Statement;
  /** Stores the message unconditionally (the adapter's own PUT, expiry index included). */
  put: () => void;
  queueKey: number | bigint;
  key: { partition: number; id: string; time: bigint };
  message: Pick<StoredMessage, 'body' | 'contentType' | 'expiresAt'>;
  condition: PutCondition;
  now: number;
}

/** Reads, compares and writes in one IMMEDIATE transaction: no other writer in between. */
export function sqlitePutIf(o: SqliteConditionalPut): ConditionalPutResult {
  const get = o.statement(SQL.getMessage, true);
  return o.db
    .transaction((): ConditionalPutResult => {
      const row = get.get(o.queueKey, o.key.partition, o.now, o.key.time, idBytes(o.key.id));
      const current = row ? toStoredMessage(row as MessageRow) : undefined;
      if (!conditionHolds(current, o.condition)) return { written: false };
      o.put();
      return { written: true, etag: etagOf(o.message) };
    })
    .immediate();
}
