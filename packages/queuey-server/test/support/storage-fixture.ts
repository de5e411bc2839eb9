/**
 * What the storage suite needs from an adapter's test file, and the helpers
 * its parts share.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  type MessageKey,
  openSqliteStorage,
  type Storage,
  type StoredMessage,
} from '../../src/storage/index.js';

export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export interface StorageFixture {
  storage: Storage;
  clock: TestClock;
  cleanup(): Promise<void>;
}

export type OpenStorage = () => Promise<StorageFixture>;

/** A clock that moves only when told to (also backwards, to test monotonic ids). */
export function manualClock(start = Date.UTC(2024, 0, 2, 3, 4, 5, 678)): TestClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Opens a fresh storage before each test and cleans it up after. */
export function useStorage(open: OpenStorage): () => StorageFixture {
  let fixture: StorageFixture | undefined;
  beforeEach(async () => {
    fixture = await open();
  });
  afterEach(async () => {
    const current = fixture;
    fixture = undefined;
    await current?.cleanup();
  });
  return () => {
    if (!fixture) throw new Error('the storage fixture is only available inside a test');
    return fixture;
  };
}

export const APP = 'app';
export const OTHER_APP = 'other';
const DAY = 86_400;

export function bodies(
  count: number,
  prefix = 'm',
): { body: string; partition: number; ttl: number }[] {
  return Array.from({ length: count }, (_, i) => ({
    body: `${prefix}${i}`,
    partition: 1,
    ttl: DAY,
  }));
}

export function keyOf(message: StoredMessage): MessageKey {
  return { partition: message.partition, id: message.id };
}

/** Compares two messages by the server's order: time, then id bytes. */
export function byPosition(a: StoredMessage, b: StoredMessage): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Creates a queue with defaults, as the HTTP layer would before writing to it. */
export async function createQueue(
  storage: Storage,
  name: string,
  options: { application?: string; partitions?: number } = {},
): Promise<void> {
  await storage.putQueue({
    application: options.application ?? APP,
    name,
    partitions: options.partitions ?? 1,
    type: 'user',
    consistency: 'strong',
    principles: [],
    created: 1_700_000_000,
  });
}

/** A version-1 id with this time, clock sequence and node (hex). */
export function hexId(time: bigint, clockSequence: string, node: string): string {
  const hex = time.toString(16).padStart(15, '0');
  return `${hex.slice(7)}${hex.slice(3, 7)}1${hex.slice(0, 3)}${clockSequence}${node}`;
}

export { waitFor } from '@qdo/test-utils';

/**
 * For the shared suites: a SQLite file in a temp dir on `clock`; cleanup()
 * closes it and removes the dir.
 */
export async function openInTempDir<K extends { now(): number }>(clock: K) {
  const dir = await mkdtemp(join(tmpdir(), 'queuey-storage-'));
  const storage = await openSqliteStorage({ path: join(dir, 'queuey.db') });
  return {
    storage,
    clock,
    async cleanup() {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
