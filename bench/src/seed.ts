/**
 * Seeding SQLite files straight through the server's storage API (no HTTP),
 * so big fixtures are quick and the server process starts with a clean
 * memory peak. A seeded file is a template, copied for each round.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { openSqliteStorage } from '@qdo/queuey-server';
import { body100 } from './env.js';
import { APP } from './server.js';

export interface SeedOptions {
  queue: string;
  partitions: number;
  count: number;
  /** Which partition message i goes to; default round-robin. */
  partitionOf?: (i: number) => number;
  /** Keep every n-th id (for reads at random positions); 0 = none. */
  sampleEvery?: number;
}

const BATCH = 10_000;
const TTL = 7 * 24 * 3600;

/** Adds a queue with `count` 100-byte messages to the file; returns the sampled ids. */
export async function seed(path: string, options: SeedOptions): Promise<string[]> {
  const storage = await openSqliteStorage({ path });
  const partitionOf = options.partitionOf ?? ((i: number) => (i % options.partitions) + 1);
  const samples: string[] = [];
  try {
    await storage.putQueue({
      application: APP,
      name: options.queue,
      partitions: options.partitions,
      type: 'user',
      consistency: 'strong',
      principles: [],
      created: Date.now() / 1000,
    });
    for (let start = 0; start < options.count; start += BATCH) {
      const size = Math.min(BATCH, options.count - start);
      const batch = Array.from({ length: size }, (_, j) => ({
        body: body100(`m${start + j}`),
        partition: partitionOf(start + j),
        ttl: TTL,
      }));
      const stored = await storage.insertMessages(APP, options.queue, batch, Date.now());
      if (options.sampleEvery) {
        for (let j = 0; j < stored.length; j += options.sampleEvery)
          samples.push((stored[j] as { id: string }).id);
      }
    }
  } finally {
    await storage.close();
  }
  return samples;
}

/** Copies a closed SQLite file (and a WAL left beside it, if any). */
export function copyDb(from: string, to: string): void {
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
}
