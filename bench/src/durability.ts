/**
 * The server's SQLite durability as it runs, not as a document says: open a
 * storage the way the server does, on a temp file, and read `synchronous`
 * back from the connection it opened. The connection is found by noting
 * every better-sqlite3 Database that runs a pragma while the storage opens
 * (the server and this package load the same better-sqlite3).
 */
import { openSqliteStorage } from '@qdo/queuey-server';
import Database from 'better-sqlite3';
import { tempDir } from './env.js';

const LEVELS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;
export type Synchronous = (typeof LEVELS)[number];

export interface Durability {
  level: Synchronous;
  /** 'assumed' when no connection of the server's storage could be asked. */
  source: 'server default' | 'assumed';
}

export async function serverSynchronous(): Promise<Durability> {
  const dir = tempDir('durability');
  const proto = Database.prototype;
  const original = { pragma: proto.pragma, exec: proto.exec };
  const seen = new Set<Database.Database>();
  proto.pragma = function (this: Database.Database, ...args: Parameters<typeof original.pragma>) {
    seen.add(this);
    return original.pragma.apply(this, args);
  };
  proto.exec = function (this: Database.Database, ...args: Parameters<typeof original.exec>) {
    seen.add(this);
    return original.exec.apply(this, args);
  };
  let storage: Awaited<ReturnType<typeof openSqliteStorage>> | undefined;
  try {
    storage = await openSqliteStorage({ path: dir.file('q.db') });
    Object.assign(proto, original);
    const levels = [...seen]
      .filter((db) => db.open)
      .map((db) => Number(db.pragma('synchronous', { simple: true })));
    // Several connections (e.g. a reader and a writer): the most durable one writes.
    const level = LEVELS[Math.max(...levels)];
    return level ? { level, source: 'server default' } : { level: 'NORMAL', source: 'assumed' };
  } finally {
    Object.assign(proto, original);
    await storage?.close();
    dir.remove();
  }
}
